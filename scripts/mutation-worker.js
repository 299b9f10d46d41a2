#!/usr/bin/env node
// Tests one mutant for scripts/mutation.js: compiles the contracts as they are on disk (the
// mutant is already written over its contract) and runs the given test files with --bail, all in
// ONE Hardhat process. SuMo's own runner spawns `npx hardhat compile` and then `npx hardhat test`
// (two npx resolutions and two Hardhat boots, the second re-checking the compile cache); this
// saves ~3 s of a ~15 s mutant on two cores.
// Exit codes: 0 every test passed (the mutant lives), 1 a test failed (killed), 3 the mutant does
// not compile (stillborn).
"use strict";

const testFiles = process.argv.slice(2);
if (testFiles.length === 0) {
  console.error("usage: node scripts/mutation-worker.js <test files in the order to run>");
  process.exit(2);
}

// As the hardhat CLI does for a TypeScript config (hardhat/internal/core/typescript-support.js):
// ts-node, transpile only, with the tsconfig's files. Then requiring hardhat boots it.
if (process.env.TS_NODE_FILES === undefined) process.env.TS_NODE_FILES = "true";
require("ts-node/register/transpile-only");
const hre = require("hardhat");

async function main() {
  try {
    await hre.run("compile", { quiet: true });
  } catch (error) {
    console.error(`stillborn: ${error.message.split("\n").slice(0, 6).join("\n")}`);
    return 3;
  }
  const failures = await hre.run("test", { testFiles, noCompile: true, bail: true });
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    // A crash of the test run (not a failed assertion) still means the mutant broke something the
    // tests rely on; report it as a failure, with the reason in the log.
    console.error(error);
    process.exit(1);
  },
);
