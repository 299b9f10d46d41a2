import { BLOCK_SIZE, HASH_SIZE } from "./constants";
import { hashPair, sha256 } from "./sha256";
import { blockCountOf, expectedBlockLength, treeDepth } from "./treeShape";

/** Why a block proof was refused; the on-chain verifier refuses the same inputs. */
export type BlockProofFailureReason =
  /** piecesRoot is not 32 bytes. */
  | "invalidPiecesRoot"
  /** fileLength is not a non-negative safe integer. */
  | "invalidFileLength"
  /** fileLength is 0: an empty file has no pieces root and no blocks. */
  | "emptyFile"
  /** index is not a non-negative safe integer, or is >= the file's block count. */
  | "indexOutOfRange"
  /** The block is longer than 16 KiB, or not the length its index requires (16 KiB, the rest for the last). */
  | "blockLengthMismatch"
  /** The proof does not have exactly depth = ceil(log2(blockCount)) entries. */
  | "proofLengthMismatch"
  /** A proof entry is not 32 bytes. */
  | "invalidProofEntry"
  /** Everything is well formed but the path does not hash to piecesRoot. */
  | "rootMismatch";

export type CheckBlockProofReturnType = { valid: true } | { valid: false; reason: BlockProofFailureReason };

/**
 * Checks a challenged block against a file's BEP 52 `pieces root`, exactly as the storage
 * bond's on-chain verifier does: the tree's depth comes from `fileLength`, never from the
 * proof (BEP 52 has no leaf/node domain separation), the block must have the length its
 * index requires (the last one is hashed short, as is), and `proof` holds the siblings from
 * the leaf up to just below the root. Never throws.
 */
export function checkBlockProof(
  piecesRoot: Uint8Array,
  fileLength: number,
  index: number,
  block: Uint8Array,
  proof: readonly Uint8Array[],
): CheckBlockProofReturnType {
  if (!(piecesRoot instanceof Uint8Array) || piecesRoot.length !== HASH_SIZE) return refuse("invalidPiecesRoot");
  if (!Number.isSafeInteger(fileLength) || fileLength < 0) return refuse("invalidFileLength");
  if (fileLength === 0) return refuse("emptyFile");
  const blockCount = blockCountOf(fileLength);
  if (!Number.isSafeInteger(index) || index < 0 || index >= blockCount) return refuse("indexOutOfRange");
  if (
    !(block instanceof Uint8Array) ||
    block.length > BLOCK_SIZE ||
    block.length !== expectedBlockLength(fileLength, index)
  ) {
    return refuse("blockLengthMismatch");
  }
  const depth = treeDepth(blockCount);
  if (!Array.isArray(proof) || proof.length !== depth) return refuse("proofLengthMismatch");
  let node = sha256(block);
  let position = index;
  for (const sibling of proof) {
    if (!(sibling instanceof Uint8Array) || sibling.length !== HASH_SIZE) return refuse("invalidProofEntry");
    node = position % 2 === 0 ? hashPair(node, sibling) : hashPair(sibling, node);
    position = Math.floor(position / 2);
  }
  return node.equals(piecesRoot) ? { valid: true } : refuse("rootMismatch");
}

/** `checkBlockProof(...).valid`: true iff the on-chain verifier would accept this answer. */
export function verifyBlockProof(
  piecesRoot: Uint8Array,
  fileLength: number,
  index: number,
  block: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  return checkBlockProof(piecesRoot, fileLength, index, block, proof).valid;
}

function refuse(reason: BlockProofFailureReason): CheckBlockProofReturnType {
  return { valid: false, reason };
}
