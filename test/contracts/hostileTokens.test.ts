import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { Wallet, id as keccakText, type BaseContract, type ContractTransactionResponse, type Interface } from "ethers";
import hre from "hardhat";
import {
  CLOSE_CONSENT_TYPES,
  VOUCHER_TYPES,
  channelId,
  escrowDomain,
  type ChannelKey,
} from "../../src/voucher/typedData";
import type {
  ChannelEscrow,
  FalseReturningToken,
  FeeOnTransferToken,
  ReentrancyAttacker,
  ReentrantToken,
  RevertingToken,
} from "../../typechain-types";
import { DEADLINE, MAX_WINDOW, MIN_WINDOW, Status, WINDOW } from "./fixture";

const { ethers } = hre;

/** Signs every channel's vouchers in this file. */
const hotKey = new Wallet(keccakText("seedpay hostile tokens: hot key"));
const MINT = 1_000_000n;

/** Any of the mocks: all are OpenZeppelin ERC20s with a free `mint`. */
type MockToken = FalseReturningToken | FeeOnTransferToken | ReentrantToken | RevertingToken;

/** One escrow over one token, with the parties of its channels. */
type World<T extends MockToken> = {
  token: T;
  escrow: ChannelEscrow;
  escrowAddress: string;
  chainId: bigint;
  payer: HardhatEthersSigner;
  payee: HardhatEthersSigner;
  other: HardhatEthersSigner;
  /** Every key a test opened (or tried to), so the obligations can be summed. */
  keys: ChannelKey[];
  /** Everyone who may hold a balance in the escrow. */
  holders: string[];
};

type Worlds = {
  falseReturning: World<FalseReturningToken>;
  fee: World<FeeOnTransferToken>;
  reentrant: World<ReentrantToken>;
  reverting: World<RevertingToken>;
  attacker: ReentrancyAttacker;
};

async function deployWorld<T extends MockToken>(token: T): Promise<World<T>> {
  const [, payer, payee, , other] = await ethers.getSigners();
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), MIN_WINDOW, MAX_WINDOW]);
  const escrowAddress = await escrow.getAddress();
  for (const a of [payer, payee, other]) {
    await token.mint(a.address, MINT);
    await token.connect(a).approve(escrowAddress, ethers.MaxUint256);
  }
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return {
    token,
    escrow,
    escrowAddress,
    chainId,
    payer,
    payee,
    other,
    keys: [],
    holders: [payer, payee, other].map((a) => a.address),
  };
}

/** One escrow per hostile token, plus an attacker contract funded and approved on the reentrant one. */
async function hostileFixture(): Promise<Worlds> {
  const falseReturning = await deployWorld(await ethers.deployContract("FalseReturningToken"));
  const fee = await deployWorld(await ethers.deployContract("FeeOnTransferToken", [0]));
  const reentrant = await deployWorld(await ethers.deployContract("ReentrantToken"));
  const reverting = await deployWorld(await ethers.deployContract("RevertingToken"));
  const attacker = await ethers.deployContract("ReentrancyAttacker");
  const attackerAddress = await attacker.getAddress();
  await reentrant.token.mint(attackerAddress, MINT);
  await attacker.forward(
    await reentrant.token.getAddress(),
    reentrant.token.interface.encodeFunctionData("approve", [reentrant.escrowAddress, ethers.MaxUint256]),
  );
  reentrant.holders.push(attackerAddress);
  return { falseReturning, fee, reentrant, reverting, attacker };
}

/** Fresh worlds for each test; the key lists are copied so tests do not see each other's keys. */
async function worlds(): Promise<Worlds> {
  const w = await loadFixture(hostileFixture);
  const fresh = <T extends MockToken>(x: World<T>): World<T> => ({ ...x, keys: [], holders: [...x.holders] });
  return {
    ...w,
    falseReturning: fresh(w.falseReturning),
    fee: fresh(w.fee),
    reentrant: fresh(w.reentrant),
    reverting: fresh(w.reverting),
  };
}

let salt = 1n;
function keyOf<T extends MockToken>(w: World<T>, overrides: Partial<ChannelKey> = {}): ChannelKey {
  const key = {
    payer: w.payer.address,
    payee: w.payee.address,
    signer: hotKey.address,
    disputeWindow: WINDOW,
    salt: salt++,
    ...overrides,
  };
  w.keys.push(key);
  return key;
}

async function openFrom<T extends MockToken>(
  w: World<T>,
  amount: bigint,
  overrides: Partial<ChannelKey> = {},
): Promise<{ key: ChannelKey; id: string }> {
  const key = keyOf(w, overrides);
  await w.escrow.connect(w.payer).open(key, amount);
  return { key, id: channelId(key) };
}

function sign<T extends MockToken>(w: World<T>, key: ChannelKey, amount: bigint): Promise<string> {
  return hotKey.signTypedData(escrowDomain(w.chainId, w.escrowAddress), VOUCHER_TYPES, {
    channelId: channelId(key),
    cumulativeAmount: amount,
  });
}

async function claim<T extends MockToken>(w: World<T>, key: ChannelKey, amount: bigint) {
  return w.escrow.connect(w.other).claim(key, amount, await sign(w, key, amount));
}

/** What the escrow owes: the unclaimed deposits of channels not yet closed, plus every balance held here. */
async function obligations<T extends MockToken>(w: World<T>): Promise<bigint> {
  let owed = 0n;
  for (const key of w.keys) {
    const c = await w.escrow.getChannel(channelId(key));
    if (c.status === Status.Open || c.status === Status.Closing) owed += c.deposit - c.claimed;
  }
  for (const h of w.holders) owed += await w.escrow.balanceOf(h);
  return owed;
}

/** The escrow holds exactly what it owes: nothing drained, nothing double-credited. */
async function expectSolvent<T extends MockToken>(w: World<T>): Promise<void> {
  expect(await w.token.balanceOf(w.escrowAddress), "escrow token balance == obligations").to.equal(
    await obligations(w),
  );
}

/** Everything a failed call must leave as it was: token and escrow balances, every channel. */
async function snapshot<T extends MockToken>(w: World<T>): Promise<unknown> {
  const tokens = await Promise.all([w.escrowAddress, ...w.holders].map((a) => w.token.balanceOf(a)));
  const balances = await Promise.all(w.holders.map((a) => w.escrow.balanceOf(a)));
  const channels = await Promise.all(
    w.keys.map((k) => w.escrow.getChannel(channelId(k)).then((c) => [c.status, c.deposit, c.claimed, c.closesAt])),
  );
  return { tokens, balances, channels };
}

/** Asserts that `call` reverts with `error(...args)` from `on` and changes nothing. */
async function expectRefused<T extends MockToken>(
  w: World<T>,
  call: () => Promise<ContractTransactionResponse>,
  on: BaseContract,
  error: string,
  args: unknown[],
): Promise<void> {
  const before = await snapshot(w);
  await expect(call())
    .to.be.revertedWithCustomError(on, error)
    .withArgs(...args);
  expect(await snapshot(w), "state after the refused call").to.deep.equal(before);
  await expectSolvent(w);
}

describe("hostile tokens", () => {
  describe("FalseReturningToken (TRON USDT: transfer moves the tokens, then returns false)", () => {
    it("runs a whole lifecycle: open, claim, withdraw, top up, payee close with a refund, consent close", async () => {
      const w = (await worlds()).falseReturning;
      const { key, id } = await openFrom(w, 1000n);
      expect(await w.token.balanceOf(w.escrowAddress)).to.equal(1000n);
      await claim(w, key, 300n);
      await expectSolvent(w);
      await expect(w.escrow.connect(w.payee).withdraw(w.payee.address, 300n))
        .to.emit(w.escrow, "Withdrawn")
        .withArgs(w.payee.address, w.payee.address, 300n);
      expect(await w.token.balanceOf(w.payee.address)).to.equal(MINT + 300n);
      await w.escrow.connect(w.payer).topUp(id, 500n);
      await expectSolvent(w);

      const payerBefore = await w.token.balanceOf(w.payer.address);
      await expect(w.escrow.connect(w.payee).close(key, 600n, await sign(w, key, 600n)))
        .to.emit(w.escrow, "ChannelClosed")
        .withArgs(id, 600n, 900n)
        .and.not.to.emit(w.escrow, "Credited");
      expect(await w.token.balanceOf(w.payer.address)).to.equal(payerBefore + 900n);
      expect(await w.escrow.balanceOf(w.payee.address)).to.equal(300n);
      await expectSolvent(w);

      const second = await openFrom(w, 100n);
      const consent = await w.payee.signTypedData(escrowDomain(w.chainId, w.escrowAddress), CLOSE_CONSENT_TYPES, {
        channelId: second.id,
        finalAmount: 40n,
        deadline: DEADLINE,
      });
      await expect(w.escrow.connect(w.payer).closeWithConsent(second.key, 40n, DEADLINE, consent, "0x"))
        .to.emit(w.escrow, "ChannelClosed")
        .withArgs(second.id, 40n, 60n);
      await w.escrow.connect(w.payee).withdraw(w.payee.address, 340n);
      expect(await w.token.balanceOf(w.escrowAddress)).to.equal(0n);
      await expectSolvent(w);
    });

    for (const lieReturn of [false, true]) {
      it(`lying (returns ${lieReturn} without moving): deposits and withdrawals revert TokenAmountMismatch(amount, 0); a close credits the refund; nothing lost`, async () => {
        const w = (await worlds()).falseReturning;
        const { key, id } = await openFrom(w, 1000n);
        await claim(w, key, 400n);
        await w.token.setLying(true, lieReturn);

        const fresh = keyOf(w);
        await expectRefused(w, () => w.escrow.connect(w.payer).open(fresh, 250n), w.escrow, "TokenAmountMismatch", [
          250n,
          0n,
        ]);
        expect((await w.escrow.getChannel(channelId(fresh))).status).to.equal(Status.None);
        await expectRefused(w, () => w.escrow.connect(w.payer).topUp(id, 7n), w.escrow, "TokenAmountMismatch", [
          7n,
          0n,
        ]);
        await expectRefused(
          w,
          () => w.escrow.connect(w.payee).withdraw(w.payee.address, 150n),
          w.escrow,
          "TokenAmountMismatch",
          [150n, 0n],
        );
        // The refund to the payer "succeeds" without moving: its own call frame reverts on the
        // mismatch, and the payee's close goes through with the refund kept on the payer's account.
        await expect(w.escrow.connect(w.payee).close(key, 0n, "0x"))
          .to.emit(w.escrow, "ChannelClosed")
          .withArgs(id, 400n, 600n)
          .and.to.emit(w.escrow, "Credited")
          .withArgs(w.payer.address, 600n);
        await expectSolvent(w);

        await w.token.setLying(false, false);
        await w.escrow.connect(w.payee).withdraw(w.payee.address, 400n);
        await w.escrow.connect(w.payer).withdraw(w.payer.address, 600n);
        expect(await w.token.balanceOf(w.escrowAddress)).to.equal(0n);
      });
    }
  });

  describe("FeeOnTransferToken", () => {
    it("refuses deposits that arrive short with TokenAmountMismatch(amount, received): open, openMany, topUp", async () => {
      const w = (await worlds()).fee;
      const { id } = await openFrom(w, 10_000n); // fee 0: accepted
      await w.token.setFee(100, false); // 1% burnt from what the escrow receives
      const fresh = keyOf(w);
      await expectRefused(w, () => w.escrow.connect(w.payer).open(fresh, 10_000n), w.escrow, "TokenAmountMismatch", [
        10_000n,
        9_900n,
      ]);
      const many = [
        { key: keyOf(w), amount: 3_000n },
        { key: keyOf(w), amount: 7_000n },
      ];
      await expectRefused(w, () => w.escrow.connect(w.payer).openMany(many), w.escrow, "TokenAmountMismatch", [
        10_000n,
        9_900n,
      ]);
      await expectRefused(w, () => w.escrow.connect(w.payer).topUp(id, 555n), w.escrow, "TokenAmountMismatch", [
        555n,
        550n,
      ]);
    });

    it("accepts a deposit whose fee the sender pays on top: exactly the amount arrives", async () => {
      const w = (await worlds()).fee;
      await w.token.setFee(100, true);
      const payerBefore = await w.token.balanceOf(w.payer.address);
      const { id } = await openFrom(w, 10_000n);
      expect(await w.token.balanceOf(w.payer.address)).to.equal(payerBefore - 10_100n);
      expect((await w.escrow.getChannel(id)).deposit).to.equal(10_000n);
      await expectSolvent(w);
    });

    it("with a recipient-side fee switched on after opening, payouts still leave exactly what is owed", async () => {
      const w = (await worlds()).fee;
      const { key, id } = await openFrom(w, 10_000n);
      const second = await openFrom(w, 5_000n);
      await w.token.setFee(250, false); // 2.5%, borne by whoever receives
      await claim(w, key, 4_000n);
      await expectSolvent(w);

      const payeeBefore = await w.token.balanceOf(w.payee.address);
      await w.escrow.connect(w.payee).withdraw(w.payee.address, 4_000n);
      expect(await w.token.balanceOf(w.payee.address)).to.equal(payeeBefore + 3_900n);
      expect(await w.escrow.balanceOf(w.payee.address)).to.equal(0n);
      await expectSolvent(w);

      const payerBefore = await w.token.balanceOf(w.payer.address);
      await expect(w.escrow.connect(w.payee).close(key, 0n, "0x"))
        .to.emit(w.escrow, "ChannelClosed")
        .withArgs(id, 4_000n, 6_000n);
      expect(await w.token.balanceOf(w.payer.address)).to.equal(payerBefore + 6_000n - 150n);
      await expectSolvent(w);

      await w.escrow.connect(w.payer).startClose(second.key);
      await time.increase(WINDOW);
      await expect(w.escrow.settle(second.key)).to.emit(w.escrow, "ChannelClosed").withArgs(second.id, 0n, 5_000n);
      expect(await w.token.balanceOf(w.escrowAddress)).to.equal(0n);
      await expectSolvent(w);
    });

    it("with a sender-side fee, withdrawals revert TokenAmountMismatch(amount, amount + fee) and refunds are credited, nothing lost", async () => {
      const w = (await worlds()).fee;
      const { key, id } = await openFrom(w, 10_000n);
      const spare = await openFrom(w, 10_000n); // more tokens in the escrow than any one payout
      await claim(w, key, 4_000n);
      await w.token.setFee(100, true);

      await expectRefused(
        w,
        () => w.escrow.connect(w.payee).withdraw(w.payee.address, 4_000n),
        w.escrow,
        "TokenAmountMismatch",
        [4_000n, 4_040n],
      );
      // A refund that would take more than the refund out of the escrow is kept on the payer's account.
      await expect(w.escrow.connect(w.payee).close(key, 0n, "0x"))
        .to.emit(w.escrow, "Credited")
        .withArgs(w.payer.address, 6_000n);
      await expectSolvent(w);
      await w.escrow.connect(w.payer).startClose(spare.key);
      await time.increase(WINDOW);
      await expect(w.escrow.settle(spare.key)).to.emit(w.escrow, "Credited").withArgs(w.payer.address, 10_000n);
      await expectSolvent(w);

      await w.token.setFee(0, false);
      await w.escrow.connect(w.payer).withdraw(w.payer.address, 16_000n);
      await w.escrow.connect(w.payee).withdraw(w.payee.address, 4_000n);
      expect(await w.token.balanceOf(w.escrowAddress)).to.equal(0n);
      expect((await w.escrow.getChannel(id)).status).to.equal(Status.Closed);
    });
  });

  describe("ReentrantToken (a transfer hook reenters the escrow as the attacker contract)", () => {
    // The attacker contract A is payee of `owedToA` (600 claimed, so A holds 600 here), payer of
    // `fromA` (open, 1000) and of `settling` (1000, 200 claimed, dispute window over: settling
    // refunds 800 to A). Each case arms the token once: the next transfer (the outer call's own)
    // runs the hook, which calls the escrow through A, before or after the balances move.
    type Setup = {
      w: World<ReentrantToken>;
      attacker: ReentrancyAttacker;
      a: string;
      owedToA: { key: ChannelKey; id: string };
      fromA: { key: ChannelKey; id: string };
      settling: { key: ChannelKey; id: string };
      spare: ChannelKey;
      innerKey: ChannelKey;
    };

    async function setup(): Promise<Setup> {
      const all = await worlds();
      const w = all.reentrant;
      const attacker = all.attacker;
      const a = await attacker.getAddress();
      const viaA = (data: string) => attacker.forward(w.escrowAddress, data);
      const owedToA = await openFrom(w, 1000n, { payee: a });
      await claim(w, owedToA.key, 600n);
      const fromAKey = keyOf(w, { payer: a });
      await viaA(w.escrow.interface.encodeFunctionData("open", [fromAKey, 1000n]));
      const settlingKey = keyOf(w, { payer: a });
      await viaA(w.escrow.interface.encodeFunctionData("open", [settlingKey, 1000n]));
      await claim(w, settlingKey, 200n);
      await viaA(w.escrow.interface.encodeFunctionData("startClose", [settlingKey]));
      await time.increase(WINDOW);
      await expectSolvent(w);
      return {
        w,
        attacker,
        a,
        owedToA,
        fromA: { key: fromAKey, id: channelId(fromAKey) },
        settling: { key: settlingKey, id: channelId(settlingKey) },
        spare: keyOf(w, { payer: a }),
        innerKey: keyOf(w, { payer: a }),
      };
    }

    /** A call the hook makes through A: its label and its calldata. */
    type Inner = { name: string; data: (s: Setup) => Promise<string> };
    const call = (name: string, fn: string, args: (s: Setup) => unknown[] | Promise<unknown[]>): Inner => ({
      name,
      data: async (s) => (s.w.escrow.interface as Interface).encodeFunctionData(fn, await args(s)),
    });
    const inner = {
      open: call("open(300)", "open", (s) => [s.innerKey, 300n]),
      openBig: call("open(900)", "open", (s) => [s.innerKey, 900n]),
      openSame: call("open(the outer call's key)", "open", (s) => [s.spare, 500n]),
      topUp: call("topUp(300)", "topUp", (s) => [s.fromA.id, 300n]),
      withdraw: (amount: bigint) => call(`withdraw(${amount})`, "withdraw", (s) => [s.a, amount]),
      claim: call("claim(fromA, 400)", "claim", async (s) => [s.fromA.key, 400n, await sign(s.w, s.fromA.key, 400n)]),
      settle: call("settle(settling)", "settle", (s) => [s.settling.key]),
    };

    /** The outer call whose own token transfer runs the hook. */
    type Outer = { name: string; run: (s: Setup) => Promise<ContractTransactionResponse> };
    const viaA = (s: Setup, inner: Inner) =>
      inner.data(s).then((data) => s.attacker.connect(s.w.other).forward(s.w.escrowAddress, data));
    const pull: Outer = { name: "deposit pull: A opens a channel with 500", run: (s) => viaA(s, inner.openSame) };
    const push: Outer = { name: "payout push: A withdraws 300 of its 600", run: (s) => viaA(s, inner.withdraw(300n)) };
    const refund: Outer = {
      name: "refund push: settle pays A 800",
      run: (s) => s.w.escrow.connect(s.w.other).settle(s.settling.key),
    };

    type Outcome =
      | { revert: string; args: (s: Setup) => unknown[] }
      | { ok: (s: Setup) => Promise<void>; hookReverts?: true };
    const reverts = (revert: string, args: (s: Setup) => unknown[]): Outcome => ({ revert, args });
    const mismatch = (expected: bigint, actual: bigint) => reverts("TokenAmountMismatch", () => [expected, actual]);
    /** The nested claim went through: `fromA` claimed 400, credited to its payee (who held 200 from `settling`). */
    const claimedFromA = async (s: Setup) => {
      expect((await s.w.escrow.getChannel(s.fromA.id)).claimed).to.equal(400n);
      expect(await s.w.escrow.balanceOf(s.w.payee.address)).to.equal(200n + 400n);
    };
    const balanceOfA = (amount: bigint) => async (s: Setup) => {
      expect(await s.w.escrow.balanceOf(s.a)).to.equal(amount);
    };

    const both = (x: (s: Setup) => Promise<void>, y: (s: Setup) => Promise<void>) => async (s: Setup) => {
      await x(s);
      await y(s);
    };

    const cases: [Outer, Inner, Outcome][] = [
      // Deposits: a nested deposit is refused outright (it could otherwise fund the outer pull's
      // measured difference); a nested withdrawal or refund makes the outer pull see the wrong one.
      [pull, inner.open, reverts("DepositReentered", () => [])],
      [pull, inner.topUp, reverts("DepositReentered", () => [])],
      [pull, inner.withdraw(100n), mismatch(500n, 400n)],
      [pull, inner.settle, mismatch(500n, 0n)], // 800 out, 500 in: the balance fell
      // The outer open wrote its channel before pulling: the same key cannot be opened twice.
      [pull, inner.openSame, reverts("ChannelAlreadyExists", (s) => [channelId(s.spare)])],
      // A claim moves no tokens: both calls stand, and the books still balance.
      [pull, inner.claim, { ok: claimedFromA }],
      // Payouts: the balance is debited before the push, and the push checks the difference too.
      [push, inner.open, mismatch(300n, 0n)],
      [push, inner.topUp, mismatch(300n, 0n)],
      [push, inner.openBig, mismatch(300n, 0n)], // 900 in, 300 out: the balance rose
      [push, inner.withdraw(300n), mismatch(300n, 600n)],
      // Only 300 is left: the nested withdraw reverts, so does the token's transfer.
      [push, inner.withdraw(600n), reverts("TokenTransferFailed", (s) => [s.a, 300n])],
      [push, inner.settle, mismatch(300n, 1100n)],
      [push, inner.claim, { ok: both(claimedFromA, balanceOfA(300n)) }],
      // Refunds are pushed in their own call frame: one that moved the wrong amount is undone with
      // everything its hook did, and the refund is kept on account; the close itself goes through.
      [refund, inner.withdraw(600n), { hookReverts: true, ok: balanceOfA(600n + 800n) }],
      [refund, inner.topUp, { hookReverts: true, ok: balanceOfA(600n + 800n) }],
      [refund, inner.open, { hookReverts: true, ok: balanceOfA(600n + 800n) }],
      // Settling the same channel again: it is already marked closed, so the hook reverts and the
      // refund is credited once.
      [refund, inner.settle, { hookReverts: true, ok: balanceOfA(600n + 800n) }],
      [refund, inner.withdraw(10_000n), { hookReverts: true, ok: balanceOfA(600n + 800n) }],
      [refund, inner.claim, { ok: both(claimedFromA, balanceOfA(600n)) }],
    ];

    for (const afterMove of [false, true]) {
      for (const [outer, nested, outcome] of cases) {
        const when = afterMove ? "after" : "before";
        const expected = "revert" in outcome ? `reverts ${outcome.revert}` : "succeeds, solvent";
        it(`${outer.name}; hook ${when} the move reenters ${nested.name}: ${expected}`, async () => {
          const s = await setup();
          const hook = s.attacker.interface.encodeFunctionData("forward", [s.w.escrowAddress, await nested.data(s)]);
          await s.w.token.arm(s.a, hook, afterMove);
          const tokensOfA = await s.w.token.balanceOf(s.a);
          if ("revert" in outcome) {
            await expectRefused(s.w, () => outer.run(s), s.w.escrow, outcome.revert, outcome.args(s));
            expect(await s.w.token.balanceOf(s.a)).to.equal(tokensOfA);
            return;
          }
          const tx = outer.run(s);
          if (outcome.hookReverts) {
            // The reverted hook took the token's transfer (and its disarming) with it: the refund is kept on account.
            await expect(tx).to.emit(s.w.escrow, "Credited").withArgs(s.a, 800n);
            expect(await s.w.token.armed()).to.equal(true);
          } else {
            await expect(tx).not.to.be.reverted;
            expect(await s.w.token.armed(), "the hook ran").to.equal(false);
            expect(await s.w.token.hookSucceeded()).to.equal(true);
          }
          await outcome.ok(s);
          await expectSolvent(s.w);
        });
      }
    }

    it("the refund of a reentered settle is credited with a Credited event, not paid twice", async () => {
      const s = await setup();
      const hook = s.attacker.interface.encodeFunctionData("forward", [s.w.escrowAddress, await inner.settle.data(s)]);
      await s.w.token.arm(s.a, hook, false);
      await expect(s.w.escrow.settle(s.settling.key))
        .to.emit(s.w.escrow, "Credited")
        .withArgs(s.a, 800n)
        .and.to.emit(s.w.escrow, "ChannelClosed")
        .withArgs(s.settling.id, 200n, 800n);
      expect(await s.w.token.hookSucceeded()).to.equal(false);
      await expect(s.w.escrow.settle(s.settling.key))
        .to.be.revertedWithCustomError(s.w.escrow, "ChannelIsClosed")
        .withArgs(s.settling.id);
      await expectSolvent(s.w);
    });
  });

  describe("RevertingToken (blacklist and halt)", () => {
    it("a blacklisted payer cannot block the payee: its refund is credited (Credited) and the close succeeds", async () => {
      const w = (await worlds()).reverting;
      const { key, id } = await openFrom(w, 1000n);
      await claim(w, key, 300n);
      await w.token.setBlacklisted(w.payer.address, true);
      await expect(w.escrow.connect(w.payee).close(key, 450n, await sign(w, key, 450n)))
        .to.emit(w.escrow, "ChannelClosed")
        .withArgs(id, 450n, 550n)
        .and.to.emit(w.escrow, "Credited")
        .withArgs(w.payer.address, 550n);
      expect(await w.escrow.balanceOf(w.payer.address)).to.equal(550n);
      expect(await w.escrow.balanceOf(w.payee.address)).to.equal(450n);
      await expectSolvent(w);

      // A unilateral close credits the refund the same way.
      await w.token.setBlacklisted(w.payer.address, false);
      const settling = await openFrom(w, 200n);
      await w.escrow.connect(w.payer).startClose(settling.key);
      await w.token.setBlacklisted(w.payer.address, true);
      await time.increase(WINDOW);
      await expect(w.escrow.settle(settling.key)).to.emit(w.escrow, "Credited").withArgs(w.payer.address, 200n);
      await expectSolvent(w);

      // The payer's balance cannot leave to the blacklisted address, and nothing is lost trying.
      await expectRefused(
        w,
        () => w.escrow.connect(w.payer).withdraw(w.payer.address, 750n),
        w.escrow,
        "TokenTransferFailed",
        [w.payer.address, 750n],
      );
      await w.token.setBlacklisted(w.payer.address, false);
      await w.escrow.connect(w.payer).withdraw(w.payer.address, 750n);
      await w.escrow.connect(w.payee).withdraw(w.payee.address, 450n);
      expect(await w.token.balanceOf(w.escrowAddress)).to.equal(0n);
    });

    it("a blacklisted payee's withdrawal reverts TokenTransferFailed(payee, amount); to another address it goes through", async () => {
      const w = (await worlds()).reverting;
      const { key } = await openFrom(w, 1000n);
      await claim(w, key, 300n);
      await w.token.setBlacklisted(w.payee.address, true);
      await expectRefused(
        w,
        () => w.escrow.connect(w.payee).withdraw(w.payee.address, 300n),
        w.escrow,
        "TokenTransferFailed",
        [w.payee.address, 300n],
      );
      // The token blacklists holders, not escrow balances: the payee may name any recipient.
      await w.escrow.connect(w.payee).withdraw(w.other.address, 300n);
      expect(await w.token.balanceOf(w.other.address)).to.equal(MINT + 300n);
      await expectSolvent(w);
    });

    for (const silent of [false, true]) {
      const how = silent ? "silently" : "with Halted()";
      it(`a token halted ${how}: deposits revert ${silent ? "TokenPullFailed(from, amount)" : "with the token's reason"}, withdrawals TokenTransferFailed(to, amount), closes credit the refund`, async () => {
        const w = (await worlds()).reverting;
        const { key, id } = await openFrom(w, 1000n);
        await claim(w, key, 300n);
        await w.token.setHalted(true, silent);

        const fresh = keyOf(w);
        const refusal = (amount: bigint): [BaseContract, string, unknown[]] =>
          silent ? [w.escrow, "TokenPullFailed", [w.payer.address, amount]] : [w.token, "Halted", []];
        await expectRefused(w, () => w.escrow.connect(w.payer).open(fresh, 10n), ...refusal(10n));
        await expectRefused(
          w,
          () => w.escrow.connect(w.payer).openMany([{ key: fresh, amount: 11n }]),
          ...refusal(11n),
        );
        await expectRefused(w, () => w.escrow.connect(w.payer).topUp(id, 12n), ...refusal(12n));
        await expectRefused(
          w,
          () => w.escrow.connect(w.payee).withdraw(w.payee.address, 300n),
          w.escrow,
          "TokenTransferFailed",
          [w.payee.address, 300n],
        );

        await expect(w.escrow.connect(w.payee).close(key, 0n, "0x"))
          .to.emit(w.escrow, "Credited")
          .withArgs(w.payer.address, 700n);
        await expectSolvent(w);
        await w.token.setHalted(false, false);
        await w.escrow.connect(w.payer).withdraw(w.payer.address, 700n);
        await w.escrow.connect(w.payee).withdraw(w.payee.address, 300n);
        expect(await w.token.balanceOf(w.escrowAddress)).to.equal(0n);
      });
    }
  });

  describe("not a token at all", () => {
    it("reverts TokenBalanceUnreadable(token) when balanceOf fails or returns nothing", async () => {
      const { attacker } = await worlds();
      const [, payer] = await ethers.getSigners();
      const notTokens = [await attacker.getAddress(), Wallet.createRandom().address];
      for (const notToken of notTokens) {
        const escrow = await ethers.deployContract("ChannelEscrow", [notToken, MIN_WINDOW, MAX_WINDOW]);
        const key = {
          payer: payer.address,
          payee: payer.address,
          signer: hotKey.address,
          disputeWindow: WINDOW,
          salt: 1n,
        };
        await expect(escrow.connect(payer).open(key, 1n))
          .to.be.revertedWithCustomError(escrow, "TokenBalanceUnreadable")
          .withArgs(notToken);
      }
    });
  });
});
