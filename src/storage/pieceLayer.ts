import { BLOCK_SIZE, BLOCK_SIZE_LOG2, HASH_SIZE } from "./constants";
import { InvalidMerkleInputError } from "./errors";
import { layerAbove, layerRoot } from "./merkleLayer";

/** True for the piece lengths BEP 52 allows: a power of two, at least 16 KiB. */
export function isValidPieceLength(pieceLength: number): boolean {
  return Number.isSafeInteger(pieceLength) && pieceLength >= BLOCK_SIZE && (pieceLength & (pieceLength - 1)) === 0;
}

/** Height of the piece layer in a file's tree: log2(pieceLength / 16 KiB). */
export function pieceLayerHeight(pieceLength: number): number {
  if (!isValidPieceLength(pieceLength)) {
    throw new InvalidMerkleInputError({
      parameter: "pieceLength",
      value: pieceLength,
      reason: "BEP 52 piece lengths are powers of two of at least 16 KiB",
    });
  }
  return Math.log2(pieceLength) - BLOCK_SIZE_LOG2;
}

/**
 * A file's `piece layers` entry built from its leaf hashes: one hash per piece, the subtree
 * root over the piece's blocks (the last piece padded with zero leaves, like the whole tree).
 * BEP 52 stores layers only for files longer than one piece.
 */
export function pieceLayerFromLeaves(leaves: Uint8Array, pieceLength: number): Buffer {
  return layerAbove(leaves, pieceLayerHeight(pieceLength));
}

/**
 * The pieces root a piece layer implies: the layer padded to a power of two with the node of
 * an all-padding subtree of a piece's height (not zero bytes: only leaves pad with zeros).
 */
export function piecesRootFromPieceLayer(layer: Uint8Array, pieceLength: number): Buffer {
  return layerRoot(layer, pieceLayerHeight(pieceLength));
}

/** Number of hashes a file's piece layer holds: ceil(fileLength / pieceLength). */
export function pieceCountOf(fileLength: number, pieceLength: number): number {
  return Math.ceil(fileLength / pieceLength);
}

/** Whether `layer` is the piece layer of a `fileLength`-byte file whose root is `piecesRoot`. */
export function verifyPieceLayer(
  piecesRoot: Uint8Array,
  fileLength: number,
  pieceLength: number,
  layer: Uint8Array,
): boolean {
  if (!isValidPieceLength(pieceLength) || fileLength <= pieceLength) return false;
  if (layer.length !== pieceCountOf(fileLength, pieceLength) * HASH_SIZE) return false;
  return piecesRootFromPieceLayer(layer, pieceLength).equals(piecesRoot);
}
