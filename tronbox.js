/**
 * TronBox 4.10 configuration for seedpay. See docs/deploy.md.
 *
 * Private keys come ONLY from environment variables (never commit one):
 *   PRIVATE_KEY_SHASTA, PRIVATE_KEY_NILE, PRIVATE_KEY_MAINNET, PRIVATE_KEY_DEVELOPMENT
 * Only `development` (seedpay's devnode, `startDevnode()` / `seedpay devnode`) has a default key:
 * the devnode's first development account (public mnemonic "test test ... junk", TRON path
 * m/44'/195'/0'/0/0) — never fund it anywhere else.
 *
 * Other environment variables:
 *   TRONBOX_DEVELOPMENT_URL   devnode URL (default http://127.0.0.1:9090)
 *   TRONBOX_<NET>_URL         override fullHost of shasta / nile / mainnet (e.g. your own node)
 *   TRONBOX_FEE_LIMIT         fee limit in sun for every network (defaults below)
 *   TRONBOX_BUILD_DIR         where compiled artifacts go, inside the project
 *                             (default build/tronbox/contracts)
 *   SEEDPAY_DEPLOYMENTS_DIR   where migrations write <network>.json (default deployments/)
 *
 * The compiler settings MUST stay identical to hardhat.config.ts, so TronBox deploys the
 * bytecode the Hardhat tests run. `tronbox compile` needs ~/.tronbox/solc/soljson_v0.8.29.js:
 * run `node scripts/seed-tronbox-solc.js` once (offline-safe; copies the `solc` package).
 */
const path = require("path");

/** The devnode's account 0 (DEV_MNEMONIC, m/44'/195'/0'/0/0): a public development key. */
const DEVNODE_KEY_0 = "15f0bbb1774be40b7a8d7965d637f324bda2f711fc5726a3dcc19585c6950954";

const env = process.env;
const feeLimit = (fallback) => Number(env.TRONBOX_FEE_LIMIT || fallback);
const buildDir = env.TRONBOX_BUILD_DIR;

module.exports = {
  networks: {
    development: {
      privateKey: env.PRIVATE_KEY_DEVELOPMENT || DEVNODE_KEY_0,
      userFeePercentage: 100,
      originEnergyLimit: 10_000_000,
      feeLimit: feeLimit(1_000_000_000), // 1,000 TRX (deploying ChannelEscrow burns ~200 TRX)
      fullHost: env.TRONBOX_DEVELOPMENT_URL || "http://127.0.0.1:9090",
      network_id: "*",
    },
    shasta: {
      privateKey: env.PRIVATE_KEY_SHASTA,
      userFeePercentage: 100,
      originEnergyLimit: 10_000_000,
      feeLimit: feeLimit(1_000_000_000),
      fullHost: env.TRONBOX_SHASTA_URL || "https://api.shasta.trongrid.io",
      network_id: "2",
    },
    nile: {
      privateKey: env.PRIVATE_KEY_NILE,
      userFeePercentage: 100,
      originEnergyLimit: 10_000_000,
      feeLimit: feeLimit(1_000_000_000),
      fullHost: env.TRONBOX_NILE_URL || "https://nile.trongrid.io",
      network_id: "3",
    },
    mainnet: {
      privateKey: env.PRIVATE_KEY_MAINNET,
      userFeePercentage: 100,
      originEnergyLimit: 10_000_000,
      feeLimit: feeLimit(1_000_000_000),
      fullHost: env.TRONBOX_MAINNET_URL || "https://api.trongrid.io",
      network_id: "1",
    },
  },
  compilers: {
    solc: {
      version: "0.8.29",
      // Same as hardhat.config.ts. TronBox passes `settings` verbatim into solc's standard JSON.
      settings: {
        evmVersion: "london",
        viaIR: true,
        optimizer: { enabled: true, runs: 20000 },
      },
    },
  },
  test_directory: "test/tronbox/tronbox-tests",
  // TronBox refuses a build directory outside the project (tests use node_modules/.cache/...).
  contracts_build_directory: buildDir
    ? path.resolve(__dirname, buildDir)
    : path.join(__dirname, "build/tronbox/contracts"),
  // solc's standard-JSON input/output, next to the artifacts (TronBox's default: build/build-info).
  build_info_directory: buildDir
    ? path.resolve(__dirname, buildDir, "..", "build-info")
    : path.join(__dirname, "build/tronbox/build-info"),
};
