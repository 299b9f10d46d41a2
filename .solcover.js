// solidity-coverage settings for `npx hardhat coverage --testfiles 'test/contracts/**/*.ts'`.
// The build uses viaIR: the plugin then keeps the optimizer on and instruments with
// `abi.encode(bytes8)` markers, which compiles these contracts as they are (no
// configureYulOptimizer / irMinimum needed). Gate: `node scripts/check-coverage.js`.
module.exports = {
  // Mocks (contracts/test/) are test doubles, not shipped code.
  skipFiles: ["test/"],
  // "json" writes coverage/coverage-final.json, which scripts/check-coverage.js reads.
  istanbulReporter: ["html", "lcov", "text", "json"],
};
