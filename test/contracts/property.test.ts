import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { Wallet, id as keccakText, type ContractTransactionResponse } from "ethers";
import fc from "fast-check";
import hre from "hardhat";
import {
  CLOSE_CONSENT_TYPES,
  VOUCHER_TYPES,
  channelId,
  escrowDomain,
  type ChannelKey,
} from "../../src/voucher/typedData";
import type { ChannelEscrow, TestToken } from "../../typechain-types";
import { MAX_WINDOW, MIN_WINDOW, Status } from "./fixture";

// Model-based test: random sequences of every escrow operation, by 3 payers and 3 payees, run
// against the contract and against a TypeScript model of what it must do. After every step the
// chain must equal the model, and the conservation laws must hold on the chain's own numbers.
// Environment: PROPERTY_RUNS (default 25), PROPERTY_SEED (replay a failure), PROPERTY_TRACE=1
// (print each run's operations).

const { ethers } = hre;

const PAYERS = 3;
const PAYEES = 3;
const MINT = 10n ** 9n;
const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);

type World = {
  token: TestToken;
  escrow: ChannelEscrow;
  escrowAddress: string;
  chainId: bigint;
  payers: HardhatEthersSigner[];
  payees: HardhatEthersSigner[];
  /** Claims and settles on behalf of others. */
  watcher: HardhatEthersSigner;
  /** Payer i's hot key signs its channels' vouchers. */
  hotKeys: Wallet[];
};

async function propertyFixture(): Promise<World> {
  const accounts = await ethers.getSigners();
  const payers = accounts.slice(20, 20 + PAYERS);
  const payees = accounts.slice(30, 30 + PAYEES);
  const watcher = accounts[40];
  const token = await ethers.deployContract("TestToken", ["Property BTT", "pBTT"]);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), MIN_WINDOW, MAX_WINDOW]);
  const escrowAddress = await escrow.getAddress();
  for (const p of payers) {
    await token.mint(p.address, MINT);
    await token.connect(p).approve(escrowAddress, ethers.MaxUint256);
  }
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const hotKeys = payers.map((_, i) => new Wallet(keccakText(`seedpay property: hot key ${i}`)));
  return { token, escrow, escrowAddress, chainId, payers, payees, watcher, hotKeys };
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/** One claim of a batch: a voucher the payer's hot key signs now (the payee's newest), or one it already holds. */
type Pick = { ch: Ref; fresh: boolean; delta: bigint; voucher: number };

/** Channel references are resolved modulo the channels opened so far, so every sequence is valid. */
type Op =
  | { kind: "open"; payer: number; payee: number; amount: bigint; window: number }
  | { kind: "topUp"; ch: Ref; funder: number; amount: bigint }
  | { kind: "sign"; ch: Ref; mode: "up" | "down" | "over"; delta: bigint; claimBy: "none" | "payee" | "watcher" }
  | { kind: "claimMany"; picks: Pick[]; sortByPayee: boolean }
  | { kind: "close"; ch: Ref; final: "none" | "best" | "fresh"; delta: bigint; byPayee: boolean }
  | { kind: "closeWithConsent"; ch: Ref; finalAmount: bigint }
  | { kind: "startClose"; ch: Ref; byPayer: boolean }
  | { kind: "advance"; seconds: number }
  | { kind: "settle"; ch: Ref }
  | { kind: "withdraw"; who: number; percent: number };

/** A channel reference; `live` prefers the channels the operation can act on (open, closing, not closed). */
type Ref = { index: number; live: boolean };

/** True four times in five: the usual case (right caller, usable channel, fresh voucher); the rest probe refusals. */
const mostly = fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const ch: fc.Arbitrary<Ref> = fc.record({ index: fc.nat({ max: 50 }), live: mostly });
const amount = fc.bigInt({ min: 1n, max: 1_000n });
const openArb = fc.record({
  kind: fc.constant("open" as const),
  payer: fc.nat({ max: PAYERS - 1 }),
  payee: fc.nat({ max: PAYEES - 1 }),
  amount,
  window: fc.integer({ min: MIN_WINDOW, max: 3 * MIN_WINDOW }),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: openArb },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("topUp" as const), ch, funder: fc.nat({ max: PAYERS - 1 }), amount }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("sign" as const),
      ch,
      mode: fc.constantFrom("up" as const, "up" as const, "down" as const, "over" as const, "over" as const),
      delta: fc.bigInt({ min: 0n, max: 400n }),
      claimBy: fc.constantFrom("none" as const, "payee" as const, "watcher" as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("claimMany" as const),
      picks: fc.array(
        fc.record({ ch, fresh: mostly, delta: fc.bigInt({ min: 0n, max: 300n }), voucher: fc.nat({ max: 20 }) }),
        { maxLength: 6 },
      ),
      sortByPayee: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("close" as const),
      ch,
      final: fc.constantFrom("none" as const, "best" as const, "fresh" as const),
      delta: fc.bigInt({ min: 1n, max: 1_500n }),
      byPayee: mostly,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("closeWithConsent" as const),
      ch,
      finalAmount: fc.bigInt({ min: 0n, max: 2_500n }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("startClose" as const), ch, byPayer: mostly }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: fc.integer({ min: 1, max: 4 * MIN_WINDOW }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("settle" as const), ch }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("withdraw" as const),
      who: fc.nat({ max: PAYERS + PAYEES - 1 }),
      percent: fc.integer({ min: 0, max: 130 }),
    }),
  },
);

/** A run: a few channels opened, then any operations (lengths spread evenly, not biased short). */
const opsArb = fc
  .tuple(
    fc.array(openArb, { minLength: 1, maxLength: 4 }),
    fc.array(opArb, { minLength: 10, maxLength: 30, size: "max" }),
  )
  .map(([opens, body]): Op[] => [...opens, ...body]);

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

type Voucher = { amount: bigint; signature: string };

type ChannelModel = {
  key: ChannelKey;
  id: string;
  payer: number;
  payee: number;
  deposit: bigint;
  claimed: bigint;
  /** 0 while open; the deadline while closing. */
  closesAt: bigint;
  closed: boolean;
  /** Vouchers the payee holds, in signing order. */
  vouchers: Voucher[];
  /** The most the payee was ever authorised to take: its best voucher or a consent it signed. */
  authorised: bigint;
  /** What the payer got back at close. */
  refund?: bigint;
};

class Model {
  channels: ChannelModel[] = [];
  /** Escrow balances, by address. */
  balance = new Map<string, bigint>();
  /** Token balances of the payers and payees, by address. */
  wallet = new Map<string, bigint>();
  funded = new Map<string, bigint>();
  refunded = new Map<string, bigint>();
  withdrawn = new Map<string, bigint>();

  constructor(readonly w: World) {
    for (const a of this.everyone()) {
      this.balance.set(a, 0n);
      this.wallet.set(a, w.payers.some((p) => p.address === a) ? MINT : 0n);
      this.funded.set(a, 0n);
      this.refunded.set(a, 0n);
      this.withdrawn.set(a, 0n);
    }
  }

  everyone(): string[] {
    return [...this.w.payers, ...this.w.payees].map((s) => s.address);
  }

  /** The referenced channel: among those `usable` if `ref.live` and there are any, else among all. */
  channel(ref: Ref, usable: (c: ChannelModel) => boolean): ChannelModel | undefined {
    const live = this.channels.filter(usable);
    const from = ref.live && live.length > 0 ? live : this.channels;
    return from.length === 0 ? undefined : from[ref.index % from.length];
  }

  add(map: Map<string, bigint>, who: string, delta: bigint): void {
    map.set(who, (map.get(who) ?? 0n) + delta);
  }

  /** The contract's _finalize: close for good, credit the payee, refund the payer's wallet. */
  finalize(c: ChannelModel, finalClaimed: bigint): bigint {
    this.add(this.balance, c.key.payee, finalClaimed - c.claimed);
    c.claimed = finalClaimed;
    c.closed = true;
    c.closesAt = 0n;
    const refund = c.deposit - finalClaimed;
    c.refund = refund;
    this.add(this.wallet, c.key.payer, refund);
    this.add(this.refunded, c.key.payer, refund);
    return refund;
  }
}

// ---------------------------------------------------------------------------------------------
// Running one step
// ---------------------------------------------------------------------------------------------

type Expected = { ok: true } | { error: string; args: unknown[] };
const OK: Expected = { ok: true };

/** Pins the next block's time (after any pending advance) so the model knows each step's `now`. */
async function nextTimestamp(pending: { seconds: number }): Promise<bigint> {
  const t = (await time.latest()) + 1 + pending.seconds;
  pending.seconds = 0;
  await time.setNextBlockTimestamp(t);
  return BigInt(t);
}

async function expectOutcome(
  w: World,
  tx: Promise<ContractTransactionResponse>,
  expected: Expected,
  what: string,
): Promise<void> {
  if ("ok" in expected) {
    await expect(tx, what).not.to.be.reverted;
  } else {
    await expect(tx, what)
      .to.be.revertedWithCustomError(w.escrow, expected.error)
      .withArgs(...expected.args);
  }
}

function statusError(c: ChannelModel): Expected | undefined {
  return c.closed ? { error: "ChannelIsClosed", args: [c.id] } : undefined;
}

const notClosed = (c: ChannelModel) => !c.closed;
const isOpen = (c: ChannelModel) => !c.closed && c.closesAt === 0n;
const usableFor: Record<
  Exclude<Op["kind"], "open" | "advance" | "withdraw" | "claimMany">,
  (c: ChannelModel) => boolean
> = {
  topUp: isOpen,
  sign: notClosed,
  close: notClosed,
  closeWithConsent: notClosed,
  startClose: isOpen,
  settle: (c) => !c.closed && c.closesAt !== 0n,
};

/** The payee's highest voucher for the channel, if it holds any. */
function bestVoucher(c: ChannelModel): Voucher | undefined {
  return c.vouchers.reduce<Voucher | undefined>((a, v) => (a === undefined || v.amount > a.amount ? v : a), undefined);
}

/** The payer's hot key signs a voucher; the payee keeps it. */
async function signFor(w: World, c: ChannelModel, amount: bigint): Promise<Voucher> {
  const signature = await w.hotKeys[c.payer].signTypedData(escrowDomain(w.chainId, w.escrowAddress), VOUCHER_TYPES, {
    channelId: c.id,
    cumulativeAmount: amount,
  });
  const v = { amount, signature };
  c.vouchers.push(v);
  if (amount > c.authorised) c.authorised = amount;
  return v;
}

/** Channel salts, unique across runs. */
let nextSalt = 1n;

async function step(w: World, m: Model, op: Op, pending: { seconds: number }): Promise<string> {
  const domain = escrowDomain(w.chainId, w.escrowAddress);
  const payerOf = (c: ChannelModel) => w.payers[c.payer];
  const payeeOf = (c: ChannelModel) => w.payees[c.payee];

  if (op.kind === "open") {
    const key: ChannelKey = {
      payer: w.payers[op.payer].address,
      payee: w.payees[op.payee].address,
      signer: w.hotKeys[op.payer].address,
      disputeWindow: op.window,
      salt: nextSalt++,
    };
    const c: ChannelModel = {
      key,
      id: channelId(key),
      payer: op.payer,
      payee: op.payee,
      deposit: op.amount,
      claimed: 0n,
      closesAt: 0n,
      closed: false,
      vouchers: [],
      authorised: 0n,
    };
    await nextTimestamp(pending);
    await expect(w.escrow.connect(w.payers[op.payer]).open(key, op.amount))
      .to.emit(w.escrow, "ChannelOpened")
      .withArgs(c.id, key.payer, key.payee, key.signer, key.disputeWindow, key.salt, op.amount);
    m.channels.push(c);
    m.add(m.wallet, key.payer, -op.amount);
    m.add(m.funded, key.payer, op.amount);
    return `open #${m.channels.length - 1} ${op.amount}`;
  }

  if (op.kind === "advance") {
    pending.seconds += op.seconds;
    return `advance ${op.seconds}s`;
  }

  if (op.kind === "withdraw") {
    const who = [...w.payers, ...w.payees][op.who];
    const balance = m.balance.get(who.address)!;
    const amount = (balance * BigInt(op.percent)) / 100n;
    const expected: Expected =
      amount === 0n
        ? { error: "ZeroAmount", args: [] }
        : amount > balance
          ? { error: "InsufficientBalance", args: [who.address, balance, amount] }
          : OK;
    await nextTimestamp(pending);
    await expectOutcome(w, w.escrow.connect(who).withdraw(who.address, amount), expected, "withdraw");
    if ("ok" in expected) {
      m.add(m.balance, who.address, -amount);
      m.add(m.wallet, who.address, amount);
      m.add(m.withdrawn, who.address, amount);
    }
    return `withdraw ${amount} of ${balance}`;
  }

  if (op.kind === "claimMany") {
    const chosen: { c: ChannelModel; v: Voucher }[] = [];
    for (const pick of op.picks) {
      const c = m.channel(pick.ch, notClosed);
      if (c === undefined) continue;
      if (pick.fresh) {
        chosen.push({ c, v: await signFor(w, c, (bestVoucher(c)?.amount ?? 0n) + pick.delta + 1n) });
      } else if (c.vouchers.length > 0) {
        chosen.push({ c, v: c.vouchers[pick.voucher % c.vouchers.length] });
      }
    }
    // Sorted by payee, consecutive claims share one balance update (a stable sort keeps the rest in order).
    if (op.sortByPayee) chosen.sort((a, b) => a.c.payee - b.c.payee);
    const claims = chosen.map(({ c, v }) => ({ key: c.key, amount: v.amount, signature: v.signature }));
    let credited = 0n;
    const after = new Map<ChannelModel, bigint>();
    for (const { c, v } of chosen) {
      if (c.closed) continue; // skipped, not reverted
      const claimed = after.get(c) ?? c.claimed;
      const payable = v.amount < c.deposit ? v.amount : c.deposit;
      if (payable <= claimed) continue; // skipped
      after.set(c, payable);
      credited += payable - claimed;
    }
    expect(await w.escrow.connect(w.watcher).claimMany.staticCall(claims), "claimMany's credited").to.equal(credited);
    await nextTimestamp(pending);
    await expectOutcome(w, w.escrow.connect(w.watcher).claimMany(claims), OK, "claimMany");
    for (const [c, claimed] of after) {
      m.add(m.balance, c.key.payee, claimed - c.claimed);
      c.claimed = claimed;
    }
    return `claimMany ${claims.length} credited ${credited}`;
  }

  const c = m.channel(op.ch, usableFor[op.kind]);
  if (c === undefined) return `${op.kind}: no channel yet`;
  const index = m.channels.indexOf(c);

  switch (op.kind) {
    case "topUp": {
      const funder = w.payers[op.funder];
      const expected =
        statusError(c) ?? (c.closesAt !== 0n ? { error: "ChannelIsClosing", args: [c.id, c.closesAt] } : OK);
      await nextTimestamp(pending);
      const tx = w.escrow.connect(funder).topUp(c.id, op.amount);
      await expectOutcome(w, tx, expected, "topUp");
      if ("ok" in expected) {
        c.deposit += op.amount;
        m.add(m.wallet, funder.address, -op.amount);
        m.add(m.funded, funder.address, op.amount);
      }
      return `topUp #${index} ${op.amount}: ${"ok" in expected ? "ok" : expected.error}`;
    }

    case "sign": {
      const highest = c.vouchers.reduce((a, v) => (v.amount > a ? v.amount : a), 0n);
      const amount =
        op.mode === "up"
          ? highest + op.delta + 1n
          : op.mode === "down"
            ? highest > op.delta
              ? highest - op.delta
              : 1n
            : c.deposit + op.delta;
      const { signature } = await signFor(w, c, amount);
      if (op.claimBy === "none") return `sign #${index} ${amount}`;

      const payable = amount < c.deposit ? amount : c.deposit;
      const expected: Expected =
        statusError(c) ??
        (payable <= c.claimed ? { error: "NothingToClaim", args: [c.id, c.claimed, c.deposit, amount] } : OK);
      const by = op.claimBy === "payee" ? payeeOf(c) : w.watcher;
      await nextTimestamp(pending);
      await expectOutcome(w, w.escrow.connect(by).claim(c.key, amount, signature), expected, "claim");
      if ("ok" in expected) {
        m.add(m.balance, c.key.payee, payable - c.claimed);
        c.claimed = payable;
      }
      return `sign+claim #${index} ${amount}: ${"ok" in expected ? "ok" : expected.error}`;
    }

    case "close": {
      // The payee's final voucher: none, the best it holds, or one signed now (often above the deposit).
      const none: Voucher = { amount: 0n, signature: "0x" };
      const voucher =
        op.final === "fresh"
          ? await signFor(w, c, c.claimed + op.delta)
          : op.final === "best"
            ? (bestVoucher(c) ?? none)
            : none;
      const caller = op.byPayee ? payeeOf(c) : payerOf(c);
      const finalClaimed =
        voucher.amount > c.claimed && c.deposit > c.claimed
          ? voucher.amount < c.deposit
            ? voucher.amount
            : c.deposit
          : c.claimed;
      const expected: Expected = !op.byPayee
        ? { error: "NotPayee", args: [c.id, caller.address, c.key.payee] }
        : (statusError(c) ?? OK);
      await nextTimestamp(pending);
      const tx = w.escrow.connect(caller).close(c.key, voucher.amount, voucher.signature);
      if ("ok" in expected) {
        await expect(tx)
          .to.emit(w.escrow, "ChannelClosed")
          .withArgs(c.id, finalClaimed, c.deposit - finalClaimed);
        m.finalize(c, finalClaimed);
      } else {
        await expectOutcome(w, tx, expected, "close");
      }
      return `close #${index} with ${voucher.amount}: ${"ok" in expected ? "ok" : expected.error}`;
    }

    case "closeWithConsent": {
      const payee = payeeOf(c);
      const signature = await payee.signTypedData(domain, CLOSE_CONSENT_TYPES, {
        channelId: c.id,
        finalAmount: op.finalAmount,
        deadline: 4_102_444_800n,
      });
      if (op.finalAmount > c.authorised) c.authorised = op.finalAmount;
      const capped = op.finalAmount < c.deposit ? op.finalAmount : c.deposit;
      const finalClaimed = capped > c.claimed ? capped : c.claimed;
      const expected = statusError(c) ?? OK;
      await nextTimestamp(pending);
      const tx = w.escrow.connect(payerOf(c)).closeWithConsent(c.key, op.finalAmount, 4_102_444_800n, signature, "0x");
      if ("ok" in expected) {
        await expect(tx)
          .to.emit(w.escrow, "ChannelClosed")
          .withArgs(c.id, finalClaimed, c.deposit - finalClaimed);
        m.finalize(c, finalClaimed);
      } else {
        await expectOutcome(w, tx, expected, "closeWithConsent");
      }
      return `closeWithConsent #${index} ${op.finalAmount}: ${"ok" in expected ? "ok" : expected.error}`;
    }

    case "startClose": {
      const caller = op.byPayer ? payerOf(c) : payeeOf(c);
      const expected: Expected = !op.byPayer
        ? { error: "NotPayer", args: [c.id, caller.address, c.key.payer] }
        : (statusError(c) ?? (c.closesAt !== 0n ? { error: "ChannelIsClosing", args: [c.id, c.closesAt] } : OK));
      const now = await nextTimestamp(pending);
      const tx = w.escrow.connect(caller).startClose(c.key);
      if ("ok" in expected) {
        const closesAt = now + BigInt(c.key.disputeWindow);
        await expect(tx).to.emit(w.escrow, "ChannelCloseStarted").withArgs(c.id, closesAt);
        c.closesAt = closesAt;
      } else {
        await expectOutcome(w, tx, expected, "startClose");
      }
      return `startClose #${index}: ${"ok" in expected ? "ok" : expected.error}`;
    }

    case "settle": {
      const now = await nextTimestamp(pending);
      const expected: Expected =
        statusError(c) ??
        (c.closesAt === 0n
          ? { error: "ChannelNotClosing", args: [c.id] }
          : now < c.closesAt
            ? { error: "DisputeWindowNotOver", args: [c.id, c.closesAt, now] }
            : OK);
      const tx = w.escrow.connect(w.watcher).settle(c.key);
      if ("ok" in expected) {
        await expect(tx)
          .to.emit(w.escrow, "ChannelClosed")
          .withArgs(c.id, c.claimed, c.deposit - c.claimed);
        m.finalize(c, c.claimed);
      } else {
        await expectOutcome(w, tx, expected, "settle");
      }
      return `settle #${index}: ${"ok" in expected ? "ok" : expected.error}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

async function checkInvariants(w: World, m: Model, trace: string[]): Promise<void> {
  const at = `after: ${trace.join("; ")}`;
  let owedByChannels = 0n;
  const claimedByPayee = new Map<string, bigint>();
  for (const c of m.channels) {
    const s = await w.escrow.getChannel(c.id);
    const status = c.closed ? Status.Closed : c.closesAt !== 0n ? Status.Closing : Status.Open;
    expect([s.status, s.deposit, s.claimed, s.closesAt], `channel ${c.id} ${at}`).to.deep.equal([
      status,
      c.deposit,
      c.claimed,
      c.closesAt,
    ]);
    if (s.status !== Status.Closed) owedByChannels += s.deposit - s.claimed;
    // A payee never gets more than it was authorised to take, nor more than the deposit.
    expect(s.claimed <= s.deposit && s.claimed <= c.authorised, `claimed within bounds ${at}`).to.equal(true);
    // A closed channel returned exactly the rest to its payer.
    if (c.closed) expect(c.refund, `refund ${at}`).to.equal(s.deposit - s.claimed);
    claimedByPayee.set(c.key.payee, (claimedByPayee.get(c.key.payee) ?? 0n) + s.claimed);
  }

  let held = 0n;
  for (const a of m.everyone()) {
    const balance = await w.escrow.balanceOf(a);
    expect(balance, `escrow balance of ${a} ${at}`).to.equal(m.balance.get(a));
    expect(await w.token.balanceOf(a), `token balance of ${a} ${at}`).to.equal(m.wallet.get(a));
    held += balance;
  }
  // Conservation: the escrow holds exactly the unclaimed deposits of live channels plus all balances.
  expect(await w.token.balanceOf(w.escrowAddress), `escrow solvency ${at}`).to.equal(owedByChannels + held);

  for (const p of w.payees) {
    // Everything a payee was credited (still held or withdrawn) is what its channels record as claimed.
    const total = (await w.escrow.balanceOf(p.address)) + m.withdrawn.get(p.address)!;
    expect(total, `payee ${p.address} credited + withdrawn ${at}`).to.equal(claimedByPayee.get(p.address) ?? 0n);
  }
  for (const p of w.payers) {
    // A payer's net outflow is what it deposited minus what came back.
    const outflow = MINT - (await w.token.balanceOf(p.address));
    expect(outflow, `payer ${p.address} outflow ${at}`).to.equal(m.funded.get(p.address)! - m.refunded.get(p.address)!);
  }
}

describe("property: random operation sequences keep the escrow exact and solvent", () => {
  it(`${RUNS} random runs of 11 to 34 operations by ${PAYERS} payers and ${PAYEES} payees`, async () => {
    await fc.assert(
      fc.asyncProperty(opsArb, async (ops) => {
        const w = await loadFixture(propertyFixture);
        const m = new Model(w);
        const pending = { seconds: 0 };
        const trace: string[] = [];
        for (const op of ops) {
          trace.push(await step(w, m, op, pending));
          await checkInvariants(w, m, trace);
        }
        if (process.env.PROPERTY_TRACE) console.log(trace.join("\n"));
      }),
      { numRuns: RUNS, seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined },
    );
  });
});
