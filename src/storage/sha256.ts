import { createHash, hash } from "node:crypto";

// `crypto.hash` (Node >= 20.12) skips the Hash object: about twice as fast on 64-byte nodes.
const oneShot: (data: Uint8Array) => Buffer =
  typeof hash === "function"
    ? (data) => hash("sha256", data, "buffer")
    : (data) => createHash("sha256").update(data).digest();

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Buffer {
  return oneShot(data);
}

const pair = Buffer.alloc(64);

/** A BEP 52 interior node: SHA-256(left ‖ right), no domain separation. */
export function hashPair(left: Uint8Array, right: Uint8Array): Buffer {
  // Synchronous and single-threaded, so one shared scratch buffer is safe.
  pair.set(left, 0);
  pair.set(right, 32);
  return oneShot(pair);
}
