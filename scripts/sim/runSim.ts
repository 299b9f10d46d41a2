/**
 * Compares plain BitTorrent, a fixed price per MiB and the bidding-round auction on the same
 * swarms (scripts/sim/scenarios.ts):
 *
 *   npm run sim                      # every scenario, writes bench/sim.json and bench/sim.svg
 *   npm run sim -- --peers 200       # a quick look at smaller swarms (prints, writes nothing)
 *   npm run sim -- --scenario NAME   # one scenario (prints, writes nothing)
 *
 * Deterministic from each scenario's seed. Prints figures; asserts nothing.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { plotCdf } from "./plotCdf";
import { summarize, summarizeReplicas } from "./metrics";
import { SCHEMES, generatePeers } from "./scenario";
import { SCENARIOS } from "./scenarios";
import { simulate, type SimResult } from "./swarm";

function main(): void {
  const at = process.argv.indexOf("--peers");
  const peersOverride = at > 0 ? Number(process.argv[at + 1]) : undefined;
  if (peersOverride !== undefined && !(Number.isInteger(peersOverride) && peersOverride >= 10)) {
    throw new Error(`--peers must be an integer >= 10, got ${process.argv[at + 1]}`);
  }
  const only = process.argv.indexOf("--scenario");
  const name = only > 0 ? process.argv[only + 1] : undefined;
  if (name !== undefined && !SCENARIOS.some((s) => s.name === name)) {
    throw new Error(`--scenario must be one of ${SCENARIOS.map((s) => s.name).join(", ")}, got ${name}`);
  }
  const scenarios = SCENARIOS.filter((s) => name === undefined || s.name === name).map((s) =>
    peersOverride ? { ...s, peers: peersOverride } : s,
  );
  const results: {
    scenario: (typeof scenarios)[number];
    runs: SimResult[];
    seconds: number[];
    replicas: ReturnType<typeof summarizeReplicas>[] | undefined;
    plotted: SimResult[];
  }[] = [];
  for (const scenario of scenarios) {
    const specs = generatePeers(scenario);
    const runs: SimResult[] = [];
    const seconds: number[] = [];
    const pooled: SimResult[] = [];
    const replicas: ReturnType<typeof summarizeReplicas>[] | undefined =
      scenario.replicas && scenario.replicas > 1 ? [] : undefined;
    for (const scheme of SCHEMES) {
      const start = process.hrtime.bigint();
      runs.push(simulate(scenario, scheme, specs));
      seconds.push(Math.round(Number(process.hrtime.bigint() - start) / 1e7) / 100);
      console.error(`${scenario.name} / ${scheme}: ${seconds[seconds.length - 1]} s`);
      if (replicas) {
        // The same scenario from other seeds: thin swarms live or die by chance, one run says little.
        const more = [runs[runs.length - 1]];
        for (let i = 1; i < scenario.replicas!; i++) {
          const again = { ...scenario, seed: scenario.seed + i };
          more.push(simulate(again, scheme, generatePeers(again)));
        }
        replicas.push(summarizeReplicas(scenario, more));
        pooled.push(pool(more));
        console.error(`${scenario.name} / ${scheme}: ${scenario.replicas} replicas`);
      }
    }
    results.push({ scenario, runs, seconds, replicas, plotted: replicas ? pooled : runs });
  }
  const json = {
    note: "Simulated, not measured: see docs/market.md for the model, its assumptions and what these numbers do and do not show.",
    scenarios: results.map(({ scenario, runs, seconds, replicas }) => ({
      ...scenario,
      originLeavesAt: Number.isFinite(scenario.originLeavesAt) ? scenario.originLeavesAt : "never",
      results: runs.map((r, i) => ({
        ...summarize(r),
        simulatedInS: seconds[i],
        ...(replicas ? { replicas: replicas[i] } : {}),
      })),
    })),
    node: process.version,
  };
  const text = JSON.stringify(json, null, 2);
  console.log(text);
  if (peersOverride === undefined && name === undefined) {
    writeFileSync(path.join(__dirname, "../../bench/sim.json"), text + "\n");
    writeFileSync(
      path.join(__dirname, "../../bench/sim.svg"),
      plotCdf(
        results.map(({ scenario, plotted }) => ({
          title: scenario.replicas ? `${scenario.name} (${scenario.replicas} seeds pooled)` : scenario.name,
          runs: plotted,
        })),
      ),
    );
  }
}

/** Several runs of one scheme as one, for the plot: download times and unfinished counts pooled. */
function pool(runs: SimResult[]): SimResult {
  return {
    ...runs[0],
    payerTimes: runs.flatMap((r) => r.payerTimes),
    nonPayerTimes: runs.flatMap((r) => r.nonPayerTimes),
    unfinishedPayers: runs.reduce((n, r) => n + r.unfinishedPayers, 0),
    unfinishedNonPayers: runs.reduce((n, r) => n + r.unfinishedNonPayers, 0),
  };
}

main();
