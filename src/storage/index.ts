// BEP 52 (BitTorrent v2) merkle trees, block proofs for storage-bond challenges, and a
// reader of v2 / hybrid .torrent files.
export { BLOCK_SIZE, HASH_SIZE } from "./constants";
export { blockCountOf, expectedBlockLength, padHash, treeDepth } from "./treeShape";
export { MerkleTreeBuilder } from "./MerkleTreeBuilder";
export type { MerkleTree, MerkleTreeBuilderOptions, MerkleTreeSummary } from "./MerkleTreeBuilder";
export { buildMerkleTree } from "./buildMerkleTree";
export type { BuildMerkleTreeOptions, BuildMerkleTreeReturnType, MerkleSource } from "./buildMerkleTree";
export { layerAbove, layerProof, layerRoot } from "./merkleLayer";
export { proveBlock, proveBlockFromFile } from "./proveBlock";
export type { BlockProof, ProveBlockFromFileReturnType, ProveBlockReturnType } from "./proveBlock";
export { checkBlockProof, verifyBlockProof } from "./verifyBlockProof";
export type { BlockProofFailureReason, CheckBlockProofReturnType } from "./verifyBlockProof";
export {
  isValidPieceLength,
  pieceCountOf,
  pieceLayerFromLeaves,
  pieceLayerHeight,
  piecesRootFromPieceLayer,
  verifyPieceLayer,
} from "./pieceLayer";
export { decodeBencode, decodeBencodePrefix, dictValueSpan, keyToUtf8 } from "./bencode";
export type { BencodeDict, BencodeValue } from "./bencode";
export { parseTorrent, readTorrentFile } from "./readTorrent";
export type { ParseTorrentReturnType, Torrent, TorrentFile } from "./readTorrent";
export { BencodeDecodeError, InvalidMerkleInputError, InvalidTorrentError } from "./errors";
export type { BencodeDecodeErrorType, InvalidMerkleInputErrorType, InvalidTorrentErrorType } from "./errors";
