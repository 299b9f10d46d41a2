#!/usr/bin/env node
// Mutation testing with SuMo (@morenabarboni/sumo): `npm run mutation [-- ChannelEscrow|StorageBond ...]`.
// For each contract (default both) runs `sumo test` with sumo-config.js (SUMO_TARGET selects the
// contract and its tests), then records the result in bench/mutation.json: per contract the
// counts of killed, live (survived), equivalent, redundant, stillborn (did not compile) and
// timed-out mutants, the score killed / (killed + live + timedout), and the live mutants
// themselves (operator, line, original and replacement) so each can be killed or explained.
// `--collect` only re-reads .sumo/results/results.csv (e.g. after an interrupted run; the entry
// is then marked partial). The property tests run shortened under mutation (PROPERTY_RUNS=1,
// PROPERTY_OPS=150): every other contract test runs in full against every mutant.
"use strict";

const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const collectOnly = args.includes("--collect");
const targets = args.filter((a) => !a.startsWith("--"));
const contracts = targets.length > 0 ? targets : ["ChannelEscrow", "StorageBond"];
const out = path.join(root, "bench", "mutation.json");
const resultsCsv = path.join(root, ".sumo", "results", "results.csv");
const generatedCsv = path.join(root, ".sumo", "results", "generated.csv");

function readRows(file) {
  if (!fs.existsSync(file)) return [];
  const [header, ...lines] = fs.readFileSync(file, "utf8").split("\n");
  const names = header.replace(/;\s*$/, "").split("$");
  return lines
    .filter((l) => l.trim() !== "")
    .map((l) => Object.fromEntries(l.split("$").map((v, i) => [names[i], v.replace(/;\s*$/, "")])));
}

function collect(contract, complete) {
  const rows = readRows(resultsCsv).filter((r) => path.basename(r.File || "") === `${contract}.sol`);
  const generated = readRows(generatedCsv).filter((r) => path.basename(r.File || "") === `${contract}.sol`).length;
  const count = (status) => rows.filter((r) => r.Status === status).length;
  const killed = count("killed");
  const live = count("live");
  const timedout = count("timedout");
  const scored = killed + live + timedout;
  const version = require(path.join(root, "node_modules", "@morenabarboni", "sumo", "package.json")).version;
  return {
    tool: `@morenabarboni/sumo ${version}`,
    date: new Date().toISOString(),
    complete: complete && rows.length >= generated,
    generated,
    tested: rows.length,
    killed,
    live,
    equivalent: count("equivalent"),
    redundant: count("redundant"),
    stillborn: count("stillborn"),
    timedout,
    score: scored === 0 ? null : Math.round((killed / scored) * 10_000) / 100,
    liveMutants: rows
      .filter((r) => r.Status === "live")
      .map((r) => ({
        hash: r.Hash,
        operator: r.Operator,
        line: Number(r.StartLine),
        original: r.Original,
        replacement: r.Replacement,
      })),
  };
}

const report = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, "utf8")) : {};
report.generatedBy = "npm run mutation (scripts/mutation.js, sumo-config.js)";
report.contracts = report.contracts || {};
let failed = false;
for (const contract of contracts) {
  let complete = true;
  if (!collectOnly) {
    console.log(`== SuMo: mutating ${contract}.sol, testing with its contract tests`);
    const sumo = require.resolve("@morenabarboni/sumo/index.js");
    const run = spawnSync(process.execPath, ["-r", path.join(__dirname, "sumo-glob.js"), sumo, "test"], {
      cwd: root,
      stdio: "inherit",
      // APP_ROOT_PATH: SuMo finds the project through app-root-path; pin it to this checkout.
      env: { ...process.env, APP_ROOT_PATH: root, SUMO_TARGET: contract, PROPERTY_RUNS: "1", PROPERTY_OPS: "150" },
    });
    complete = run.status === 0;
    failed = failed || !complete;
  }
  const entry = collect(contract, complete);
  const previous = report.contracts[contract] || {};
  // Explanations of live mutants are written by hand; keep them across runs.
  if (previous.explained) entry.explained = previous.explained;
  report.contracts[contract] = entry;
  console.log(
    `${contract}: ${entry.killed} killed, ${entry.live} live, ${entry.timedout} timed out, ` +
      `${entry.stillborn} stillborn of ${entry.generated} generated (${entry.tested} tested): score ${entry.score}%`,
  );
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
process.exitCode = failed ? 1 : 0;
