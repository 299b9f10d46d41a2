#!/usr/bin/env node
// Fails unless ChannelEscrow.sol, StorageBond.sol and every library in contracts/libraries/ have
// 100% line and branch coverage in coverage/coverage-final.json (istanbul format, written by
// `npx hardhat coverage`). Prints one row per file and, for each gap, the uncovered lines and
// branch arms.
// Usage: node scripts/check-coverage.js [--report path/to/coverage-final.json] [file.sol ...]
// Files given (relative to the repository) replace the default set.
"use strict";

const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const reportAt = args.indexOf("--report");
const reportPath = path.resolve(
  reportAt >= 0 ? args[reportAt + 1] : path.join(root, "coverage", "coverage-final.json"),
);
const chosenFiles = args.filter((a, i) => a !== "--report" && (reportAt < 0 || i !== reportAt + 1));

/** Source files (relative to the repository) that must be fully covered. */
function requiredFiles() {
  if (chosenFiles.length > 0) return chosenFiles.map((f) => f.split(path.sep).join("/"));
  const libraries = fs
    .readdirSync(path.join(root, "contracts", "libraries"))
    .filter((f) => f.endsWith(".sol"))
    .sort()
    .map((f) => `contracts/libraries/${f}`);
  return ["contracts/ChannelEscrow.sol", "contracts/StorageBond.sol", ...libraries];
}

/** Hits per executable line: solidity-coverage's line map, else the first line of each statement. */
function lineHits(entry) {
  const lines = new Map();
  if (entry.l && Object.keys(entry.l).length > 0) {
    for (const [line, hits] of Object.entries(entry.l)) lines.set(Number(line), hits);
    return lines;
  }
  for (const [id, loc] of Object.entries(entry.statementMap)) {
    lines.set(loc.start.line, Math.max(lines.get(loc.start.line) || 0, entry.s[id]));
  }
  return lines;
}

function summarise(entry) {
  const lines = lineHits(entry);
  const missedLines = [...lines].filter(([, hits]) => hits === 0).map(([line]) => line);
  const missedBranches = [];
  let branches = 0;
  for (const [id, arms] of Object.entries(entry.b)) {
    const where = entry.branchMap[id];
    arms.forEach((hits, arm) => {
      branches++;
      if (hits === 0) missedBranches.push(`line ${where.line} ${where.type} arm ${arm}`);
    });
  }
  return {
    lines: { total: lines.size, covered: lines.size - missedLines.length, missed: missedLines },
    branches: { total: branches, covered: branches - missedBranches.length, missed: missedBranches },
  };
}

const pct = ({ total, covered }) => (total === 0 ? 100 : (100 * covered) / total);
const cell = (c) => `${pct(c).toFixed(2).padStart(6)}% (${c.covered}/${c.total})`.padEnd(20);

function main() {
  if (!fs.existsSync(reportPath)) {
    console.error(`No coverage report at ${reportPath}: run \`npx hardhat coverage\` first.`);
    return 2;
  }
  const report = JSON.parse(fs.readFileSync(reportPath, "utf8"));
  // Keys are paths relative to the repository (absolute in some plugin versions): normalise them.
  const byRelative = new Map();
  for (const [file, entry] of Object.entries(report)) {
    byRelative.set(path.relative(root, path.resolve(root, file)).split(path.sep).join("/"), entry);
  }

  const width = Math.max(...requiredFiles().map((f) => f.length)) + 2;
  console.log(`${"file".padEnd(width)}${"lines".padEnd(20)}${"branches".padEnd(20)}`);
  const failures = [];
  for (const file of requiredFiles()) {
    const entry = byRelative.get(file);
    if (entry === undefined) {
      console.log(`${file.padEnd(width)}not in the report`);
      failures.push(`${file}: not in the coverage report`);
      continue;
    }
    const s = summarise(entry);
    const ok = s.lines.missed.length === 0 && s.branches.missed.length === 0;
    console.log(`${file.padEnd(width)}${cell(s.lines)}${cell(s.branches)}${ok ? "ok" : "GAP"}`);
    if (s.lines.missed.length > 0) failures.push(`${file}: uncovered lines ${s.lines.missed.join(", ")}`);
    for (const b of s.branches.missed) failures.push(`${file}: uncovered branch, ${b}`);
  }

  if (failures.length > 0) {
    console.log(`\n${failures.length} gap(s):`);
    for (const f of failures) console.log(`  ${f}`);
    return 1;
  }
  console.log(`\nAll ${requiredFiles().length} files are fully covered (lines and branches).`);
  return 0;
}

process.exitCode = main();
