/**
 * The auction's cost per round for 1,000 bidders:
 *
 *   npm run bench:market
 *
 * Writes bench/market.json: median and p99 µs per call over many rounds (after a warm-up), for
 * runAuction with k = 4 on distinct random prices (18-decimal amounts, far above 2^53), the worst
 * case where every bid is equal (every bid needs its keyed tie-break hash), and a whole seeder
 * round (runRound: prune, standing bids, auction, optimistic slot) with 1,000 connected peers.
 * Prints figures; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import {
  initialSeederMarketState,
  marketConfig,
  placeBid,
  runAuction,
  runRound,
  type RoundPeer,
  type SealedBid,
  type SeederMarketState,
} from "../src/market";

const BIDDERS = 1000;
const ROUNDS = 2000;
const WARMUP = 200;
const KEY = randomBytes(32);
const BTT = 10n ** 18n;

function channelIds(n: number): string[] {
  return Array.from({ length: n }, () => "0x" + randomBytes(32).toString("hex"));
}

/** Random prices between 0.001 and ~1 BTT per MiB, fresh each round so nothing is cached. */
function randomBids(ids: string[]): SealedBid[] {
  return ids.map((channelId) => ({
    channelId,
    pricePerMiB: (BigInt(1 + Math.floor(Math.random() * 1e6)) * BTT) / 1_000_000n,
  }));
}

function measure(rounds: number, run: (round: number) => unknown): { medianMicros: number; p99Micros: number } {
  for (let i = 0; i < WARMUP; i++) run(i);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    run(WARMUP + i);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
  return { medianMicros: at(0.5), p99Micros: at(0.99) };
}

function main(): void {
  const ids = channelIds(BIDDERS);
  const bidSets = Array.from({ length: 16 }, () => randomBids(ids));
  const distinct = measure(ROUNDS, (round) =>
    runAuction(bidSets[round % bidSets.length], { slots: 4, reserve: BTT / 1000n, round, tieBreakKey: KEY }),
  );
  const tied = ids.map((channelId) => ({ channelId, pricePerMiB: BTT }));
  const allTied = measure(ROUNDS / 10, (round) => runAuction(tied, { slots: 4, reserve: 0n, round, tieBreakKey: KEY }));

  const config = marketConfig();
  let state: SeederMarketState = initialSeederMarketState;
  for (const bid of bidSets[0]) {
    state = {
      ...state,
      book: placeBid(
        state.book,
        { ...bid, fromRound: 0, untilRound: config.maxBidRounds - 1 },
        { nextRound: 0, config },
      ),
    };
  }
  const peers: RoundPeer[] = ids.map((channelId, i) => ({
    peerId: `peer-${i}`,
    channelId,
    connectedAt: 0,
    interested: true,
  }));
  // A fresh draw every round is the optimistic slot's worst case (it rotates every 3rd round).
  const wholeRound = measure(config.maxBidRounds - 1, (round) =>
    runRound(state, {
      round: round % (config.maxBidRounds - 1),
      now: round * config.optimisticMs,
      peers,
      config,
      key: KEY,
    }),
  );
  const roundNoRotation = measure(config.maxBidRounds - 1, (round) =>
    runRound(
      { ...state, optimistic: { peerId: "peer-999", since: 0 } },
      { round: round % (config.maxBidRounds - 1), now: 1, peers, config, key: KEY },
    ),
  );

  const result = {
    bidders: BIDDERS,
    slots: 4,
    runAuction: { distinctRandomPrices: distinct, allBidsEqual: allTied },
    runRound: { withOptimisticRotation: wholeRound, withoutRotation: roundNoRotation },
    node: process.version,
    note: `µs per call, median and p99 of ${ROUNDS} rounds (all-equal: ${ROUNDS / 10}; runRound: ${config.maxBidRounds - 1}) after ${WARMUP} warm-up calls; one thread; ${cpus().length} cores, ${cpus()[0]?.model.trim()}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(path.join(__dirname, "../bench/market.json"), JSON.stringify(result, null, 2) + "\n");
}

main();
