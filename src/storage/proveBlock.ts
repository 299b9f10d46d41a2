import { open } from "node:fs/promises";
import { BLOCK_SIZE, HASH_SIZE } from "./constants";
import { InvalidMerkleInputError } from "./errors";
import { buildMerkleTree } from "./buildMerkleTree";
import { layerProof } from "./merkleLayer";
import { sha256 } from "./sha256";

/** An answer to a storage-bond challenge: what `verifyBlockProof` and the contract take. */
export type BlockProof = {
  index: number;
  /** The block's bytes: 16 KiB, or fewer for the file's last block. */
  block: Buffer;
  /** Sibling hashes from the leaf up to just below the root: exactly `depth` of them. */
  proof: Buffer[];
};

export type ProveBlockReturnType = BlockProof;

/**
 * Proof for block `index` from the file's leaf hashes (`buildMerkleTree(..., { keepLeaves: true })`)
 * and the block's bytes. Checks that the block hashes to its leaf, so a wrong read fails here and
 * not on chain. O(blockCount) hashes: the upper layers are recomputed for each proof.
 */
export function proveBlock(leaves: Uint8Array, block: Uint8Array, index: number): ProveBlockReturnType {
  const proof = layerProof(leaves, index);
  if (!(block instanceof Uint8Array) || block.length === 0 || block.length > BLOCK_SIZE) {
    throw new InvalidMerkleInputError({
      parameter: "block",
      value: block,
      reason: `a block holds 1 to ${BLOCK_SIZE} bytes`,
    });
  }
  const leaf = leaves.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  if (!sha256(block).equals(leaf)) {
    throw new InvalidMerkleInputError({
      parameter: "block",
      value: block,
      reason: `its SHA-256 is not leaf ${index} of the tree`,
      hint: "Read bytes [index * 16384, index * 16384 + 16384) of the same file the leaves were built from.",
    });
  }
  return { index, block: Buffer.from(block), proof };
}

export type ProveBlockFromFileReturnType = BlockProof & {
  piecesRoot: Buffer;
  /** File size in bytes, as the deal records it. */
  length: number;
};

/**
 * Proof for block `index` of the file at `path`: hashes the whole file once (streaming; keeps
 * the leaf hashes only), then reads the one block. To answer many challenges on a large file,
 * keep the leaves from `buildMerkleTree` and call `proveBlock` instead.
 */
export async function proveBlockFromFile(path: string, index: number): Promise<ProveBlockFromFileReturnType> {
  const tree = await buildMerkleTree(path, { keepLeaves: true });
  if (tree.piecesRoot === undefined || tree.leaves === undefined) {
    throw new InvalidMerkleInputError({
      parameter: "path",
      value: path,
      reason: "the file is empty: it has no blocks and no pieces root",
    });
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= tree.blockCount) {
    throw new InvalidMerkleInputError({
      parameter: "index",
      value: index,
      reason: `not a block of a ${tree.length}-byte file`,
      hint: `Indexes run from 0 to ${tree.blockCount - 1}.`,
    });
  }
  const block = Buffer.alloc(Math.min(BLOCK_SIZE, tree.length - index * BLOCK_SIZE));
  const file = await open(path, "r");
  try {
    let filled = 0;
    while (filled < block.length) {
      const { bytesRead } = await file.read(block, filled, block.length - filled, index * BLOCK_SIZE + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
  } finally {
    await file.close();
  }
  return { ...proveBlock(tree.leaves, block, index), piecesRoot: tree.piecesRoot, length: tree.length };
}
