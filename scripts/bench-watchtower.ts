/**
 * The smallest dispute window in which the EVM watchtower still claims, per fault of issue 13's
 * table (test/faults/watchtowerFaults.test.ts), through the fault proxy in front of Hardhat.
 *
 *   npx hardhat run scripts/bench-watchtower.ts
 *
 * Windows are tried from the largest down; a row stops at its first loss. Writes
 * bench/watchtower.json (BENCH_OUT to write elsewhere; BENCH_ROWS="a|b" runs the rows whose names
 * contain a or b; BENCH_WINDOWS="60,30,20" tries those windows).
 * Real time: a few minutes. The payer settles the moment the window ends, so "claimed" means the
 * tower's claim landed first.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { runTowerScenario } from "../test/faults/towerScenario";
import { EVM_FAULT_ROWS } from "../test/faults/evmFaultRows";

const WINDOWS = process.env.BENCH_WINDOWS?.split(",").map(Number) ?? [60, 45, 30, 20, 15, 10, 8, 6, 4];

async function main(): Promise<void> {
  const only = process.env.BENCH_ROWS;
  const rows: Record<string, unknown> = {};
  for (const [name, scenario] of Object.entries(EVM_FAULT_ROWS)) {
    if (only && !only.split("|").some((part) => name.includes(part))) continue;
    const tried: Record<string, string> = {};
    let smallest: number | null = null;
    // Start at the row's CI window (it must claim there) and go down; larger windows only if it does not.
    const start = WINDOWS.filter((w) => w <= scenario.window);
    const up = WINDOWS.filter((w) => w > scenario.window).reverse();
    for (const window of start) {
      const outcome = await runTowerScenario({ ...scenario, window });
      tried[window] = outcome.claimed
        ? `claimed after ${outcome.after} ms`
        : `LOST (settled after ${outcome.after} ms)`;
      console.log(`${name} | ${window} s: ${tried[window]}`);
      if (!outcome.claimed) break;
      smallest = window;
    }
    if (smallest === null) {
      for (const window of up) {
        const outcome = await runTowerScenario({ ...scenario, window });
        tried[window] = outcome.claimed
          ? `claimed after ${outcome.after} ms`
          : `LOST (settled after ${outcome.after} ms)`;
        console.log(`${name} | ${window} s: ${tried[window]}`);
        if (outcome.claimed) {
          smallest = window;
          break;
        }
      }
    }
    rows[name] = { smallestWindowClaimed: smallest, tried };
  }
  const out = process.env.BENCH_OUT ?? path.join(__dirname, "..", "bench", "watchtower.json");
  const result = {
    what: "smallest dispute window (seconds) in which the EVM watchtower still claims, per fault (issue 13)",
    how: "scripts/bench-watchtower.ts: test/faults/towerScenario.ts on Hardhat, 1 block/s, payer settles at window end",
    tower:
      "pollingInterval 250 ms, retryDelay 250 ms, maxRetryDelay 2 s, requestTimeout 2 s (10 s where stated), recheckGrace 3 s; TxSender rebroadcast 1 s, replace 4 s, timeout 15 s",
    windowsTried: WINDOWS,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    rows,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
