import { BLOCK_SIZE, HASH_SIZE } from "./constants";
import { hashPair } from "./sha256";

/** Number of 16 KiB blocks (leaves) of a file of `length` bytes; 0 for an empty file. */
export function blockCountOf(length: number): number {
  return Math.ceil(length / BLOCK_SIZE);
}

/**
 * Height of a file's tree: ceil(log2(blockCount)), 0 for one block (the root is the leaf).
 * Fixed by the file size: BEP 52 has no leaf/node domain separation, so a verifier that let
 * the proof choose its length would accept a 64-byte "block" that is really two child hashes.
 */
export function treeDepth(blockCount: number): number {
  let depth = 0;
  while (2 ** depth < blockCount) depth++;
  return depth;
}

/** Bytes the block at `index` must have: 16 KiB, except the last, which holds the rest. */
export function expectedBlockLength(length: number, index: number): number {
  return Math.min(BLOCK_SIZE, length - index * BLOCK_SIZE);
}

// PAD[h] is the node at height h over 2^h padding leaves: 32 zero bytes at h = 0 (BEP 52's
// "set to zero"), then the ordinary hash of two such nodes. Never zero above the leaves.
const PAD: Buffer[] = [Buffer.alloc(HASH_SIZE)];

/** The node of an all-padding subtree of height `height` (0 = a padding leaf: 32 zero bytes); a fresh copy. */
export function padHash(height: number): Buffer {
  while (PAD.length <= height) {
    const below = PAD[PAD.length - 1];
    PAD.push(hashPair(below, below));
  }
  return Buffer.from(PAD[height]);
}
