/**
 * The smallest dispute window in which the watchtower still claims, per fault of issue 13's table:
 * EVM rows (test/faults/watchtowerFaults.test.ts) through the fault proxy in front of Hardhat, TRON
 * rows (test/faults/tronWatchtowerFaults.test.ts) through the TRON fault proxy in front of the
 * devnode in its TRON-like mode (3 s blocks).
 *
 *   npm run bench:watchtower          (npx hardhat run scripts/bench-watchtower.ts)
 *
 * Windows are tried from the row's CI window down; a row stops at its first loss. Writes
 * bench/watchtower.json (BENCH_OUT to write elsewhere; BENCH_ROWS="a|b" runs the rows whose names
 * contain a or b, keeping the others' last results; BENCH_WINDOWS="60,30,20" tries those windows on
 * EVM, BENCH_TRON_WINDOWS on TRON). Each row's previous smallest window is kept as `previous`.
 * Real time: about a quarter of an hour. The payer settles the moment the window ends, so
 * "claimed" means the tower's claim landed first.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runTowerScenario } from "../test/faults/towerScenario";
import { EVM_FAULT_ROWS } from "../test/faults/evmFaultRows";
import { TRON_FAULT_ROWS } from "../test/faults/tronFaultRows";
import { runTronTowerScenario } from "../test/faults/tronTowerScenario";

const WINDOWS = process.env.BENCH_WINDOWS?.split(",").map(Number) ?? [60, 45, 30, 20, 15, 10, 8, 6, 4];
const TRON_WINDOWS = process.env.BENCH_TRON_WINDOWS?.split(",").map(Number) ?? [90, 60, 45, 30, 20, 15, 10];

type Row = { smallestWindowClaimed: number | null; tried: Record<string, string>; previous?: number | null };
type Scenario = { window: number };

async function main(): Promise<void> {
  const only = process.env.BENCH_ROWS;
  const out = process.env.BENCH_OUT ?? path.join(__dirname, "..", "bench", "watchtower.json");
  const existing = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {};
  const rows: Record<string, Row> = { ...existing.rows };
  const table: (readonly [string, Scenario, number[], (s: Scenario) => Promise<Outcome>])[] = [
    ...Object.entries(EVM_FAULT_ROWS).map(
      ([name, s]) => [name, s, WINDOWS, (w: Scenario) => runTowerScenario({ ...s, ...w })] as const,
    ),
    ...Object.entries(TRON_FAULT_ROWS).map(
      ([name, s]) => [name, s, TRON_WINDOWS, (w: Scenario) => runTronTowerScenario({ ...s, ...w })] as const,
    ),
  ];
  for (const [name, scenario, windows, run] of table) {
    if (only && !only.split("|").some((part) => name.includes(part))) continue;
    const tried: Record<string, string> = {};
    let smallest: number | null = null;
    // Start at the row's CI window (it must claim there) and go down; larger windows only if it does not.
    const start = windows.filter((w) => w <= scenario.window);
    const up = windows.filter((w) => w > scenario.window).reverse();
    for (const window of start) {
      const outcome = await run({ ...scenario, window });
      tried[window] = outcome.claimed
        ? `claimed after ${outcome.after} ms`
        : `LOST (settled after ${outcome.after} ms)`;
      console.log(`${name} | ${window} s: ${tried[window]}`);
      if (!outcome.claimed) break;
      smallest = window;
    }
    if (smallest === null) {
      for (const window of up) {
        const outcome = await run({ ...scenario, window });
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
    const previous = (existing.rows?.[name] as Row | undefined)?.smallestWindowClaimed;
    rows[name] = { smallestWindowClaimed: smallest, tried, ...(previous !== undefined && { previous }) };
  }
  const result = {
    what: "smallest dispute window (seconds) in which the watchtower still claims, per fault (issue 13)",
    how:
      "scripts/bench-watchtower.ts: EVM rows test/faults/towerScenario.ts on Hardhat, 1 block/s; TRON rows " +
      "test/faults/tronTowerScenario.ts on the devnode's TRON-like mode, 3 s blocks; the payer settles at window end. " +
      "TRON times count from the payer's startClose call, so they include the close's own block (up to 3 s), " +
      "and the payer's settle needs a block after the window's end: a claim can land a few seconds after " +
      "`window` and still be first",
    tower:
      "EVM: pollingInterval 250 ms, retryDelay 250 ms, maxRetryDelay 2 s, requestTimeout 2 s (10 s where stated), " +
      "recheckGrace 3 s; TxSender rebroadcast 1 s, replace 4 s, timeout 15 s. TRON: pollingInterval 500 ms, " +
      "retryDelay 250 ms, maxRetryDelay 2 s, requestTimeout 2 s, recheckGrace 3 s; TronChain pollingInterval " +
      "250 ms, rebroadcast 6 s (default), a loopback node (no request budget: while the event API lags the head, " +
      "the channel is also read directly every pollingInterval)",
    windowsTried: { evm: WINDOWS, tron: TRON_WINDOWS },
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    rows,
    before: existing.before,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

type Outcome = { claimed: boolean; after: number };

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
