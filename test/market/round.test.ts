import { expect } from "chai";
import fc from "fast-check";
import {
  InvalidBidError,
  InvalidMarketConfigError,
  chooseOptimistic,
  initialSeederMarketState,
  isPenalized,
  marketConfig,
  penalize,
  placeBid,
  runRound,
  standingBids,
  type RoundPeer,
  type SeederMarketState,
} from "../../src/market";
import { channel } from "./arbitraries";

const KEY = new Uint8Array(32).fill(3);
const config = marketConfig({ slots: 2 });

/** A seeder state holding one bid per channel, standing from round 1 to 20. */
function withBids(prices: bigint[]): SeederMarketState {
  let book = initialSeederMarketState.book;
  prices.forEach((pricePerMiB, i) => {
    book = placeBid(
      book,
      { channelId: channel(i + 1), pricePerMiB, fromRound: 1, untilRound: 20 },
      { nextRound: 1, config },
    );
  });
  return { ...initialSeederMarketState, book };
}

const peers = (n: number, extra: RoundPeer[] = []): RoundPeer[] => [
  ...Array.from({ length: n }, (_, i) => ({
    peerId: `peer-${i + 1}`,
    channelId: channel(i + 1),
    connectedAt: 0,
    interested: true,
  })),
  ...extra,
];

describe("market: a seeder's round", () => {
  it("k = 2: the two highest bidders get paid slots at the third-highest bid; one more peer gets the optimistic slot", () => {
    const free: RoundPeer = { peerId: "free-rider", connectedAt: 0, interested: true };
    const { outcome } = runRound(withBids([30n, 50n, 40n, 10n]), {
      round: 1,
      now: 100_000,
      peers: peers(4, [free]),
      config,
      key: KEY,
    });
    expect(outcome.paid).to.deep.equal([
      { peerId: "peer-2", channelId: channel(2) },
      { peerId: "peer-3", channelId: channel(3) },
    ]);
    expect(outcome.auction.clearingPrice).to.equal(30n);
    expect(outcome.optimistic).to.be.oneOf(["peer-1", "peer-4", "free-rider"]);
    expect(outcome.unchoked).to.have.length(3);
  });

  it("a leecher that raises its bid above a winner's takes the slot in the next round", () => {
    let state = withBids([30n, 50n, 40n]);
    const r1 = runRound(state, { round: 1, now: 10_000, peers: peers(3), config, key: KEY });
    expect(r1.outcome.paid.map((w) => w.peerId)).to.deep.equal(["peer-2", "peer-3"]);
    state = {
      ...r1.state,
      book: placeBid(
        r1.state.book,
        { channelId: channel(1), pricePerMiB: 45n, fromRound: 2, untilRound: 5 },
        { nextRound: 2, config },
      ),
    };
    const r2 = runRound(state, { round: 2, now: 20_000, peers: peers(3), config, key: KEY });
    expect(r2.outcome.paid.map((w) => w.peerId)).to.deep.equal(["peer-2", "peer-1"]);
    expect(r2.outcome.auction.clearingPrice).to.equal(40n);
  });

  it("bids count only while they stand, only for interested connected peers", () => {
    const state = withBids([30n, 50n, 40n]);
    const notInterested = peers(3).map((p) => (p.peerId === "peer-2" ? { ...p, interested: false } : p));
    const r = runRound(state, { round: 1, now: 0, peers: notInterested, config, key: KEY });
    expect(r.outcome.paid.map((w) => w.peerId)).to.deep.equal(["peer-3", "peer-1"]);
    expect(r.outcome.unchoked).to.not.include("peer-2");
    const gone = runRound(state, { round: 1, now: 0, peers: peers(1), config, key: KEY });
    expect(gone.outcome.paid.map((w) => w.peerId)).to.deep.equal(["peer-1"]);
    const expired = runRound(state, { round: 21, now: 0, peers: peers(3), config, key: KEY });
    expect(expired.outcome.paid).to.deep.equal([]);
    expect(expired.state.book.size).to.equal(0);
  });

  it("a winner that did not pay is ignored for the penalty rounds (downloading only as an unpaid peer), then counts again", () => {
    const state = withBids([30n, 50n, 40n]);
    const penalties = penalize(state.penalties, channel(2), 1, 3);
    for (let round = 2; round <= 4; round++) {
      expect(isPenalized(penalties, channel(2), round)).to.equal(true);
      const r = runRound({ ...state, penalties }, { round, now: round * 10_000, peers: peers(3), config, key: KEY });
      expect(
        r.outcome.paid.map((w) => w.peerId),
        `round ${round}`,
      ).to.deep.equal(["peer-3", "peer-1"]);
      expect(r.outcome.auction.clearingPrice).to.equal(0n);
      // It is still an unpaid peer like any other: the optimistic slot is open to it.
      expect(r.outcome.optimistic).to.equal("peer-2");
    }
    const after = runRound({ ...state, penalties }, { round: 5, now: 50_000, peers: peers(3), config, key: KEY });
    expect(after.outcome.paid.map((w) => w.peerId)).to.deep.equal(["peer-2", "peer-3"]);
    expect(after.state.penalties.size).to.equal(0);
    expect(standingBids(state.book, 3, penalties).map((b) => b.channelId)).to.not.include(channel(2));
  });

  it("the paid allocation does not depend on peer names", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 60n }), { minLength: 1, maxLength: 8 }),
        fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 8, maxLength: 8 }),
        (prices, names) => {
          const state = withBids(prices);
          const original = runRound(state, { round: 1, now: 0, peers: peers(prices.length), config, key: KEY });
          const renamed = peers(prices.length).map((p, i) => ({ ...p, peerId: names[i] }));
          const again = runRound(state, { round: 1, now: 0, peers: renamed, config, key: KEY });
          expect(again.outcome.paid.map((w) => w.channelId)).to.deep.equal(
            original.outcome.paid.map((w) => w.channelId),
          );
          expect(again.outcome.auction.clearingPrice).to.equal(original.outcome.auction.clearingPrice);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("placeBid refuses malformed bids and bids for cleared or far rounds, and replaces a channel's earlier bid", () => {
    const ok = { channelId: channel(1), pricePerMiB: 5n, fromRound: 3, untilRound: 4 };
    const at = { nextRound: 3, config };
    expect(() => placeBid(new Map(), { ...ok, channelId: "0x12" }, at)).to.throw(InvalidBidError, "channelId");
    expect(() => placeBid(new Map(), { ...ok, pricePerMiB: -1n }, at)).to.throw(InvalidBidError, "pricePerMiB is -1n");
    expect(() => placeBid(new Map(), { ...ok, fromRound: 2 }, at)).to.throw(
      InvalidBidError,
      "an integer >= 3 (the next round)",
    );
    expect(() => placeBid(new Map(), { ...ok, untilRound: 2 }, at)).to.throw(InvalidBidError, "untilRound");
    expect(() => placeBid(new Map(), { ...ok, untilRound: 3 + config.maxBidRounds }, at)).to.throw(
      InvalidBidError,
      `from 3 to ${2 + config.maxBidRounds}`,
    );
    const book = placeBid(
      placeBid(new Map(), ok, at),
      { ...ok, channelId: channel(1).toUpperCase().replace("0X", "0x"), pricePerMiB: 9n },
      at,
    );
    expect([...book.values()]).to.deep.equal([{ ...ok, pricePerMiB: 9n }]);
  });

  it("marketConfig fills BitTorrent's defaults and refuses settings it cannot run", () => {
    expect(marketConfig()).to.include({ slots: 4, roundMs: 10_000, optimisticMs: 30_000 });
    expect(() => marketConfig({ slots: -1 })).to.throw(InvalidMarketConfigError, "slots is -1");
    expect(() => marketConfig({ roundMs: 0 })).to.throw(InvalidMarketConfigError, "roundMs");
    expect(() => marketConfig({ reserve: -5n })).to.throw(InvalidMarketConfigError, "reserve is -5n");
  });
});

describe("market: the optimistic slot", () => {
  const candidates = (n: number, connectedAt = 0) =>
    Array.from({ length: n }, (_, i) => ({ peerId: `p${i}`, connectedAt }));

  it("is held 30 s, then passed to someone else", () => {
    const first = chooseOptimistic(
      { peerId: undefined, since: 0 },
      { now: 100_000, candidates: candidates(5), optimisticMs: 30_000, key: KEY },
    );
    expect(first.peerId).to.be.a("string");
    const held = chooseOptimistic(first, { now: 129_999, candidates: candidates(5), optimisticMs: 30_000, key: KEY });
    expect(held).to.equal(first);
    const next = chooseOptimistic(first, { now: 130_000, candidates: candidates(5), optimisticMs: 30_000, key: KEY });
    expect(next.peerId).to.not.equal(first.peerId);
    expect(next.since).to.equal(130_000);
  });

  it("moves on at once when its holder wins a paid slot or leaves, and stays empty with nobody to take it", () => {
    const first = chooseOptimistic(
      { peerId: undefined, since: 0 },
      { now: 0, candidates: candidates(3), optimisticMs: 30_000, key: KEY },
    );
    const others = candidates(3).filter((c) => c.peerId !== first.peerId);
    expect(
      chooseOptimistic(first, { now: 10_000, candidates: others, optimisticMs: 30_000, key: KEY }).peerId,
    ).to.be.oneOf(others.map((c) => c.peerId));
    expect(chooseOptimistic(first, { now: 10_000, candidates: [], optimisticMs: 30_000, key: KEY }).peerId).to.equal(
      undefined,
    );
  });

  it("reaches every waiting peer, and favours newcomers about 3 to 1", () => {
    const now = 1_000_000;
    const pool = [...candidates(6, 0), { peerId: "new", connectedAt: now - 5_000 }];
    const picks = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const pick = chooseOptimistic(
        { peerId: undefined, since: 0 },
        {
          now: now + i,
          candidates: pool.map((c) => ({ ...c, connectedAt: c.peerId === "new" ? now + i - 5_000 : 0 })),
          optimisticMs: 30_000,
          key: KEY,
        },
      ).peerId!;
      picks.set(pick, (picks.get(pick) ?? 0) + 1);
    }
    // Weights 3 : 1 × 6, so the newcomer is expected 3/9 = 1,000 times, each other 333 times.
    expect(picks.get("new")).to.be.within(880, 1120);
    for (let i = 0; i < 6; i++) expect(picks.get(`p${i}`), `p${i}`).to.be.within(250, 420);
  });
});
