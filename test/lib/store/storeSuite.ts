import { expect } from "chai";
import fc from "fast-check";
import {
  ChannelConflictError,
  ClaimConflictError,
  InvalidStoreInputError,
  IssuedVoucherNotIncreasingError,
  StoreClosedError,
  StoreError,
  UnknownChannelError,
  WrongChannelRoleError,
  type ChannelRecord,
  type VoucherStore,
} from "../../../src/store";
import { channelId } from "../../../src/voucher/typedData";
import { BIG, ESCROW, MAX_UINT256, PAYEE, SHASTA, channelParams, makeKey, manualClock, sig } from "./helpers";

export type StoreHarness = {
  /** A new, empty store reading the given clock. */
  create(now: () => number): VoucherStore;
  /** Called after each test, once the store is closed. */
  cleanup?(): void;
};

/** The behaviour every VoucherStore must have; run once per implementation. */
export function describeVoucherStore(name: string, harness: StoreHarness): void {
  describe(`${name}: VoucherStore behaviour`, () => {
    let store: VoucherStore;
    let clock: ReturnType<typeof manualClock>;

    beforeEach(() => {
      clock = manualClock();
      store = harness.create(clock);
    });
    afterEach(() => {
      store.close();
      harness.cleanup?.();
    });

    const payeeChannel = (o = {}) => store.upsertChannel(channelParams("payee", o));
    const payerChannel = (o = {}) => store.upsertChannel(channelParams("payer", o));

    describe("channels", () => {
      it("inserts a channel under channelId(key), lowercased, with defaults", () => {
        const key = makeKey({ payer: "0x" + "AB".repeat(20) });
        const c = store.upsertChannel({
          chainId: SHASTA,
          escrow: ESCROW.toUpperCase().replace("0X", "0x"),
          role: "payee",
          key,
        });
        expect(c).to.deep.equal({
          id: channelId(key),
          chainId: SHASTA,
          escrow: ESCROW,
          role: "payee",
          key: { ...key, payer: key.payer.toLowerCase() },
          status: "opening",
          deposit: 0n,
          claimed: 0n,
          closesAt: null,
          openedTx: null,
          createdAt: clock(),
          updatedAt: clock(),
        } satisfies ChannelRecord);
        expect(store.getChannel(c.id)).to.deep.equal(c);
        expect(store.getChannel(c.id.toUpperCase().replace("0X", "0x"))).to.deep.equal(c);
      });

      it("updates only the given mutable fields on upsert", () => {
        const c = payeeChannel({ openedTx: "0x" + "01".repeat(32) });
        clock.advance(5);
        const u = store.upsertChannel({ ...channelParams("payee", { key: c.key }), deposit: BIG, status: undefined });
        expect(u).to.deep.equal({ ...c, deposit: BIG, updatedAt: c.createdAt + 5 });
        expect(store.getChannel(c.id)).to.deep.equal(u);
      });

      for (const [field, value] of [
        ["chainId", 1],
        ["escrow", "0x" + "99".repeat(20)],
        ["role", "payer"],
      ] as const) {
        it(`refuses an upsert with another ${field} and keeps the stored channel`, () => {
          const c = payeeChannel();
          const err = catchError(() =>
            store.upsertChannel({ ...channelParams("payee", { key: c.key }), [field]: value }),
          );
          expect(err).to.be.instanceOf(ChannelConflictError);
          expect(err).to.include({ channelId: c.id, field, given: value });
          expect(store.getChannel(c.id)).to.deep.equal(c);
        });
      }

      it("updateChannel patches state and can clear closesAt", () => {
        const c = payeeChannel();
        clock.advance();
        const closing = store.updateChannel(c.id, { status: "closing", closesAt: 1_800_000_000, claimed: 7n });
        expect(closing).to.deep.equal({
          ...c,
          status: "closing",
          closesAt: 1_800_000_000,
          claimed: 7n,
          updatedAt: clock(),
        });
        const reopened = store.updateChannel(c.id, { status: "open", closesAt: null });
        expect(reopened).to.deep.equal({ ...closing, status: "open", closesAt: null });
        expect(store.getChannel(c.id)).to.deep.equal(reopened);
      });

      it("updateChannel refuses an unknown channel", () => {
        expect(() => store.updateChannel("0x" + "00".repeat(32), { status: "open" })).to.throw(UnknownChannelError);
      });

      it("getChannel returns undefined for an unknown channel", () => {
        expect(store.getChannel("0x" + "00".repeat(32))).to.equal(undefined);
      });

      it("returns copies: mutating a record does not change the store", () => {
        const c = payeeChannel();
        c.key.payee = "0x" + "00".repeat(20);
        c.deposit = 0n;
        expect(store.getChannel(c.id)!.key.payee).to.equal(PAYEE);
        expect(store.getChannel(c.id)!.deposit).to.equal(1_000n);
      });

      it("lists channels by role and status, ordered by id", () => {
        const a = payeeChannel({ status: "open" });
        const b = payeeChannel({ status: "closing", closesAt: 10 });
        const c = payerChannel({ status: "open" });
        const d = payerChannel({ status: "closed" });
        const ids = (list: ChannelRecord[]) => list.map((x) => x.id);
        const sorted = (...cs: ChannelRecord[]) => cs.map((x) => x.id).sort();
        expect(ids(store.listChannels())).to.deep.equal(sorted(a, b, c, d));
        expect(ids(store.listChannels({ role: "payee" }))).to.deep.equal(sorted(a, b));
        expect(ids(store.listChannels({ status: "open" }))).to.deep.equal(sorted(a, c));
        expect(ids(store.listChannels({ role: "payer", status: ["open", "closed"] }))).to.deep.equal(sorted(c, d));
        expect(store.listChannels({ status: [] })).to.deep.equal([]);
      });

      it("lists closing channels whose window ends strictly before a time, soonest first", () => {
        const late = payeeChannel({ status: "closing", closesAt: 3_000 });
        const soon = payerChannel({ status: "closing", closesAt: 1_000 });
        payeeChannel({ status: "closing", closesAt: 5_000 });
        payeeChannel({ status: "open", closesAt: 500 });
        expect(store.listChannelsClosingBefore(3_000).map((c) => c.id)).to.deep.equal([soon.id]);
        expect(store.listChannelsClosingBefore(3_001).map((c) => c.id)).to.deep.equal([soon.id, late.id]);
        expect(store.listChannelsClosingBefore(0)).to.deep.equal([]);
      });

      it("refuses malformed channel input", () => {
        const bad: [string, object][] = [
          ["escrow", { escrow: "0x1234" }],
          ["chainId", { chainId: 0 }],
          ["chainId", { chainId: 1.5 }],
          ["role", { role: "watcher" }],
          ["status", { status: "Open" }],
          ["deposit", { deposit: -1n }],
          ["deposit", { deposit: MAX_UINT256 + 1n }],
          ["claimed", { claimed: 5 }],
          ["closesAt", { closesAt: -1 }],
          ["key.salt", { key: makeKey({ salt: 2n ** 64n }) }],
          ["key.signer", { key: makeKey({ signer: "T" + "x".repeat(33) }) }],
          ["key.disputeWindow", { key: makeKey({ disputeWindow: 2 ** 32 }) }],
        ];
        for (const [field, o] of bad) {
          const err = catchError(() => payeeChannel(o));
          expect(err, field).to.be.instanceOf(InvalidStoreInputError);
          expect((err as InvalidStoreInputError).field).to.equal(field);
        }
        expect(store.listChannels()).to.deep.equal([]);
      });
    });

    describe("received vouchers", () => {
      it("stores the first voucher", () => {
        const c = payeeChannel();
        expect(store.getBestReceivedVoucher(c.id)).to.equal(undefined);
        const r = store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 10n, signature: sig(10) });
        expect(r).to.deep.equal({ stored: true, previous: undefined });
        expect(store.getBestReceivedVoucher(c.id)).to.deep.equal({
          channelId: c.id,
          cumulativeAmount: 10n,
          signature: sig(10),
          receivedAt: clock(),
        });
      });

      it("replaces the best only with a strictly higher amount and returns the previous best", () => {
        const c = payeeChannel();
        store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 10n, signature: sig(10) });
        const first = store.getBestReceivedVoucher(c.id)!;
        clock.advance();
        expect(
          store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 10n, signature: sig(11) }),
        ).to.deep.equal({
          stored: false,
          previous: first,
        });
        expect(store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 9n, signature: sig(9) })).to.deep.equal(
          {
            stored: false,
            previous: first,
          },
        );
        expect(store.getBestReceivedVoucher(c.id)).to.deep.equal(first);
        const r = store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: BIG, signature: sig(BIG) });
        expect(r).to.deep.equal({ stored: true, previous: first });
        expect(store.getBestReceivedVoucher(c.id)).to.deep.equal({
          channelId: c.id,
          cumulativeAmount: BIG,
          signature: sig(BIG),
          receivedAt: clock(),
        });
      });

      it("compares amounts as numbers, not text (9 < 10, 2^64 boundaries, 2^256 - 1)", () => {
        const c = payeeChannel();
        const steps = [9n, 10n, 99n, 100n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 64n + 1n, BIG, MAX_UINT256];
        for (const a of steps) {
          expect(
            store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: a, signature: sig(a) }).stored,
          ).to.equal(true);
          expect(store.getBestReceivedVoucher(c.id)!.cumulativeAmount).to.equal(a);
        }
        for (const a of steps) {
          expect(
            store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: a, signature: sig(a) }).stored,
          ).to.equal(false);
        }
      });

      it("keeps the maximum over any sequence of amounts", () => {
        fc.assert(
          fc.property(fc.array(fc.bigInt({ min: 1n, max: MAX_UINT256 }), { maxLength: 20 }), (amounts) => {
            const c = payeeChannel();
            let best: bigint | undefined;
            for (const a of amounts) {
              const r = store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: a, signature: sig(a) });
              expect(r.previous?.cumulativeAmount).to.equal(best);
              expect(r.stored).to.equal(best === undefined || a > best);
              if (r.stored) best = a;
            }
            expect(store.getBestReceivedVoucher(c.id)?.cumulativeAmount).to.equal(best);
          }),
          { numRuns: 40 },
        );
      });

      it("refuses an unknown channel and a channel where we are the payer", () => {
        const v = { channelId: "0x" + "00".repeat(32), cumulativeAmount: 1n, signature: sig(1) };
        expect(() => store.recordReceivedVoucher(v)).to.throw(UnknownChannelError);
        const c = payerChannel();
        const err = catchError(() => store.recordReceivedVoucher({ ...v, channelId: c.id }));
        expect(err).to.be.instanceOf(WrongChannelRoleError);
        expect(err).to.include({ channelId: c.id, role: "payer", expectedRole: "payee" });
        expect(store.getBestReceivedVoucher(c.id)).to.equal(undefined);
      });

      it("refuses malformed vouchers and stores nothing", () => {
        const c = payeeChannel();
        const ok = { channelId: c.id, cumulativeAmount: 5n, signature: sig(5) };
        const bad: [string, object][] = [
          ["cumulativeAmount", { cumulativeAmount: 0n }],
          ["cumulativeAmount", { cumulativeAmount: -5n }],
          ["cumulativeAmount", { cumulativeAmount: MAX_UINT256 + 1n }],
          ["cumulativeAmount", { cumulativeAmount: 5 }],
          ["signature", { signature: "0x1234" }],
          ["signature", { signature: sig(5).slice(0, -2) + "zz" }],
          ["channelId", { channelId: c.id.slice(0, -2) }],
        ];
        for (const [field, o] of bad) {
          const err = catchError(() => store.recordReceivedVoucher({ ...ok, ...o }));
          expect(err, field).to.be.instanceOf(InvalidStoreInputError);
          expect((err as InvalidStoreInputError).field).to.equal(field);
        }
        expect(store.getBestReceivedVoucher(c.id)).to.equal(undefined);
        // 64-byte (EIP-2098) signatures are accepted.
        expect(store.recordReceivedVoucher({ ...ok, signature: "0x" + "ab".repeat(64) }).stored).to.equal(true);
      });
    });

    describe("issued vouchers", () => {
      it("reserves strictly increasing amounts and refuses equal or lower ones", () => {
        const c = payerChannel();
        expect(store.getHighestIssuedVoucher(c.id)).to.equal(undefined);
        expect(store.reserveIssuedVoucher(c.id, 10n)).to.deep.equal({
          channelId: c.id,
          cumulativeAmount: 10n,
          reservedAt: clock(),
        });
        for (const amount of [10n, 9n, 1n]) {
          const err = catchError(() => store.reserveIssuedVoucher(c.id, amount));
          expect(err).to.be.instanceOf(IssuedVoucherNotIncreasingError);
          expect(err).to.include({ channelId: c.id, amount, highestIssued: 10n });
        }
        clock.advance();
        expect(store.reserveIssuedVoucher(c.id, BIG).cumulativeAmount).to.equal(BIG);
        expect(() => store.reserveIssuedVoucher(c.id, BIG)).to.throw(IssuedVoucherNotIncreasingError);
        expect(store.getHighestIssuedVoucher(c.id)).to.deep.equal({
          channelId: c.id,
          cumulativeAmount: BIG,
          reservedAt: clock(),
        });
      });

      it("compares amounts as numbers across digit counts", () => {
        const c = payerChannel();
        store.reserveIssuedVoucher(c.id, 99n);
        expect(() => store.reserveIssuedVoucher(c.id, 100n)).not.to.throw();
        expect(() => store.reserveIssuedVoucher(c.id, 99n)).to.throw(IssuedVoucherNotIncreasingError);
        expect(() => store.reserveIssuedVoucher(c.id, 2n ** 64n)).not.to.throw();
        expect(() => store.reserveIssuedVoucher(c.id, 2n ** 63n)).to.throw(IssuedVoucherNotIncreasingError);
      });

      it("refuses unknown channels, payee channels and non-positive amounts", () => {
        expect(() => store.reserveIssuedVoucher("0x" + "00".repeat(32), 1n)).to.throw(UnknownChannelError);
        const payee = payeeChannel();
        expect(() => store.reserveIssuedVoucher(payee.id, 1n)).to.throw(WrongChannelRoleError);
        const payer = payerChannel();
        expect(() => store.reserveIssuedVoucher(payer.id, 0n)).to.throw(InvalidStoreInputError);
        expect(store.getHighestIssuedVoucher(payer.id)).to.equal(undefined);
      });
    });

    describe("unclaimed channels", () => {
      it("lists channels whose best voucher exceeds claimed by more than a threshold, largest first", () => {
        const make = (claimed: bigint, best?: bigint, status: "open" | "closing" | "closed" = "open") => {
          const c = payeeChannel({ claimed, status });
          if (best !== undefined)
            store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: best, signature: sig(best) });
          return c;
        };
        const small = make(99n, 100n); // 1 unclaimed: digit count differs
        const big = make(2n ** 64n, BIG); // huge
        const mid = make(0n, 50n);
        make(1000n, 999n); // claimed above the voucher
        make(5n, 5n); // fully claimed
        make(0n); // no voucher
        const closed = make(0n, 70n, "closed");
        const list = store.listUnclaimedChannels();
        expect(list.map((u) => [u.channel.id, u.unclaimed])).to.deep.equal([
          [big.id, BIG - 2n ** 64n],
          [closed.id, 70n],
          [mid.id, 50n],
          [small.id, 1n],
        ]);
        expect(list[0].voucher).to.deep.equal(store.getBestReceivedVoucher(big.id));
        expect(list[0].channel).to.deep.equal(store.getChannel(big.id));
        expect(store.listUnclaimedChannels({ above: 50n }).map((u) => u.channel.id)).to.deep.equal([big.id, closed.id]);
        expect(
          store.listUnclaimedChannels({ above: 1n, status: ["open", "closing"] }).map((u) => u.channel.id),
        ).to.deep.equal([big.id, mid.id]);
        store.updateChannel(mid.id, { claimed: 50n });
        expect(store.listUnclaimedChannels({ status: "open" }).map((u) => u.channel.id)).to.deep.equal([
          big.id,
          small.id,
        ]);
      });
    });

    describe("claims", () => {
      const tx = "0x" + "7a".repeat(32);

      it("inserts a claim and updates its status idempotently by transaction", () => {
        const c = payeeChannel();
        const pending = store.upsertClaim({ txRef: tx, channelId: c.id, amount: BIG, status: "pending" });
        expect(pending).to.deep.equal({
          txRef: tx,
          channelId: c.id,
          amount: BIG,
          status: "pending",
          createdAt: clock(),
          updatedAt: clock(),
        });
        clock.advance(10);
        expect(store.upsertClaim({ txRef: tx, channelId: c.id, amount: BIG, status: "pending" })).to.deep.equal(
          pending,
        );
        const confirmed = store.upsertClaim({
          txRef: tx.toUpperCase().replace("0X", "0x"),
          channelId: c.id,
          amount: BIG,
          status: "confirmed",
        });
        expect(confirmed).to.deep.equal({ ...pending, status: "confirmed", updatedAt: clock() });
        expect(store.getClaim(tx, c.id)).to.deep.equal(confirmed);
        expect(store.listClaims()).to.deep.equal([confirmed]);
      });

      it("refuses a different amount for the same transaction and channel", () => {
        const c = payeeChannel();
        store.upsertClaim({ txRef: tx, channelId: c.id, amount: 5n, status: "pending" });
        const err = catchError(() =>
          store.upsertClaim({ txRef: tx, channelId: c.id, amount: 6n, status: "confirmed" }),
        );
        expect(err).to.be.instanceOf(ClaimConflictError);
        expect(err).to.include({ txRef: tx, channelId: c.id, storedAmount: 5n, amount: 6n });
        expect(store.getClaim(tx, c.id)!.status).to.equal("pending");
      });

      it("keeps one claim per channel of a batch transaction, and lists by channel and status in creation order", () => {
        const a = payeeChannel();
        const b = payeeChannel();
        const tronTx = "9f".repeat(32); // TRON tx ids carry no 0x
        store.upsertClaim({ txRef: tx, channelId: a.id, amount: 1n, status: "failed" });
        clock.advance();
        store.upsertClaim({ txRef: tronTx, channelId: a.id, amount: 2n, status: "confirmed" });
        store.upsertClaim({ txRef: tronTx, channelId: b.id, amount: 3n, status: "confirmed" });
        const key = (c: { txRef: string; channelId: string }) => `${c.txRef}/${c.channelId}`;
        const tronFirst = [a.id, b.id].sort().map((id) => `${tronTx}/${id}`);
        expect(store.listClaims().map(key)).to.deep.equal([`${tx}/${a.id}`, ...tronFirst]);
        expect(store.listClaims({ channelId: a.id }).map(key)).to.deep.equal([`${tx}/${a.id}`, `${tronTx}/${a.id}`]);
        expect(store.listClaims({ status: "confirmed" }).map(key)).to.deep.equal(tronFirst);
        expect(store.listClaims({ channelId: b.id, status: ["failed", "pending"] })).to.deep.equal([]);
        expect(store.getClaim(tronTx, b.id)!.amount).to.equal(3n);
        expect(store.getClaim(tx, b.id)).to.equal(undefined);
      });

      it("refuses a claim on an unknown channel and malformed claims", () => {
        expect(() =>
          store.upsertClaim({ txRef: tx, channelId: "0x" + "00".repeat(32), amount: 1n, status: "pending" }),
        ).to.throw(UnknownChannelError);
        const c = payeeChannel();
        for (const o of [{ txRef: "" }, { txRef: "has space" }, { amount: 0n }, { status: "done" }]) {
          expect(() =>
            store.upsertClaim({ txRef: tx, channelId: c.id, amount: 1n, status: "pending", ...(o as object) }),
          ).to.throw(InvalidStoreInputError);
        }
        expect(store.listClaims()).to.deep.equal([]);
      });
    });

    describe("meta", () => {
      it("gets, sets, overwrites and deletes values", () => {
        expect(store.getMeta("cursor")).to.equal(undefined);
        store.setMeta("cursor", "100");
        store.setMeta("other", "");
        store.setMeta("cursor", "101");
        expect(store.getMeta("cursor")).to.equal("101");
        expect(store.getMeta("other")).to.equal("");
        store.deleteMeta("cursor");
        store.deleteMeta("missing");
        expect(store.getMeta("cursor")).to.equal(undefined);
        expect(() => store.setMeta("", "x")).to.throw(InvalidStoreInputError);
      });
    });

    describe("transactions", () => {
      it("commits everything a callback writes", () => {
        const c = store.transaction(() => {
          const c = payeeChannel();
          store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 3n, signature: sig(3) });
          store.setMeta("cursor", "7");
          return c;
        });
        expect(store.getBestReceivedVoucher(c.id)!.cumulativeAmount).to.equal(3n);
        expect(store.getMeta("cursor")).to.equal("7");
      });

      it("writes nothing when the callback throws", () => {
        const c = payeeChannel();
        store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 3n, signature: sig(3) });
        const before = { channels: store.listChannels(), best: store.getBestReceivedVoucher(c.id) };
        expect(() =>
          store.transaction(() => {
            payerChannel();
            store.updateChannel(c.id, { claimed: 3n });
            store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 4n, signature: sig(4) });
            store.setMeta("cursor", "8");
            throw new Error("boom");
          }),
        ).to.throw("boom");
        expect(store.listChannels()).to.deep.equal(before.channels);
        expect(store.getBestReceivedVoucher(c.id)).to.deep.equal(before.best);
        expect(store.getMeta("cursor")).to.equal(undefined);
      });

      it("rolls back only a nested transaction that throws", () => {
        store.transaction(() => {
          store.setMeta("outer", "1");
          expect(() =>
            store.transaction(() => {
              store.setMeta("inner", "1");
              store.reserveIssuedVoucher("0x" + "00".repeat(32), 1n); // throws UnknownChannelError
            }),
          ).to.throw(UnknownChannelError);
        });
        expect(store.getMeta("outer")).to.equal("1");
        expect(store.getMeta("inner")).to.equal(undefined);
      });

      it("refuses an asynchronous callback and writes nothing", () => {
        const err = catchError(() =>
          store.transaction(async () => {
            store.setMeta("x", "1");
          }),
        );
        expect(err).to.be.instanceOf(StoreError);
        expect((err as StoreError).shortMessage).to.equal("a store transaction callback must be synchronous");
        expect(store.getMeta("x")).to.equal(undefined);
      });
    });

    describe("close", () => {
      it("refuses every call after close, and close is idempotent", () => {
        const c = payeeChannel();
        store.close();
        store.close();
        const calls: (() => unknown)[] = [
          () => store.getChannel(c.id),
          () => store.listChannels(),
          () => store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 1n, signature: sig(1) }),
          () => store.reserveIssuedVoucher(c.id, 1n),
          () => store.getMeta("x"),
          () => store.setMeta("x", "y"),
          () => store.transaction(() => 1),
        ];
        for (const call of calls) expect(call).to.throw(StoreClosedError);
      });
    });
  });
}

export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
