import { sha256 } from "@noble/hashes/sha2";

/**
 * The secret for one round's tie-breaks: the first 16 bytes of SHA-256(key ‖ round), as four
 * 32-bit words. One hash per round, whatever the number of bidders.
 */
export function roundTieKey(key: Uint8Array, round: number): Uint32Array {
  const input = new Uint8Array(key.length + 8);
  input.set(key, 0);
  new DataView(input.buffer).setBigUint64(key.length, BigInt(round));
  const digest = sha256(input);
  const view = new DataView(digest.buffer, digest.byteOffset, 16);
  return Uint32Array.from([0, 4, 8, 12].map((offset) => view.getUint32(offset)));
}

/**
 * A channel's place among equal bids in one round (lower ranks first): a keyed 53-bit mix of
 * the channel id under the round's secret (roundTieKey).
 *
 * Why not peer id or channel id order: one channel would win every tie for ever, and a payer
 * picks its channel's salt, so it could grind an id that sorts first. Why not "earlier bid
 * first": it rewards latency and racing, not value. A fresh secret each round gives every tied
 * channel the same chance over time, and since the seeder's key is secret no bidder can predict
 * or grind its rank. The mix is a multiply-rotate hash, not a cryptographic PRF: the only thing
 * it must do is look random to someone who knows neither the key nor the other ranks, and it
 * costs ~0.1 µs where SHA-256 per bidder cost ~3 µs (a 1,000-way tie stays well under 1 ms).
 */
export function tieBreakRank(roundKey: Uint32Array, channelId: string): number {
  let h1 = roundKey[0];
  let h2 = roundKey[1];
  const k1 = roundKey[2];
  const k2 = roundKey[3];
  for (let i = 0; i < channelId.length; i++) {
    const c = channelId.charCodeAt(i) | 0x20; // hex digits compare case-insensitively
    h1 = Math.imul(rotl(h1 ^ c ^ k1, 13), 0x9e3779b1);
    h2 = Math.imul(rotl(h2 ^ c ^ k2, 17), 0x85ebca77) + h1;
  }
  h1 = fmix32(h1 ^ channelId.length ^ h2);
  h2 = fmix32(h2 ^ h1);
  return (h1 >>> 0) * 2 ** 21 + (h2 >>> 11);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3's finalizer: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
