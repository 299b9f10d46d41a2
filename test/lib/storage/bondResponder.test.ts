import { expect } from "chai";
import type { DealTerms } from "../../../src/chain/bondTypes";
import { randomBytes } from "ethers";
import hre from "hardhat";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EvmBond } from "../../../src/chain/evm/EvmBond";
import { EscrowRevertedError } from "../../../src/chain/escrowErrors";
import { startResponder, WrongFileError } from "../../../src/storage/bond/startResponder";
import { openDeal } from "./bondDeal";

const { ethers, network } = hre;
const HOUR = 3600;

async function setup() {
  const [, client, provider, keeper] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"]);
  const bondContract = await ethers.deployContract("StorageBond", [await token.getAddress()]);
  const bondAddress = await bondContract.getAddress();
  for (const a of [client, provider]) await token.mint(a.address, 10n ** 24n);
  const clientBond = await EvmBond.connect({ signer: client, bond: bondAddress });
  const providerBond = await EvmBond.connect({ signer: provider, bond: bondAddress });
  const keeperBond = await EvmBond.connect({ signer: keeper, bond: bondAddress });

  const dir = mkdtempSync(path.join(tmpdir(), "seedpay-bond-"));
  const { terms, file } = await openDeal(dir, clientBond, providerBond, {
    client: client.address,
    provider: provider.address,
  });
  const other = path.join(dir, "other.bin");
  writeFileSync(other, randomBytes(5 * 16384 + 100));
  return { clientBond, providerBond, keeperBond, terms, file, other, token, client };
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("storage bond client and responder", () => {
  it("answers every challenge from the file on disk, including one made while it was not running", async () => {
    const s = await setup();
    // A challenge made before the responder starts.
    await s.clientBond.challenge(s.terms, 5n);
    const answered: bigint[] = [];
    const errors: Error[] = [];
    const stop = startResponder({
      bond: s.providerBond,
      deals: [{ terms: s.terms, path: s.file }],
      pollingInterval: 20,
      onAnswered: (a) => void answered.push(a.index),
      onError: (e) => void errors.push(e),
    });
    try {
      await until(() => answered.length === 1);
      expect((await s.clientBond.getDeal(s.terms)).status).to.equal("active");
      // The next challenge may come once the last deadline passed.
      await network.provider.send("evm_increaseTime", [6 * HOUR]);
      await s.clientBond.challenge(s.terms, 2n);
      await until(() => answered.length === 2);
      expect(answered).to.deep.equal([5n, 2n]);
      expect(errors).to.deep.equal([]);
      const deal = await s.clientBond.getDeal(s.terms);
      expect(deal.status).to.equal("active");
      expect(deal.challenges).to.equal(2n);
    } finally {
      stop();
    }
  });

  it("reports a wrong file instead of answering, and the missed challenge is slashed", async () => {
    const s = await setup();
    const errors: Error[] = [];
    const stop = startResponder({
      bond: s.providerBond,
      deals: [{ terms: s.terms, path: s.other }],
      pollingInterval: 20,
      onError: (e) => void errors.push(e),
    });
    try {
      await s.clientBond.challenge(s.terms, 1n);
      await until(() => errors.length > 0);
      expect(errors[0]).to.be.instanceOf(WrongFileError);
      expect(errors[0].message).to.contain("is not the file of deal");
    } finally {
      stop();
    }
    // Slashing before the deadline is refused with the deadline in the message.
    const early = await s.keeperBond.slash(s.terms).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(EscrowRevertedError);
    expect((early as EscrowRevertedError).errorName).to.equal("ResponseWindowNotOver");
    await network.provider.send("evm_increaseTime", [6 * HOUR + 1]);
    const before = await s.token.balanceOf(s.client.address);
    await s.keeperBond.slash(s.terms);
    expect((await s.clientBond.getDeal(s.terms)).status).to.equal("slashed");
    expect(await s.token.balanceOf(s.client.address)).to.be.greaterThan(before + s.terms.bond / 2n);
  });

  it("refuses, at start and before asking the chain, a file whose length is not the terms'", async () => {
    const s = await setup();
    const errors: Error[] = [];
    const sent: string[] = [];
    const longer = { ...s.terms, fileLength: s.terms.fileLength + 1n };
    const stop = startResponder({
      bond: Object.assign(Object.create(s.providerBond) as typeof s.providerBond, {
        getDeal: async (t: DealTerms) => {
          sent.push("getDeal");
          return s.providerBond.getDeal(t);
        },
        respond: async (t: DealTerms, block: Uint8Array, proof: readonly Uint8Array[]) => {
          sent.push("respond");
          return s.providerBond.respond(t, block, proof);
        },
      }),
      deals: [{ terms: longer, path: s.file }],
      pollingInterval: 20,
      onError: (e) => void errors.push(e),
    });
    try {
      await until(() => errors.length > 0);
    } finally {
      stop();
    }
    expect(errors[0]).to.be.instanceOf(WrongFileError);
    expect(errors[0].message).to.match(/is \d+ bytes but deal 0x[0-9a-f]{64} says \d+: the terms' length is wrong/);
    expect(sent).to.deep.equal([]);
  });
});
