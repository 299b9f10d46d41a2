#!/usr/bin/env node
/*
 * Seeds TronBox's compiler cache from the `solc` npm package so `tronbox compile` works offline.
 *
 * TronBox 4.10 (node_modules/tronbox/build/components/TronSolc.js, getWrapper) loads
 * `path.join(homedir(), ".tronbox", "solc", `soljson_v${version}.js`)` and only downloads
 * (`tronbox --download-compiler`) when that file is missing. `homedir()` is the `homedir`
 * package: $HOME (%USERPROFILE% on Windows). This copies node_modules/solc/soljson.js there.
 *
 * Note: this is Ethereum's solc, not TRON's fork (tronprotocol/solidity). The seedpay contracts
 * use no TRON-only built-ins, so the bytecode is the same one the Hardhat tests run.
 *
 * Usage: node scripts/seed-tronbox-solc.js [--force]   (idempotent; prints the target path)
 */
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const VERSION = "0.8.29";

function homeDir() {
  return process.env[process.platform === "win32" ? "USERPROFILE" : "HOME"];
}

function sha256(file) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function seed({ force = false, log = console.log } = {}) {
  const solcPackage = require("solc/package.json");
  if (solcPackage.version !== VERSION) {
    throw new Error(`the solc package is ${solcPackage.version}, expected ${VERSION}: run npm ci`);
  }
  const source = require.resolve("solc/soljson.js");
  const home = homeDir();
  if (!home) throw new Error("HOME is not set: TronBox cannot find its compiler cache either");
  const dir = path.join(home, ".tronbox", "solc");
  const target = path.join(dir, `soljson_v${VERSION}.js`);
  if (!force && fs.existsSync(target) && sha256(target) === sha256(source)) {
    log(`tronbox solc ${VERSION}: already seeded at ${target}`);
    return target;
  }
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  fs.copyFileSync(source, tmp);
  fs.renameSync(tmp, target);
  log(`tronbox solc ${VERSION}: seeded ${target} from ${source}`);
  return target;
}

module.exports = { seed, VERSION };

if (require.main === module) {
  try {
    seed({ force: process.argv.includes("--force") });
  } catch (err) {
    console.error(`seed-tronbox-solc: ${err.message}`);
    process.exit(1);
  }
}
