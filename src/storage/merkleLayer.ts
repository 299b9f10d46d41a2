import { HASH_SIZE } from "./constants";
import { InvalidMerkleInputError } from "./errors";
import { hashPair } from "./sha256";
import { padHash } from "./treeShape";

// Helpers over one layer of a BEP 52 tree held as concatenated 32-byte hashes: the leaves
// (height 0) or a torrent's piece layer (height log2(piece length / 16 KiB)). The layer is
// padded on the right to a power of two with the all-padding node of its height.

function countOf(nodes: Uint8Array, parameter: string): number {
  if (nodes.length === 0 || nodes.length % HASH_SIZE !== 0) {
    throw new InvalidMerkleInputError({
      parameter,
      value: nodes,
      reason: `${nodes.length} bytes is not a positive multiple of ${HASH_SIZE}`,
      hint: "Pass the hashes of the layer concatenated, 32 bytes each.",
    });
  }
  return nodes.length / HASH_SIZE;
}

function nodeAt(nodes: Uint8Array, index: number): Buffer {
  return Buffer.from(nodes.buffer, nodes.byteOffset + index * HASH_SIZE, HASH_SIZE);
}

/** The layer above `nodes` (at `height`), its odd last node paired with padding. */
function parentLayer(nodes: Uint8Array, height: number): Buffer {
  const count = nodes.length / HASH_SIZE;
  const parents = Buffer.allocUnsafe(Math.ceil(count / 2) * HASH_SIZE);
  for (let i = 0; i < count; i += 2) {
    const right = i + 1 < count ? nodeAt(nodes, i + 1) : padHash(height);
    hashPair(nodeAt(nodes, i), right).copy(parents, (i / 2) * HASH_SIZE);
  }
  return parents;
}

/**
 * The layer `levels` above `nodes` (at `height`): e.g. a torrent's piece layer from the leaves,
 * with levels = log2(piece length / 16 KiB). A last, partial group is padded as BEP 52 pads.
 */
export function layerAbove(nodes: Uint8Array, levels: number, height = 0): Buffer {
  countOf(nodes, "layer");
  let layer: Uint8Array = nodes;
  for (let h = height; h < height + levels; h++) layer = parentLayer(layer, h);
  return Buffer.from(layer);
}

/** Root over a layer of hashes at `height` (0 = leaves). One node is its own root. */
export function layerRoot(nodes: Uint8Array, height = 0): Buffer {
  countOf(nodes, "layer");
  let layer: Uint8Array = nodes;
  for (let h = height; layer.length > HASH_SIZE; h++) layer = parentLayer(layer, h);
  return Buffer.from(layer);
}

/**
 * Sibling hashes from the node at `index` of a layer up to just below the root, ordered
 * bottom-up. O(n) hashes: the tree's upper layers are rebuilt, not stored.
 */
export function layerProof(nodes: Uint8Array, index: number, height = 0): Buffer[] {
  const count = countOf(nodes, "layer");
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new InvalidMerkleInputError({
      parameter: "index",
      value: index,
      reason: `not a block index of a layer of ${count} hashes`,
      hint: `Indexes run from 0 to ${count - 1}.`,
    });
  }
  const proof: Buffer[] = [];
  let layer: Uint8Array = nodes;
  for (let h = height, i = index; layer.length > HASH_SIZE; h++, i = Math.floor(i / 2)) {
    const sibling = i ^ 1;
    proof.push(sibling * HASH_SIZE < layer.length ? Buffer.from(nodeAt(layer, sibling)) : Buffer.from(padHash(h)));
    layer = parentLayer(layer, h);
  }
  return proof;
}
