// A deliberately naive BEP 52 reference for tests, independent of src/storage: the whole
// file in memory, every layer materialised, padding written out as BEP 52 words it.
import { createHash } from "node:crypto";

export const BLOCK = 16384;
const ZERO = Buffer.alloc(32);

/** File sizes where off-by-one errors in blocking and padding live. */
export const AWKWARD_SIZES: Record<string, number> = {
  "1 byte": 1,
  "16 KiB - 1": BLOCK - 1,
  "16 KiB": BLOCK,
  "16 KiB + 1": BLOCK + 1,
  "2 blocks": 2 * BLOCK,
  "3 blocks": 3 * BLOCK,
  "3 blocks - 100": 3 * BLOCK - 100,
  "5 blocks": 5 * BLOCK,
  "4 blocks + 7": 4 * BLOCK + 7,
  "8 blocks (2^3)": 8 * BLOCK,
  "64 blocks (2^6)": 64 * BLOCK,
  "65 blocks - 1 byte": 65 * BLOCK - 1,
  "5 MiB + 12345": 5 * 1024 * 1024 + 12345,
};

function sha(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return h.digest();
}

/** Leaf hashes: SHA-256 of each 16 KiB block, the last one as is (not padded). */
export function naiveLeaves(data: Buffer): Buffer[] {
  const leaves: Buffer[] = [];
  for (let at = 0; at < data.length; at += BLOCK) leaves.push(sha(data.subarray(at, at + BLOCK)));
  return leaves;
}

/** All layers, leaves first; the leaf layer padded with zero hashes to a power of two. */
export function naiveLayers(data: Buffer): Buffer[][] {
  const leaves = naiveLeaves(data);
  let width = 1;
  while (width < leaves.length) width *= 2;
  const layers = [[...leaves, ...Array<Buffer>(width - leaves.length).fill(ZERO)]];
  while (layers[layers.length - 1].length > 1) {
    const below = layers[layers.length - 1];
    const above: Buffer[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(sha(below[i], below[i + 1]));
    layers.push(above);
  }
  return layers;
}

export function naiveRoot(data: Buffer): Buffer | undefined {
  if (data.length === 0) return undefined;
  const layers = naiveLayers(data);
  return layers[layers.length - 1][0];
}

/** Siblings of leaf `index` from the leaf up to just below the root, given `naiveLayers(data)`. */
export function naiveProof(layers: Buffer[][], index: number): Buffer[] {
  return layers.slice(0, -1).map((layer, height) => layer[Math.floor(index / 2 ** height) ^ 1]);
}

/** Deterministic pseudo-random bytes (xorshift32), so blocks of one file differ. */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
