// SuMo settings for `npm run mutation` (scripts/mutation.js), one contract per run, chosen by
// SUMO_TARGET: ChannelEscrow (default) or StorageBond. Only that contract is mutated, and only the
// contract tests run against each mutant (test/contracts without bond/, or test/contracts/bond):
// the whole suite would take hours per contract on two cores. Libraries, interfaces and mocks
// are not mutated here (the libraries are held to 100% coverage by scripts/check-coverage.js).
// TCE (trivial compiler equivalence) stays off: it needs bytecodeHash "none", and the deployed
// bytecode must stay the tested one; equivalent mutants are explained in bench/mutation.json.
"use strict";

const target = process.env.SUMO_TARGET || "ChannelEscrow";
if (target !== "ChannelEscrow" && target !== "StorageBond") {
  throw new Error(`SUMO_TARGET=${target}: expected ChannelEscrow or StorageBond`);
}
const escrow = target === "ChannelEscrow";

module.exports = {
  buildDir: "artifacts",
  contractsDir: "contracts",
  testDir: escrow ? "test/contracts" : "test/contracts/bond",
  skipContracts: ["interfaces", "libraries", "test", escrow ? "StorageBond.sol" : "ChannelEscrow.sol"],
  skipTests: escrow ? ["bond"] : [],
  testingTimeOutInSec: 900,
  network: "none",
  testingFramework: "hardhat",
  minimal: false,
  tce: false,
};
