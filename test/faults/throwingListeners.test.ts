import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EvmBond } from "../../src/chain/evm/EvmBond";
import { pollingLoop } from "../../src/chain/pollingLoop";
import { startResponder } from "../../src/storage/bond/startResponder";
import { openDeal } from "../lib/storage/bondDeal";

const { ethers } = hre;

/** Collects unhandled rejections while a test runs (mocha would otherwise blame a later test, or none). */
function watchRejections(): { rejections: unknown[]; stop: () => void } {
  const rejections: unknown[] = [];
  const listener = (reason: unknown) => void rejections.push(reason);
  process.on("unhandledRejection", listener);
  return { rejections, stop: () => void process.off("unhandledRejection", listener) };
}

/** An application's error listener is its own code: a bug in it must not silence a watcher. */
describe("faults: an onError listener that throws", function () {
  it("does not stop pollingLoop, nor surface as an unhandled rejection", async () => {
    const watch = watchRejections();
    let polls = 0;
    let reported = 0;
    let stop = () => {};
    try {
      await new Promise<void>((resolve) => {
        stop = pollingLoop(
          async () => {
            polls += 1;
            if (polls <= 3) throw new Error(`node down (poll ${polls})`);
            resolve();
          },
          1,
          () => {
            reported += 1;
            throw new Error("the listener's own bug");
          },
        );
      });
    } finally {
      stop();
      // Let any rejection of the failed polls reach the process listener before looking.
      await new Promise((r) => setImmediate(r));
      watch.stop();
    }
    expect(reported).to.equal(3);
    expect(polls).to.equal(4);
    expect(watch.rejections).to.deep.equal([]);
  });

  it("does not stop the storage responder from answering a challenge", async () => {
    const [, client, provider] = await ethers.getSigners();
    const token = await ethers.deployContract("TestToken", ["t", "t"]);
    const bondAddress = await (await ethers.deployContract("StorageBond", [await token.getAddress()])).getAddress();
    for (const a of [client, provider]) await token.mint(a.address, 10n ** 24n);
    const clientBond = await EvmBond.connect({ signer: client, bond: bondAddress });
    const providerBond = await EvmBond.connect({ signer: provider, bond: bondAddress });
    const dir = mkdtempSync(path.join(tmpdir(), "seedpay-throwing-"));
    const { terms, file } = await openDeal(dir, clientBond, providerBond, {
      client: client.address,
      provider: provider.address,
    });
    await clientBond.challenge(terms, 3n);
    // The file is away when the responder starts: its first answer fails and onError throws.
    const away = `${file}.away`;
    renameSync(file, away);
    const watch = watchRejections();
    let errors = 0;
    let stop = () => {};
    try {
      const answered = new Promise<bigint>((resolve) => {
        stop = startResponder({
          bond: providerBond,
          deals: [{ terms, path: file }],
          pollingInterval: 20,
          onAnswered: (a) => resolve(a.index),
          onError: () => {
            errors += 1;
            if (errors === 1) renameSync(away, file);
            throw new Error("the listener's own bug");
          },
        });
      });
      expect(await answered).to.equal(3n);
    } finally {
      stop();
      await new Promise((r) => setImmediate(r));
      watch.stop();
    }
    expect(errors).to.be.at.least(1);
    expect((await clientBond.getDeal(terms)).status).to.equal("active");
    expect(watch.rejections).to.deep.equal([]);
  });
});
