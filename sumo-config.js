// SuMo settings for `npm run mutation` (scripts/mutation.js), one contract at a time, chosen by
// SUMO_TARGET: ChannelEscrow (default) or StorageBond. Only that contract is mutated, and only the
// contract tests run against each mutant (test/contracts without bond/, or test/contracts/bond):
// the whole suite would take hours per contract on two cores. `testOrder` (ours, not SuMo's) is
// the order scripts/mutation.js runs the test files in under --bail: the files that exercise the
// most of the contract per second first, the slow hostile-token and property tests last, so a
// killed mutant usually costs a few seconds of tests, not the whole ~15 s. Libraries, interfaces and mocks
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
  testOrder: escrow
    ? [
        "claim.test.ts",
        "cooperativeClose.test.ts",
        "open.test.ts",
        "unilateralClose.test.ts",
        "settle.test.ts",
        "topUp.test.ts",
        "guards.test.ts",
        "batch.test.ts",
        "signatures.test.ts",
        "hookedToken.test.ts",
        "hostileTokens.test.ts",
        "property.test.ts",
      ]
    : [
        "accept.test.ts",
        "cancel.test.ts",
        "challenge.test.ts",
        "respond.test.ts",
        "slash.test.ts",
        "finish.test.ts",
        "withdraw.test.ts",
        "offer.test.ts",
        "acceptTraps.test.ts",
        "earnings.test.ts",
        "payouts.test.ts",
        "solvency.test.ts",
        "hostileTokens.test.ts",
        "keeper.test.ts",
        "property.test.ts",
        "bep52Property.test.ts",
      ],
  // The unmutated contract's tests take ~20 s; a mutant that needs 5 minutes loops (or hangs).
  testingTimeOutInSec: 300,
  network: "none",
  testingFramework: "hardhat",
  minimal: false,
  tce: false,
};
