/**
 * Two fixes to solidity-coverage 0.8.16 under viaIR, loaded by hardhat.config.ts, that make
 * `npm run coverage` give the same answer on every checkout.
 *
 * 1. Hashes independent of the checkout's path. The plugin names each coverage marker
 *    `keccak256("<absolute path of the .sol file>:<counter>")[0..8]`, so a clone in another
 *    directory compiles different constants. Under viaIR the optimizer's output depends on
 *    those constants, and a marker could be found in one directory and not in another: CI
 *    once reported a branch of TokenTransfers uncovered that every local run covered. Here
 *    the marker is named after the path relative to the project root instead.
 *
 * 2. Markers found after any opcode. The plugin looks for a marker on top of the stack only
 *    when the next opcode is a PUSH, DUP or SWAP; whether the optimizer places one of those
 *    right after the marker is luck. It now looks after every opcode, and also reads a marker
 *    that the optimizer left-aligned in a word whatever its leading zero bytes.
 *
 * Both only touch the coverage instrumentation; compiled contracts and tests are unchanged.
 */
import path from "node:path";

/* eslint-disable @typescript-eslint/no-require-imports */
type Injector = { prototype: { _getHash(id: string): string; hashCounter: number } };
type Collector = {
  prototype: {
    instrumentationData: Record<string, { hits: number }>;
    lastHash: string | null;
    lastPcZeroCount: number;
    pcZeroCounter: number;
    step(info: { pc: number; opcode: { name: string }; stack: bigint[] }): void;
    _registerHash(hash: string): void;
  };
};

const ROOT = path.resolve(__dirname, "..");

function keccakPrefix(text: string): string {
  const { keccak256, toUtf8Bytes } = require("ethers") as typeof import("ethers");
  return keccak256(toUtf8Bytes(text)).slice(0, 18);
}

function load<T>(module: string): T | undefined {
  try {
    return require(module) as T;
  } catch {
    return undefined; // solidity-coverage is a dev dependency: absent in production installs.
  }
}

const Injector = load<Injector>("solidity-coverage/lib/injector");
const Collector = load<Collector>("solidity-coverage/lib/collector");

if (Injector && Collector) {
  Injector.prototype._getHash = function (this: Injector["prototype"], id: string): string {
    this.hashCounter++;
    const relative = path.isAbsolute(id) ? path.relative(ROOT, id).split(path.sep).join("/") : id;
    return keccakPrefix(`${relative}:${this.hashCounter}`);
  };

  Collector.prototype.step = function (this: Collector["prototype"], info): void {
    if (info.pc === 0) this.pcZeroCounter++;
    const top = info.stack.length > 0 ? info.stack[info.stack.length - 1] : undefined;
    if (top === undefined || top === 0n) return;
    const hex = top.toString(16);
    // A bytes8 marker is either the low 8 bytes of the word or its high 8 bytes (left-aligned).
    const candidates = hex.length <= 16 ? [hex.padStart(16, "0")] : [hex.padStart(64, "0").slice(0, 16)];
    for (const candidate of candidates) {
      const hash = `0x${candidate}`;
      if (this.instrumentationData[hash]) {
        this._registerHash(hash);
        return;
      }
    }
  };

  // The plugin's own normalisation would mangle an already exact hash; register it as it is.
  Collector.prototype._registerHash = function (this: Collector["prototype"], hash: string): void {
    const entry = this.instrumentationData[hash];
    if (!entry) return;
    // abi.encode can put a marker on the stack twice in a row: count it once per call frame.
    if (this.lastHash !== hash || this.lastPcZeroCount !== this.pcZeroCounter) {
      this.lastHash = hash;
      this.lastPcZeroCount = this.pcZeroCounter;
      entry.hits++;
    }
  };
}
