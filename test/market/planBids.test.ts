import { expect } from "chai";
import { InvalidBiddingStrategyError, planBids, type SeederView } from "../../src/market";

const BTT = 10n ** 18n;
const value = 2n * BTT; // the user's "speed boost": 2 BTT per MiB at most

const seeder = (seederId: string, expectedMiBPerRound: number, last?: SeederView["last"]): SeederView => ({
  seederId,
  expectedMiBPerRound,
  last,
});

describe("market: a leecher's bids (planBids)", () => {
  it("bids its value, never less, to several seeders at once, for one round", () => {
    const { bids } = planBids({
      maxPricePerMiB: value,
      budget: 1000n * BTT,
      round: 7,
      seeders: [seeder("a", 5), seeder("b", 5), seeder("c", 5)],
    });
    expect(bids).to.deep.equal(
      ["a", "b", "c"].map((seederId) => ({ seederId, pricePerMiB: value, fromRound: 7, untilRound: 7 })),
    );
  });

  it("keeps seeders where it won (cheapest first), then tries new ones (fastest first), then retries", () => {
    const seeders = [
      seeder("lost-tie", 9, { round: 6, won: false, clearingPrice: value }),
      seeder("new-slow", 1),
      seeder("won-dear", 2, { round: 6, won: true, clearingPrice: BTT }),
      seeder("new-fast", 8),
      seeder("won-cheap", 2, { round: 6, won: true, clearingPrice: BTT / 2n }),
    ];
    const { bids, skipped } = planBids({
      maxPricePerMiB: value,
      budget: 1000n * BTT,
      round: 7,
      seeders,
      maxSeeders: 4,
    });
    expect(bids.map((b) => b.seederId)).to.deep.equal(["won-cheap", "won-dear", "new-fast", "new-slow"]);
    expect(skipped).to.deep.equal([{ seederId: "lost-tie", reason: "limit" }]);
  });

  it("moves demand away from a seeder whose price is above its value, and comes back after the wait", () => {
    const dear = seeder("dear", 5, { round: 10, won: false, clearingPrice: value + 1n });
    const now = planBids({
      maxPricePerMiB: value,
      budget: 1000n * BTT,
      round: 11,
      seeders: [dear, seeder("other", 5)],
      retryAfterRounds: 3,
    });
    expect(now.bids.map((b) => b.seederId)).to.deep.equal(["other"]);
    expect(now.skipped).to.deep.equal([{ seederId: "dear", reason: "priced-out" }]);
    const later = planBids({
      maxPricePerMiB: value,
      budget: 1000n * BTT,
      round: 14,
      seeders: [dear],
      retryAfterRounds: 3,
    });
    expect(later.bids.map((b) => b.seederId)).to.deep.equal(["dear"]);
  });

  it("never commits more than the budget even if it wins everywhere at its full bid", () => {
    // Each seeder: 5 MiB × 2 BTT = 10 BTT worst case; 25 BTT covers two.
    const { bids, skipped } = planBids({
      maxPricePerMiB: value,
      budget: 25n * BTT,
      round: 1,
      seeders: [seeder("a", 5), seeder("b", 5), seeder("c", 5)],
    });
    expect(bids.map((b) => b.seederId)).to.deep.equal(["a", "b"]);
    expect(skipped).to.deep.equal([{ seederId: "c", reason: "budget" }]);
    expect(
      planBids({ maxPricePerMiB: value, budget: 9n * BTT, round: 1, seeders: [seeder("a", 5)] }).bids,
    ).to.deep.equal([]);
    // A budget of exactly one worst case is enough, and fractions of a MiB round up, never down.
    expect(
      planBids({ maxPricePerMiB: value, budget: 10n * BTT, round: 1, seeders: [seeder("a", 5)] }).bids,
    ).to.have.length(1);
    // 3 per MiB × 1.5 MiB = 4.5, counted as 5.
    expect(planBids({ maxPricePerMiB: 3n, budget: 4n, round: 1, seeders: [seeder("a", 1.5)] }).bids).to.deep.equal([]);
    expect(planBids({ maxPricePerMiB: 3n, budget: 5n, round: 1, seeders: [seeder("a", 1.5)] }).bids).to.have.length(1);
  });

  it("refuses settings it cannot follow", () => {
    const base = { maxPricePerMiB: value, budget: BTT, round: 1, seeders: [seeder("a", 1)] };
    expect(() => planBids({ ...base, maxPricePerMiB: -1n })).to.throw(
      InvalidBiddingStrategyError,
      "maxPricePerMiB is -1n",
    );
    expect(() => planBids({ ...base, budget: -1n })).to.throw(InvalidBiddingStrategyError, "budget");
    expect(() => planBids({ ...base, maxSeeders: 0 })).to.throw(InvalidBiddingStrategyError, "maxSeeders is 0");
    expect(() => planBids({ ...base, seeders: [seeder("a", NaN)] })).to.throw(
      InvalidBiddingStrategyError,
      "expectedMiBPerRound",
    );
  });
});
