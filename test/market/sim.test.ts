import { expect } from "chai";
import { SCHEMES, generatePeers, type Scenario } from "../../scripts/sim/scenario";
import { SMOKE_SCENARIO } from "../../scripts/sim/scenarios";
import { simulate, type SimResult } from "../../scripts/sim/swarm";

// The swarm simulator's smoke run: small swarms (60 leechers, 32 pieces), fixed seeds, and
// structural facts any correct run must show. The comparisons that `npm run sim` reports at
// full size are not asserted here; only that paying buys speed under the auction at all.

const run = (s: Scenario, scheme: (typeof SCHEMES)[number]): SimResult => simulate(s, scheme, generatePeers(s));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("market: swarm simulator (smoke)", () => {
  let results: SimResult[] = [];
  before(() => {
    results = SCHEMES.map((scheme) => run(SMOKE_SCENARIO, scheme));
  });
  const fileBytes = SMOKE_SCENARIO.pieces * SMOKE_SCENARIO.pieceBytes;

  it("with the original seeder staying, every leecher finishes in every scheme, receiving each piece exactly once", () => {
    for (const r of results) {
      expect(r.unfinishedPayers + r.unfinishedNonPayers, r.scheme).to.equal(0);
      expect(r.payerTimes.length + r.nonPayerTimes.length, r.scheme).to.equal(SMOKE_SCENARIO.peers);
      expect(r.bytes.total, r.scheme).to.equal(SMOKE_SCENARIO.peers * fileBytes);
      for (const t of [...r.payerTimes, ...r.nonPayerTimes]) expect(t, r.scheme).to.be.greaterThan(0);
    }
    // Both classes are present, or the comparisons below would say nothing.
    expect(results[0].payerTimes.length).to.be.at.least(10);
    expect(results[0].nonPayerTimes.length).to.be.at.least(10);
  });

  it("money: what payers spent is what sellers earned; no payer above its budget or its value per MiB", () => {
    for (const r of results) {
      expect(r.spent, r.scheme).to.equal(r.revenue);
      expect(r.overBudget, r.scheme).to.equal(0);
      expect(r.aboveValue, r.scheme).to.equal(0);
    }
    const [bittorrent, fixed, auction] = results;
    expect(bittorrent.revenue).to.equal(0n);
    expect(bittorrent.bytes.bySeedersPaid).to.equal(0);
    expect(fixed.revenue > 0n && auction.revenue > 0n).to.equal(true);
    expect(auction.bytes.bySeedersPaid).to.be.greaterThan(0);
  });

  it("is deterministic from its seed", () => {
    expect(run(SMOKE_SCENARIO, "auction")).to.deep.equal(results[SCHEMES.indexOf("auction")]);
  });

  it("under the auction payers finish no later than non-payers on average over 8 swarms, and paying buys more than under plain BitTorrent", () => {
    const ratio = (scheme: "auction" | "bittorrent") => {
      const payers: number[] = [];
      const others: number[] = [];
      for (let seed = 1; seed <= 8; seed++) {
        const r = run({ ...SMOKE_SCENARIO, seed }, scheme);
        payers.push(...r.payerTimes);
        others.push(...r.nonPayerTimes);
      }
      return mean(others) / mean(payers);
    };
    const auction = ratio("auction");
    const bittorrent = ratio("bittorrent");
    expect(auction, "non-payers' mean time over payers'").to.be.at.least(1);
    expect(auction).to.be.greaterThan(bittorrent);
  });

  it("a seeder leaving before the pieces spread loses the full copy at once, and nobody can finish", () => {
    const r = run({ ...SMOKE_SCENARIO, originLeavesAt: 10, horizonS: 1800 }, "bittorrent");
    expect(r.copyLostAfterOriginS).to.equal(0);
    expect(r.unfinishedPayers + r.unfinishedNonPayers).to.equal(SMOKE_SCENARIO.peers);
    expect(results[0].copyLostAfterOriginS, "the seeder never left").to.equal(undefined);
  });
});
