import { BLOCK_SIZE, HASH_SIZE } from "./constants";
import { InvalidMerkleInputError } from "./errors";
import { hashPair, sha256 } from "./sha256";
import { blockCountOf, padHash, treeDepth } from "./treeShape";

export type MerkleTreeSummary = {
  /** Root of the file's BEP 52 tree; undefined for an empty file, which has none. */
  piecesRoot: Buffer | undefined;
  /** File size in bytes. */
  length: number;
  /** Number of 16 KiB blocks (leaves before padding). */
  blockCount: number;
  /** ceil(log2(blockCount)): the number of siblings in every block proof. */
  depth: number;
};

export type MerkleTree = MerkleTreeSummary & {
  /** blockCount leaf hashes, 32 bytes each, concatenated; only with `keepLeaves`. */
  leaves: Buffer | undefined;
};

export type MerkleTreeBuilderOptions = {
  /** Keep the leaf hashes (32 bytes per 16 KiB block) for proofs. Default false: O(log n) memory. */
  keepLeaves?: boolean;
  /** The file size if known, so the leaf buffer is allocated once. */
  expectedLength?: number;
};

/**
 * Incremental BEP 52 tree of one file: feed its bytes in chunks of any size with `update`,
 * then call `digest` once. Upper layers are folded as leaves arrive (a binary counter of
 * complete subtrees), so without `keepLeaves` memory stays at one block plus ~log2(n) hashes.
 */
export class MerkleTreeBuilder {
  #pending = Buffer.alloc(BLOCK_SIZE);
  #pendingLength = 0;
  #length = 0;
  #blockCount = 0;
  // Roots of complete subtrees, heights strictly decreasing from bottom to top.
  #stack: { height: number; hash: Buffer }[] = [];
  #leaves: Buffer | undefined;
  #done = false;

  constructor(options: MerkleTreeBuilderOptions = {}) {
    if (options.keepLeaves) {
      const expected = options.expectedLength;
      this.#leaves = Buffer.allocUnsafe(Math.max(1, expected === undefined ? 64 : blockCountOf(expected)) * HASH_SIZE);
    }
  }

  /** Bytes fed so far. */
  get length(): number {
    return this.#length;
  }

  update(chunk: Uint8Array): this {
    if (this.#done) throw new Error("MerkleTreeBuilder.update called after digest");
    if (!(chunk instanceof Uint8Array)) {
      throw new InvalidMerkleInputError({
        parameter: "chunk",
        value: chunk,
        reason: "not a Buffer or Uint8Array",
        hint: "Read the file as bytes (no encoding, not in object mode).",
      });
    }
    this.#length += chunk.length;
    let offset = 0;
    if (this.#pendingLength > 0) {
      offset = Math.min(BLOCK_SIZE - this.#pendingLength, chunk.length);
      this.#pending.set(chunk.subarray(0, offset), this.#pendingLength);
      this.#pendingLength += offset;
      if (this.#pendingLength < BLOCK_SIZE) return this;
      this.#addLeaf(sha256(this.#pending));
      this.#pendingLength = 0;
    }
    // Whole blocks are hashed in place; only a block split across chunks is copied.
    for (; chunk.length - offset >= BLOCK_SIZE; offset += BLOCK_SIZE) {
      this.#addLeaf(sha256(chunk.subarray(offset, offset + BLOCK_SIZE)));
    }
    if (offset < chunk.length) {
      this.#pending.set(chunk.subarray(offset), 0);
      this.#pendingLength = chunk.length - offset;
    }
    return this;
  }

  /** Finishes the tree. The builder cannot be fed afterwards. */
  digest(): MerkleTree {
    if (this.#done) throw new Error("MerkleTreeBuilder.digest called twice");
    this.#done = true;
    // BEP 52: the last block is hashed as it is, never padded to 16 KiB.
    if (this.#pendingLength > 0) this.#addLeaf(sha256(this.#pending.subarray(0, this.#pendingLength)));
    const blockCount = this.#blockCount;
    const depth = treeDepth(blockCount);
    const leaves = this.#leaves?.subarray(0, blockCount * HASH_SIZE);
    const top = this.#stack.pop();
    if (top === undefined) return { piecesRoot: undefined, length: 0, blockCount: 0, depth: 0, leaves };
    // Close the ragged right edge: a lone subtree pairs with the all-padding subtree of its height.
    let node = top.hash;
    for (let height = top.height; height < depth; height++) {
      const left = this.#stack[this.#stack.length - 1];
      if (left !== undefined && left.height === height) {
        this.#stack.pop();
        node = hashPair(left.hash, node);
      } else {
        node = hashPair(node, padHash(height));
      }
    }
    return { piecesRoot: node, length: this.#length, blockCount, depth, leaves };
  }

  #addLeaf(leaf: Buffer): void {
    if (this.#leaves !== undefined) {
      const at = this.#blockCount * HASH_SIZE;
      if (at + HASH_SIZE > this.#leaves.length) {
        const grown = Buffer.allocUnsafe(this.#leaves.length * 2);
        this.#leaves.copy(grown, 0, 0, at);
        this.#leaves = grown;
      }
      leaf.copy(this.#leaves, at);
    }
    this.#blockCount++;
    let node = leaf;
    let height = 0;
    for (
      let top = this.#stack[this.#stack.length - 1];
      top?.height === height;
      top = this.#stack[this.#stack.length - 1]
    ) {
      this.#stack.pop();
      node = hashPair(top.hash, node);
      height++;
    }
    this.#stack.push({ height, hash: node });
  }
}
