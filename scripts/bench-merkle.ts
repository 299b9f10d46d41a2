/**
 * BEP 52 tree-building throughput on one 256 MiB file:
 *
 *   node -r ts-node/register/transpile-only scripts/bench-merkle.ts [directory for the file]
 *
 * Writes bench/merkle.json as MiB/s (median of 5 runs, after a warm-up): from the file's path
 * (streamed reads; the file was just written, so it is in the page cache: this measures
 * hashing, not the disk), with and without keeping the leaves, and from one in-memory buffer.
 * Prints figures; asserts nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { buildMerkleTree } from "../src/storage";

const MIB = 1024 * 1024;
const SIZE_MIB = 256;
const RUNS = 5;

async function mibPerSecond(run: () => Promise<unknown>): Promise<number> {
  await run();
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await run();
    rates.push(SIZE_MIB / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return Math.round(rates[Math.floor(RUNS / 2)]);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(process.argv[2] ?? tmpdir(), "seedpay-bench-merkle-"));
  try {
    const file = path.join(dir, "data.bin");
    writeFileSync(file, "");
    for (let i = 0; i < SIZE_MIB; i++) appendFileSync(file, randomBytes(MIB));
    const fromPath = await mibPerSecond(() => buildMerkleTree(file));
    const fromPathKeepLeaves = await mibPerSecond(() => buildMerkleTree(file, { keepLeaves: true }));
    const inMemory = Buffer.alloc(SIZE_MIB * MIB, 0x5a);
    const fromBuffer = await mibPerSecond(() => buildMerkleTree(inMemory));
    const result = {
      fileMiB: SIZE_MIB,
      mibPerSecond: { fromPath, fromPathKeepLeaves, fromBuffer },
      node: process.version,
      note: `median of ${RUNS} runs after a warm-up, one thread (Node's OpenSSL SHA-256); file in the page cache; ${cpus().length} cores, ${cpus()[0]?.model.trim()}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    };
    console.log(JSON.stringify(result, null, 2));
    writeFileSync(path.join(__dirname, "../bench/merkle.json"), JSON.stringify(result, null, 2) + "\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
