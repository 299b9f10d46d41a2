import { createCipheriv, createHash } from "node:crypto";

// A deliberately naive BEP 52 tree for tests: every layer kept in memory, no streaming. It is
// written from the BEP's text, independently of src/storage, so the two can check each other.

/** BEP 52 leaves are SHA-256 hashes of 16 KiB blocks. */
export const BLOCK_SIZE = 16 * 1024;
/** The hash of a padding leaf: 32 zero bytes. */
export const ZERO_HASH = Buffer.alloc(32);

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** How many 16 KiB blocks a file of `length` bytes has (the last may be short). */
export function blockCount(length: number): number {
  return Math.ceil(length / BLOCK_SIZE);
}

/** The tree's depth: ceil(log2(blocks)), 0 for a one-block file. */
export function depthOf(blocks: number): number {
  let d = 0;
  while (2 ** d < blocks) d++;
  return d;
}

/** Block `index` of `file`, as is (the last block is not padded). */
export function blockOf(file: Buffer, index: number): Buffer {
  return file.subarray(index * BLOCK_SIZE, Math.min(file.length, (index + 1) * BLOCK_SIZE));
}

/** The parent of two nodes: SHA-256(left ‖ right). */
export function parent(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(left, right);
}

/** Every layer of a file's tree, leaves first; the last layer is [root]. */
export type Tree = { length: number; blocks: number; depth: number; layers: Buffer[][]; root: Buffer };

export function buildTree(file: Buffer): Tree {
  if (file.length === 0) throw new Error("an empty file has no pieces root");
  const blocks = blockCount(file.length);
  const depth = depthOf(blocks);
  const leaves = Array.from({ length: 2 ** depth }, (_, i) => (i < blocks ? sha256(blockOf(file, i)) : ZERO_HASH));
  const layers = [leaves];
  while (layers[layers.length - 1].length > 1) {
    const below = layers[layers.length - 1];
    layers.push(Array.from({ length: below.length / 2 }, (_, i) => parent(below[2 * i], below[2 * i + 1])));
  }
  return { length: file.length, blocks, depth, layers, root: layers[layers.length - 1][0] };
}

/** The sibling hashes of leaf `index`, from the leaf layer up (`depth` of them). */
export function proofFor(tree: Tree, index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= tree.blocks) {
    throw new Error(`block ${index} is outside a file of ${tree.blocks} blocks`);
  }
  const proof: Buffer[] = [];
  for (let level = 0; level < tree.depth; level++) proof.push(tree.layers[level][(index >> level) ^ 1]);
  return proof;
}

/**
 * Folds `node` (a leaf hash) up with `siblings`, taking the side from the bits of `index`: what
 * the contract does, without its length and depth checks. Also builds roots for files too large
 * to hash (bench): a random block at some index with random siblings is a valid deal.
 */
export function foldUp(node: Uint8Array, index: number, siblings: Uint8Array[]): Buffer {
  let at: Buffer = Buffer.from(node);
  let i = index;
  for (const s of siblings) {
    at = i % 2 === 0 ? parent(at, s) : parent(s, at);
    i = Math.floor(i / 2);
  }
  return at;
}

/** Deterministic pseudo-random bytes (an AES-CTR keystream keyed by `seed`), so a failing case can be replayed. */
export function seededBytes(seed: number | string, length: number): Buffer {
  const key = sha256(Buffer.from(`seedpay bep52 ${seed}`)).subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** The root of a subtree of `2^level` padding leaves (zero hashes). */
function padNode(level: number): Buffer {
  let node: Buffer = ZERO_HASH;
  for (let l = 0; l < level; l++) node = parent(node, node);
  return node;
}

/**
 * A file too large to hold, of `length` bytes, whose blocks at `known` are seeded random bytes and
 * whose other blocks are all one seeded "filler" block: its root and the proof of each known block
 * are computed from O(depth x known) hashes, so the tree's padding and shape are those of a real
 * file of that length. Used for 2^40-block deals (their last block proven at accept).
 */
export function sparseFile(
  length: bigint,
  known: bigint[],
  seed = "sparse",
): { root: Buffer; blocks: bigint; depth: number; block: (i: bigint) => Buffer; proof: (i: bigint) => Buffer[] } {
  const size = BigInt(BLOCK_SIZE);
  const blocks = (length + size - 1n) / size;
  let depth = 0;
  while (1n << BigInt(depth) < blocks) depth++;
  const blockAt = (i: bigint): Buffer => {
    const full = i < blocks - 1n ? BLOCK_SIZE : Number(length - (blocks - 1n) * size);
    return seededBytes(known.includes(i) ? `${seed} ${i}` : `${seed} filler ${full}`, full);
  };
  const fillerLeaf = sha256(seededBytes(`${seed} filler ${BLOCK_SIZE}`, BLOCK_SIZE));
  const filler = [fillerLeaf];
  for (let l = 1; l <= depth; l++) filler.push(parent(filler[l - 1], filler[l - 1]));
  const memo = new Map<string, Buffer>();
  const node = (level: number, i: bigint): Buffer => {
    const start = i << BigInt(level);
    const end = (i + 1n) << BigInt(level);
    if (start >= blocks) return padNode(level);
    if (level === 0) return sha256(blockAt(i));
    if (end < blocks && !known.some((k) => k >= start && k < end)) return filler[level];
    const key = `${level}/${i}`;
    if (!memo.has(key)) memo.set(key, parent(node(level - 1, 2n * i), node(level - 1, 2n * i + 1n)));
    return memo.get(key)!;
  };
  return {
    root: node(depth, 0n),
    blocks,
    depth,
    block: blockAt,
    proof: (i) => Array.from({ length: depth }, (_, l) => node(l, (i >> BigInt(l)) ^ 1n)),
  };
}
