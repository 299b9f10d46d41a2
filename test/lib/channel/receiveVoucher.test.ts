import { expect } from "chai";
import fc from "fast-check";
import hre from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import { Payee, type ReceiveVoucherResult } from "../../../src/channel/payee";
import { MemoryStore } from "../../../src/store/memoryStore";
import { SqliteStore } from "../../../src/store/sqliteStore";
import type { VoucherStore } from "../../../src/store/types";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { createVoucherVerifier, type VoucherVerifier } from "../../../src/voucher/createVoucherVerifier";
import { channelId as toChannelId, type ChannelKey } from "../../../src/voucher/typedData";

const { ethers } = hre;
const BTT = 10n ** 18n;
const DEPOSIT = 10n * BTT;

/** An open 10-BTT channel on Hardhat, and a signer of its vouchers (the channel's hot key). */
async function openChannel() {
  const [deployer, payerWallet, payeeWallet] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"], deployer);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000], deployer);
  const escrowAddress = await escrow.getAddress();
  await token.mint(payerWallet.address, DEPOSIT);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const hotKey = ethers.Wallet.createRandom();
  const key: ChannelKey = {
    payer: payerWallet.address,
    payee: payeeWallet.address,
    signer: hotKey.address,
    disputeWindow: 3600,
    salt: BigInt(Date.now()),
  };
  const payerChain = await EvmChain.connect({ signer: payerWallet, escrow: escrowAddress });
  await payerChain.approve(DEPOSIT);
  await payerChain.open(key, DEPOSIT);
  const id = toChannelId(key).toLowerCase();
  const signer = createVoucherSigner({ privateKey: hotKey.privateKey, chainId, escrow: escrowAddress });
  const sign = (amount: bigint) => ({
    channelId: id,
    cumulativeAmount: amount,
    signature: signer.signVoucher({ channelId: id, cumulativeAmount: amount }).signature as string,
  });
  const payeeChain = await EvmChain.connect({ signer: payeeWallet, escrow: escrowAddress });
  const verifier = createVoucherVerifier({ chainId, escrow: escrowAddress });
  const payeeFor = async (store: VoucherStore, v: VoucherVerifier = verifier) => {
    const payee = new Payee({ store, chain: payeeChain, verifier: v, claimPolicy: { threshold: BTT } });
    await payee.acceptChannel(key);
    return payee;
  };
  return { id, sign, payeeFor, verifier, signerAddress: hotKey.address };
}

type Setup = Awaited<ReturnType<typeof openChannel>>;

describe("Payee.receiveVoucher on peer input", function () {
  let s: Setup;
  before(async () => {
    s = await openChannel();
  });

  it("accepts a validly signed voucher in any spelling the verifier accepts, and stores it in one", async () => {
    const payee = await s.payeeFor(new MemoryStore());
    const spellings = [
      (v: ReturnType<Setup["sign"]>) => ({ ...v, signature: v.signature.slice(2) }),
      (v: ReturnType<Setup["sign"]>) => ({ ...v, signature: "0X" + v.signature.slice(2).toUpperCase() }),
      (v: ReturnType<Setup["sign"]>) => ({ ...v, channelId: v.channelId.slice(2) }),
      (v: ReturnType<Setup["sign"]>) => ({ ...v, channelId: `  ${v.channelId.toUpperCase().replace("0X", "0x")} ` }),
      (v: ReturnType<Setup["sign"]>) => ({ ...v, signature: ethers.getBytes(v.signature) as unknown as string }),
    ];
    let amount = 0n;
    for (const spell of spellings) {
      amount += BTT / 10n;
      const voucher = s.sign(amount);
      expect(payee.receiveVoucher(spell(voucher))).to.deep.equal({
        accepted: true,
        increment: BTT / 10n,
        best: amount,
      });
    }
  });

  it("refuses what is not a voucher's shape with a reason, never a throw", async () => {
    const payee = await s.payeeFor(new MemoryStore());
    const good = s.sign(BTT);
    const cases: [unknown, RegExp][] = [
      [{ ...good, channelId: "0x1234" }, /channel id "0x1234" is not 32 bytes/],
      [{ ...good, channelId: 7 }, /channel id number/],
      [{ ...good, cumulativeAmount: 1 }, /cumulativeAmount number is not a bigint/],
      [{ ...good, cumulativeAmount: "1000" }, /cumulativeAmount "1000"/],
      [{ ...good, signature: null }, /signature object is neither hex nor bytes/],
      [null, /must be an object/],
    ];
    for (const [input, detail] of cases) {
      const result = payee.receiveVoucher(input as never);
      expect(result).to.include({ accepted: false, reason: "malformed" });
      expect((result as { detail: string }).detail).to.match(detail);
    }
    expect(payee.receiveVoucher({ ...good, signature: good.signature.slice(0, 100) })).to.deep.equal({
      accepted: false,
      reason: "bad-signature",
      detail: "invalid-length",
    });
  });

  it("returns a result for 10,000 mutated vouchers and accepts only what the escrow would pay", async () => {
    const store = new MemoryStore();
    const payee = await s.payeeFor(store);
    // Valid vouchers to mutate: amounts up to the deposit and beyond it.
    const pool = Array.from({ length: 40 }, (_, i) => s.sign((BigInt(i + 1) * DEPOSIT) / 32n));
    const text = fc.oneof(
      fc.string({ maxLength: 140 }),
      fc.stringMatching(/^(0[xX])?[0-9a-fA-F]{0,140}$/),
      fc.constantFrom("", " ", "0x", "0X", "\u0000", "0x" + "g".repeat(64)),
    );
    const mutateHex = (hex: string) =>
      fc.oneof(
        fc.constant(hex),
        fc.constant(hex.slice(2)),
        fc.constant("0X" + hex.slice(2)),
        fc.constant(hex.toUpperCase()),
        fc.constant(` ${hex}\t`),
        fc.constant(hex + "00"),
        fc.constant(hex.slice(0, -2)),
        fc
          .nat({ max: hex.length - 3 })
          .map((i) => hex.slice(0, i + 2) + (hex[i + 2] === "0" ? "1" : "0") + hex.slice(i + 3)),
        fc.constant(ethers.getBytes(hex)),
        text,
        fc.constantFrom(undefined, null, 0, 1n, {}, []),
      );
    const amount = (a: bigint) =>
      fc.oneof(
        fc.constant(a),
        fc.constant(a + 1n),
        fc.constant(a - 1n),
        fc.constant(-a),
        fc.constant(0n),
        fc.constant(2n ** 256n),
        fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
        fc.constantFrom(Number(a), String(a), undefined, null),
      );
    const mutated = fc.nat({ max: pool.length - 1 }).chain((i) =>
      fc.record({
        channelId: mutateHex(pool[i].channelId),
        cumulativeAmount: amount(pool[i].cumulativeAmount),
        signature: mutateHex(pool[i].signature),
      }),
    );

    let accepted = 0;
    fc.assert(
      fc.property(mutated, (input) => {
        const before = store.getBestReceivedVoucher(s.id)?.cumulativeAmount ?? 0n;
        let result: ReceiveVoucherResult;
        try {
          result = payee.receiveVoucher(input as never);
        } catch (error) {
          throw new Error(`threw on ${fc.stringify(input)}: ${(error as Error).message}`);
        }
        const after = store.getBestReceivedVoucher(s.id)!;
        if (!result.accepted) {
          expect(result.detail, fc.stringify(input)).to.be.a("string");
          expect(after?.cumulativeAmount ?? 0n).to.equal(before);
          return;
        }
        accepted += 1;
        // What the payee now holds is a voucher the escrow pays: signed by the channel's signer, within the deposit.
        expect(after.cumulativeAmount).to.equal(result.best);
        expect(result.increment).to.equal(result.best - before);
        expect(result.best > before && result.best <= DEPOSIT).to.equal(true);
        const check = s.verifier.verifyVoucher({ ...after, expectedSigner: s.signerAddress });
        expect(check.valid).to.equal(true);
      }),
      { numRuns: 10_000, seed: 13 },
    );
    // The run must have exercised acceptance, not only refusals.
    expect(accepted).to.be.greaterThan(0);
  });

  it("reports increments that add up to the best voucher when two processes share a store", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "seedpay-increment-")), "payee.db");
    const storeA = new SqliteStore(file);
    const storeB = new SqliteStore(file);
    try {
      const payeeB = await s.payeeFor(storeB);
      let interleave: (() => void) | undefined;
      // Process B records a voucher between A's read of the best one and A's write: the moment
      // A's signature check runs.
      const racing: VoucherVerifier = Object.create(s.verifier);
      racing.verifyVoucher = (p) => {
        const result = s.verifier.verifyVoucher(p);
        interleave?.();
        interleave = undefined;
        return result;
      };
      const payeeA = await s.payeeFor(storeA, racing);
      const increments: bigint[] = [];
      const take = (r: ReceiveVoucherResult) => {
        expect(r.accepted).to.equal(true);
        if (r.accepted) increments.push(r.increment);
      };
      take(payeeA.receiveVoucher(s.sign(1n * BTT)));
      interleave = () => take(payeeB.receiveVoucher(s.sign(2n * BTT)));
      take(payeeA.receiveVoucher(s.sign(3n * BTT)));
      expect(increments).to.deep.equal([1n * BTT, 1n * BTT, 1n * BTT]);
      expect(increments.reduce((a, b) => a + b)).to.equal(storeA.getBestReceivedVoucher(s.id)!.cumulativeAmount);
    } finally {
      storeA.close();
      storeB.close();
    }
  });
});
