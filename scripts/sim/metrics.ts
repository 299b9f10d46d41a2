import { BTT, type Scenario } from "./scenario";
import type { SimResult } from "./swarm";

/** The q-quantile (nearest rank) of finished download times, or null if none finished. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const btt = (units: bigint) => Number((units * 1000n) / BTT) / 1000;
const share = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 1000);

/** What bench/sim.json reports for one scheme on one scenario. */
export function summarize(r: SimResult) {
  const median = (xs: number[]) => round1(quantile(xs, 0.5));
  const p95 = (xs: number[]) => round1(quantile(xs, 0.95));
  const payerMedian = quantile(r.payerTimes, 0.5);
  const nonPayerMedian = quantile(r.nonPayerTimes, 0.5);
  return {
    scheme: r.scheme,
    completionS: {
      payers: {
        finished: r.payerTimes.length,
        unfinished: r.unfinishedPayers,
        median: median(r.payerTimes),
        p95: p95(r.payerTimes),
      },
      nonPayers: {
        finished: r.nonPayerTimes.length,
        unfinished: r.unfinishedNonPayers,
        median: median(r.nonPayerTimes),
        p95: p95(r.nonPayerTimes),
      },
      /** Non-payers' median over payers' median: > 1 means payers finish faster. */
      payerSpeedup: payerMedian && nonPayerMedian ? Math.round((nonPayerMedian / payerMedian) * 100) / 100 : null,
    },
    revenueBtt: { allSellers: btt(r.revenue), originalSeeder: btt(r.originRevenue) },
    fullCopyAfterOriginLeftS: r.copyLostAfterOriginS ?? "kept until the horizon",
    upload: {
      totalGiB: Math.round((r.bytes.total / 2 ** 30) * 100) / 100,
      shareToNonPayers: share(r.bytes.toNonPayers, r.bytes.total),
      shareBySeeders: share(r.bytes.bySeeders, r.bytes.total),
      seedersShareUnpaid: share(r.bytes.bySeeders - r.bytes.bySeedersPaid, r.bytes.bySeeders),
      seedersShareOptimistic: share(r.bytes.bySeedersOptimistic, r.bytes.bySeeders),
    },
    rounds: r.rounds,
  };
}

/**
 * One scheme over several seeds of a scenario: how often every leecher finished, the pooled
 * download times, and how long a full copy outlived the original seeder (a run that kept it
 * counts the whole rest of the horizon).
 */
export function summarizeReplicas(s: Scenario, runs: readonly SimResult[]) {
  const rest = s.horizonS - s.originLeavesAt;
  const kept = runs.map((r) => r.copyLostAfterOriginS ?? rest);
  const leechers = runs.length * s.peers;
  const finished = runs.reduce((n, r) => n + r.payerTimes.length + r.nonPayerTimes.length, 0);
  return {
    runs: runs.length,
    seeds: `${s.seed}..${s.seed + runs.length - 1}`,
    runsWhereEveryoneFinished: runs.filter((r) => r.unfinishedPayers + r.unfinishedNonPayers === 0).length,
    shareFinished: share(finished, leechers),
    pooledMedianS: {
      payers: round1(
        quantile(
          runs.flatMap((r) => r.payerTimes),
          0.5,
        ),
      ),
      nonPayers: round1(
        quantile(
          runs.flatMap((r) => r.nonPayerTimes),
          0.5,
        ),
      ),
    },
    fullCopyAfterOriginLeftS: { median: quantile(kept, 0.5), min: Math.min(...kept), max: Math.max(...kept) },
    revenueBtt: {
      median: btt(
        runs.map((r) => r.revenue).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor((runs.length - 1) / 2)],
      ),
    },
  };
}
