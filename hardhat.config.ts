import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-chai-matchers";
import "@nomicfoundation/hardhat-ethers";
import "@typechain/hardhat";
import "solidity-coverage";
// Makes coverage results independent of the checkout path (see the file).
import "./scripts/solidity-coverage-fixes";

/** Solidity version shipped by the `solc` npm package; the newest TronBox 4.10 accepts. */
const SOLC_VERSION = "0.8.29";

/** TRON Shasta's chain id (low 4 bytes of its genesis block id), so `block.chainid` matches a TRON domain. */
export const SHASTA_CHAIN_ID = 2494104990;

// No compiler downloads here: Hardhat is pointed at the solcjs build from the `solc` package.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solcPackage = require("solc/package.json") as { version: string };
  if (solcPackage.version !== SOLC_VERSION) {
    throw new Error(`the solc package is ${solcPackage.version}, expected ${SOLC_VERSION}: run npm ci`);
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: `${SOLC_VERSION}+commit.ab55807c`,
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // TVM lacks PUSH0/MCOPY/TSTORE unless recent proposals are active: stay on london.
      evmVersion: "london",
      viaIR: true,
      optimizer: { enabled: true, runs: 20_000 },
    },
  },
  networks: {
    hardhat: {
      chainId: SHASTA_CHAIN_ID,
      // The gas anchors in DESIGN.md were measured at cancun; the bytecode itself is london.
      hardfork: "cancun",
      // Enough funded accounts for 20-payer batches in tests and benchmarks.
      accounts: { count: 64 },
    },
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
