import { expect } from "chai";
import fc from "fast-check";
import { InvalidBidError, InvalidMarketConfigError, runAuction, type SealedBid } from "../../src/market";
import { bidsArb, channel, channelIdArb, keyArb, priceArb } from "./arbitraries";

// Environment: MARKET_RUNS (default 300) runs per property; a failure prints its seed to replay.
const RUNS = Number(process.env.MARKET_RUNS ?? 300);
const KEY = new Uint8Array(32).fill(7);

/** What a bidder with `value` per MiB gains from `amount` MiB at the round's outcome. */
function utility(
  bids: SealedBid[],
  me: string,
  value: bigint,
  amount: bigint,
  slots: number,
  reserve: bigint,
  round: number,
  key: Uint8Array,
): bigint {
  const r = runAuction(bids, { slots, reserve, round, tieBreakKey: key });
  return r.winners.includes(me) ? (value - r.clearingPrice) * amount : 0n;
}

describe("market: runAuction (uniform price, k slots)", () => {
  const params = fc.record({
    slots: fc.integer({ min: 0, max: 6 }),
    reserve: fc.oneof(fc.constant(0n), priceArb),
    round: fc.nat({ max: 1_000_000 }),
    key: keyArb,
  });

  it("no bidder gains by bidding other than its value, whatever the others bid", () => {
    fc.assert(
      fc.property(
        bidsArb(10),
        channelIdArb,
        priceArb,
        priceArb,
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        params,
        (others, me, value, deviation, amount, p) => {
          fc.pre(!others.some((b) => b.channelId === me));
          const truthful = utility(
            [...others, { channelId: me, pricePerMiB: value }],
            me,
            value,
            amount,
            p.slots,
            p.reserve,
            p.round,
            p.key,
          );
          const deviated = utility(
            [...others, { channelId: me, pricePerMiB: deviation }],
            me,
            value,
            amount,
            p.slots,
            p.reserve,
            p.round,
            p.key,
          );
          expect(truthful >= 0n, "bidding one's value never loses money").to.equal(true);
          expect(
            deviated <= truthful,
            `bid ${deviation} instead of value ${value}: ${deviated} > ${truthful}`,
          ).to.equal(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("no winner pays more than its bid; no loser outbids the price; slots and reserve hold", () => {
    fc.assert(
      fc.property(bidsArb(14), params, (bids, p) => {
        const r = runAuction(bids, { slots: p.slots, reserve: p.reserve, round: p.round, tieBreakKey: p.key });
        const price = new Map(bids.map((b) => [b.channelId, b.pricePerMiB]));
        const eligible = bids.filter((b) => b.pricePerMiB >= p.reserve).length;
        expect(r.winners.length).to.equal(Math.min(p.slots, eligible));
        expect(new Set([...r.winners, ...r.losers]).size).to.equal(bids.length);
        expect(r.winners.length + r.losers.length).to.equal(bids.length);
        expect(r.clearingPrice >= p.reserve).to.equal(true);
        for (const w of r.winners)
          expect(price.get(w)! >= r.clearingPrice, `winner ${w} pays above its bid`).to.equal(true);
        // The price is the highest losing bid (or the reserve): no loser bid above it.
        for (const l of r.losers) expect(price.get(l)! <= r.clearingPrice || price.get(l)! < p.reserve).to.equal(true);
        const losingAtOrAboveReserve = r.losers.map((l) => price.get(l)!).filter((x) => x >= p.reserve);
        const expected = losingAtOrAboveReserve.reduce((a, b) => (a > b ? a : b), p.reserve);
        expect(r.clearingPrice).to.equal(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it("revenue and allocation do not depend on names or input order", () => {
    fc.assert(
      fc.property(
        bidsArb(12).chain((bids) =>
          fc.tuple(
            fc.constant(bids),
            fc.uniqueArray(channelIdArb, { minLength: bids.length, maxLength: bids.length }),
            fc.shuffledSubarray(bids, { minLength: bids.length }),
          ),
        ),
        params,
        ([bids, newIds, shuffled], p) => {
          const run = (b: SealedBid[]) =>
            runAuction(b, { slots: p.slots, reserve: p.reserve, round: p.round, tieBreakKey: p.key });
          const original = run(bids);
          const renamedIds = new Map(bids.map((b, i) => [b.channelId, newIds[i]]));
          const renamed = run(bids.map((b) => ({ ...b, channelId: renamedIds.get(b.channelId)! })));
          const prices = (r: typeof original, from: SealedBid[]) => {
            const m = new Map(from.map((b) => [b.channelId, b.pricePerMiB]));
            return r.winners.map((w) => m.get(w)!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          };
          const renamedBids = bids.map((b) => ({ ...b, channelId: renamedIds.get(b.channelId)! }));
          expect(renamed.clearingPrice).to.equal(original.clearingPrice);
          expect(renamed.winners.length).to.equal(original.winners.length);
          // Same winning bids (as a multiset), so the same revenue for any amount served.
          expect(prices(renamed, renamedBids)).to.deep.equal(prices(original, bids));
          // Without a tie at the last winning price, the very same bidders win.
          const distinct = new Set(bids.map((b) => b.pricePerMiB)).size === bids.length;
          if (distinct) {
            expect(new Set(renamed.winners)).to.deep.equal(new Set(original.winners.map((w) => renamedIds.get(w)!)));
          }
          // Input order never matters, ties included: the tie-break is a function of the channel.
          expect(new Set(run(shuffled).winners)).to.deep.equal(new Set(original.winners));
        },
      ),
      { numRuns: RUNS },
    );
  });

  describe("edge cases", () => {
    const bids = [100n, 90n, 80n, 70n, 60n].map((pricePerMiB, i) => ({ channelId: channel(i + 1), pricePerMiB }));
    const run = (slots: number, reserve: bigint, b = bids) =>
      runAuction(b, { slots, reserve, round: 1, tieBreakKey: KEY });

    it("k highest win and pay the (k+1)-th bid", () => {
      const r = run(2, 0n);
      expect(r.winners).to.deep.equal([channel(1), channel(2)]);
      expect(r.losers).to.deep.equal([channel(3), channel(4), channel(5)]);
      expect(r.clearingPrice).to.equal(80n);
    });
    it("the reserve sets the price when the highest losing bid is below it", () => {
      expect(run(2, 85n)).to.include({ clearingPrice: 85n });
      expect(run(2, 85n).winners).to.deep.equal([channel(1), channel(2)]);
    });
    it("bids below the reserve never win, even with slots free", () => {
      const r = run(4, 85n);
      expect(r.winners).to.deep.equal([channel(1), channel(2)]);
      expect(r.clearingPrice).to.equal(85n);
    });
    it("a reserve above every bid sells nothing", () => {
      const r = run(4, 101n);
      expect(r.winners).to.deep.equal([]);
      expect(r.clearingPrice).to.equal(101n);
    });
    it("k = 0 sells nothing", () => {
      expect(run(0, 0n).winners).to.deep.equal([]);
      expect(run(0, 0n).losers).to.have.length(5);
    });
    it("more slots than bidders: everyone wins at the reserve", () => {
      expect(run(9, 10n)).to.deep.include({ winners: bids.map((b) => b.channelId), clearingPrice: 10n });
      expect(run(9, 0n).clearingPrice).to.equal(0n);
    });
    it("no bids: nothing sold, price is the reserve", () => {
      expect(run(4, 3n, [])).to.deep.equal({ round: 1, winners: [], losers: [], clearingPrice: 3n });
    });
    it("zero bids and a zero reserve work (a free slot is still a slot)", () => {
      const zero = [{ channelId: channel(1), pricePerMiB: 0n }];
      expect(run(1, 0n, zero)).to.deep.include({ winners: [channel(1)], clearingPrice: 0n });
    });
    it("a tie at the last slot: winners pay their own bid, so tying earns nothing extra", () => {
      const tied = [50n, 40n, 40n, 40n].map((pricePerMiB, i) => ({ channelId: channel(i + 1), pricePerMiB }));
      const r = run(2, 0n, tied);
      expect(r.winners[0]).to.equal(channel(1));
      expect(r.winners).to.have.length(2);
      expect(r.clearingPrice).to.equal(40n);
    });
    it("amounts above 2^53 keep every digit", () => {
      const big = [10n ** 24n + 3n, 10n ** 24n + 2n, 10n ** 24n + 1n].map((pricePerMiB, i) => ({
        channelId: channel(i + 1),
        pricePerMiB,
      }));
      expect(run(2, 0n, big).clearingPrice).to.equal(10n ** 24n + 1n);
    });
    it("refuses a second bid from the same channel, a negative or non-bigint price, and bad settings", () => {
      expect(() => run(2, 0n, [...bids, { channelId: channel(1), pricePerMiB: 1n }])).to.throw(
        InvalidBidError,
        "one bid per channel",
      );
      expect(() => run(2, 0n, [{ channelId: channel(1), pricePerMiB: -1n }])).to.throw(
        InvalidBidError,
        "pricePerMiB is -1n",
      );
      expect(() => run(2, 0n, [{ channelId: channel(1), pricePerMiB: 5 as unknown as bigint }])).to.throw(
        InvalidBidError,
      );
      expect(() => run(-1, 0n)).to.throw(InvalidMarketConfigError, "slots is -1");
      expect(() => run(1.5, 0n)).to.throw(InvalidMarketConfigError);
      expect(() => run(2, -1n)).to.throw(InvalidMarketConfigError, "reserve is -1n");
    });
  });

  it("ties break fairly: over 4,000 rounds each of 4 equal bidders wins its share of 2 slots", () => {
    const equal = [1, 2, 3, 4].map((i) => ({ channelId: channel(i), pricePerMiB: 5n }));
    const wins = new Map(equal.map((b) => [b.channelId, 0]));
    for (let round = 0; round < 4000; round++) {
      for (const w of runAuction(equal, { slots: 2, reserve: 0n, round, tieBreakKey: KEY }).winners) {
        wins.set(w, wins.get(w)! + 1);
      }
    }
    // Expected 2,000 each; a fair coin's standard deviation here is ~32, so 1,850..2,150 is > 4.5 sigma.
    for (const [id, n] of wins) expect(n, `${id} won ${n} of 4,000 rounds`).to.be.within(1850, 2150);
  });

  it("ties break by the seeder's key: another key gives another order", () => {
    const equal = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ channelId: channel(i), pricePerMiB: 5n }));
    const a = runAuction(equal, { slots: 3, reserve: 0n, round: 9, tieBreakKey: KEY }).winners;
    const b = runAuction(equal, { slots: 3, reserve: 0n, round: 9, tieBreakKey: new Uint8Array(32).fill(8) }).winners;
    expect(a).to.have.length(3);
    expect(a).to.not.deep.equal(b);
  });
});
