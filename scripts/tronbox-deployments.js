/*
 * Shared by migrations/2_deploy_seedpay.js (TronBox) and scripts/deploy.ts (TronWeb):
 * the deployments/<network>.json record format, read-back of deployed code, chain ids.
 * Plain CommonJS so TronBox migrations can require it. See deployments/README.md.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { keccak256 } = require("ethers");

/** TRON chain ids: the low 4 bytes of each network's genesis block id (DESIGN.md). */
const CHAIN_IDS = { mainnet: 728126428, shasta: 2494104990, nile: 3448148188, development: 2494104990 };
/** BTT on TRON mainnet (TRC-20, 18 decimals). The TRC-10 BTT (1002000) is not supported. */
const MAINNET_BTT = "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4";
/** ChannelEscrow constructor: dispute window bounds in seconds (1 hour .. 30 days). */
const MIN_DISPUTE_WINDOW = 3600;
const MAX_DISPUTE_WINDOW = 2592000;
const TEST_TOKEN_ARGS = ["Test BTT", "tBTT"];
/** Must equal hardhat.config.ts and tronbox.js. */
const COMPILER = {
  version: "0.8.29",
  settings: { evmVersion: "london", viaIR: true, optimizer: { enabled: true, runs: 20000 } },
};

function deploymentsDir() {
  return path.resolve(process.env.SEEDPAY_DEPLOYMENTS_DIR || path.join(__dirname, "..", "deployments"));
}

function deploymentPath(network) {
  return path.join(deploymentsDir(), `${network}.json`);
}

function readDeployment(network) {
  const file = deploymentPath(network);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

function writeDeployment(record) {
  const file = deploymentPath(record.network);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
  fs.renameSync(tmp, file);
  return file;
}

/** Chain id as TRON defines it: the low 4 bytes of the genesis block id. */
async function readChainId(tronWeb) {
  const genesis = await tronWeb.trx.getBlockByNumber(0);
  if (!genesis || !genesis.blockID) throw new Error("cannot read the genesis block to get the chain id");
  return parseInt(genesis.blockID.slice(-8), 16);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits for a transaction's info (it is mined), fails loudly on anything but SUCCESS. */
async function waitForTransactionInfo(tronWeb, txId, { timeoutMs = 90_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await tronWeb.trx.getUnconfirmedTransactionInfo(txId).catch(() => ({}));
    if (info && info.id) {
      const ret = info.receipt && info.receipt.result;
      if (info.result === "FAILED" || (ret && ret !== "SUCCESS")) {
        const msg = info.resMessage ? Buffer.from(info.resMessage, "hex").toString() : "";
        throw new Error(`transaction ${txId} failed: ${ret || info.result} ${msg}`.trim());
      }
      return info;
    }
    if (Date.now() > deadline) throw new Error(`transaction ${txId} not mined after ${timeoutMs / 1000} s`);
    await sleep(1000);
  }
}

/**
 * One contract entry of deployments/<network>.json: reads the runtime code back from the chain
 * (codeHash = keccak256 of it) and the block from the transaction info.
 */
async function contractRecord(tronWeb, { address, txId, constructorArgs }) {
  const hex = tronWeb.address.toHex(address);
  let block = null;
  if (txId) block = (await waitForTransactionInfo(tronWeb, txId)).blockNumber;
  const contract = await tronWeb.trx.getContract(hex);
  if (!contract || !contract.bytecode) throw new Error(`no contract code at ${tronWeb.address.fromHex(hex)}`);
  return {
    address: tronWeb.address.fromHex(hex),
    hex,
    txId: txId || null,
    block,
    codeHash: keccak256("0x" + contract.bytecode.replace(/^0x/, "")),
    constructorArgs: constructorArgs.map((a) => (typeof a === "bigint" ? a.toString() : a)),
  };
}

/** Strips solc's trailing CBOR metadata (its length is the last 2 bytes) from hex bytecode. */
function stripMetadata(bytecode) {
  const hex = bytecode.replace(/^0x/, "").toLowerCase();
  const length = parseInt(hex.slice(-4), 16);
  if (!Number.isFinite(length) || length * 2 + 4 > hex.length) return hex;
  return hex.slice(0, hex.length - 4 - length * 2);
}

module.exports = {
  CHAIN_IDS,
  MAINNET_BTT,
  MIN_DISPUTE_WINDOW,
  MAX_DISPUTE_WINDOW,
  TEST_TOKEN_ARGS,
  COMPILER,
  deploymentsDir,
  deploymentPath,
  readDeployment,
  writeDeployment,
  readChainId,
  waitForTransactionInfo,
  contractRecord,
  stripMetadata,
};
