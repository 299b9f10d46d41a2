/**
 * How many requests a watchtower makes of a TRON node, against TronGrid's daily quota:
 *
 *   npm run bench:tron-requests            (BENCH_WINDOW_S=600 for a longer measurement)
 *
 * Runs the devnode in its TRON-like mode (3 s blocks, solidification 19 blocks behind, bandwidth
 * charged) and one watchtower whose connection has TronGrid's free budget (100,000 requests a
 * day), then counts every request the tower's TronHttp sends (retries included): first while
 * idle, then while it answers a unilateral close (the dispute window stays open: it polls fast
 * until its claim is confirmed, then drops back to the idle pace, re-reading the channel every
 * minute). Writes bench/tron-requests.json with requests per hour and per day, by path, and the
 * requests made until the claim landed and after it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TronChain } from "../src/chain/tron/TronChain";
import { IDLE_BUDGET_SHARE } from "../src/chain/tron/tronEventFollower";
import { startWatchtower } from "../src/channel/watchtower";
import { DIRECT_READ_BUDGET_SHARE } from "../src/channel/watchtowerDirectReads";
import type { WatchtowerEvent } from "../src/channel/watchtowerTypes";
import { setupTronTowerChannel } from "../test/tron/watchtowerSetup";

const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 300);
const REQUESTS_PER_DAY = 100_000;

type Phase = { seconds: number; requests: number; perHour: number; perDay: number; byPath: Record<string, number> };

type Summary = { perDay: number; shareOfFreeQuota: number };

/** The totals of the measurement in `file`, if there is one. */
function previousOf(file: string) {
  if (!existsSync(file)) return undefined;
  const last = JSON.parse(readFileSync(file, "utf8")) as {
    idle?: Summary;
    answeringClose?: Summary & { untilClaimed?: unknown };
    measuredAt?: string;
  };
  const pick = (p?: Summary) => p && { perDay: p.perDay, shareOfFreeQuota: p.shareOfFreeQuota };
  return {
    idle: pick(last.idle),
    answeringClose: pick(last.answeringClose),
    untilClaimed: last.answeringClose?.untilClaimed,
    measuredAt: last.measuredAt,
  };
}

async function main(): Promise<void> {
  const out = path.join(__dirname, "..", "bench", "tron-requests.json");
  const setup = await setupTronTowerChannel();
  const { node, payerChain, key, store, escrow } = setup;
  const towerChain = new TronChain({
    connection: { fullNode: node.url, requestsPerDay: REQUESTS_PER_DAY },
    privateKey: setup.towerKey,
    escrow,
  });
  const stats = towerChain.http.stats;
  const events: WatchtowerEvent[] = [];
  let atClaim: { at: number; requests: number } | undefined;
  const tower = await startWatchtower({
    chain: towerChain,
    store,
    onEvent: (e) => {
      events.push(e);
      if (e.type === "claimed") atClaim ??= { at: Date.now(), requests: stats.requests };
    },
  });

  const measure = async (label: string): Promise<Phase> => {
    const requests0 = stats.requests;
    const byPath0 = new Map(stats.byPath);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const seconds = (Date.now() - t0) / 1000;
    const requests = stats.requests - requests0;
    const byPath: Record<string, number> = {};
    for (const [p, n] of stats.byPath) {
      const d = n - (byPath0.get(p) ?? 0);
      if (d > 0) byPath[p.replace(/^v1\/contracts\/[^/]+/, "v1/contracts/{escrow}")] = d;
    }
    const perHour = Math.round((requests / seconds) * 3600);
    console.log(`${label}: ${requests} requests in ${seconds.toFixed(0)} s = ${perHour}/h, ${perHour * 24}/day`);
    return { seconds: Math.round(seconds), requests, perHour, perDay: perHour * 24, byPath };
  };

  // Past the start-up scan: the tower is idle.
  await new Promise((r) => setTimeout(r, 5_000));
  const idle = await measure("idle");
  await payerChain.startClose(key);
  const closeAt = { at: Date.now(), requests: stats.requests };
  const answering = await measure("answering a close (window open)");
  const end = { at: Date.now(), requests: stats.requests };
  const split = atClaim && {
    untilClaimed: {
      seconds: Math.round((atClaim.at - closeAt.at) / 1000),
      requests: atClaim.requests - closeAt.requests,
    },
    afterClaim: {
      seconds: Math.round((end.at - atClaim.at) / 1000),
      requests: end.requests - atClaim.requests,
      perHour: Math.round(((end.requests - atClaim.requests) / (end.at - atClaim.at)) * 3_600_000),
    },
  };
  const claimed = events.find((e) => e.type === "claimed") as Extract<WatchtowerEvent, { type: "claimed" }> | undefined;
  await tower.stop();
  await setup.node.close();

  const quota = REQUESTS_PER_DAY;
  const result = {
    setup:
      "devnode TRON-like: 3 s blocks, solidity 19 blocks behind, bandwidth charged; one watchtower, one escrow, " +
      `connection requestsPerDay ${quota} (TronGrid's free plan); idle polls paced to ${IDLE_BUDGET_SHARE * 100}% of it, ` +
      `direct reads of the channel (while the event API's newest event trails the head) to ${DIRECT_READ_BUDGET_SHARE * 100}%`,
    windowSeconds: WINDOW_S,
    idle: { ...idle, shareOfFreeQuota: Number((idle.perDay / quota).toFixed(3)) },
    answeringClose: {
      ...answering,
      shareOfFreeQuota: Number((answering.perDay / quota).toFixed(3)),
      claimed: claimed !== undefined,
      ...split,
      claimTx: claimed && {
        energy: claimed.tx.fee!.energy.toString(),
        bandwidthBytes: claimed.tx.fee!.bandwidth.toString(),
        burntSun: claimed.tx.fee!.totalSun.toString(),
      },
    },
    goal: "idle within 10% of a free TronGrid plan's daily quota (100,000 requests/day)",
    idleWithinGoal: idle.perDay <= 0.1 * quota,
    node: process.version,
    measuredAt: new Date().toISOString(),
    // The last measurement's totals, for the before/after of a change.
    previous: previousOf(out),
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
