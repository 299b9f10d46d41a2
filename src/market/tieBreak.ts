import { sha256 } from "@noble/hashes/sha2";

const encoder = new TextEncoder();

/**
 * A channel's place among equal bids in one round: the first 16 bytes of
 * SHA-256(key ‖ round ‖ channel id), as hex (compare as strings; lower ranks first).
 *
 * Why not peer id or channel id order: one channel would win every tie for ever, and a payer
 * picks its channel's salt, so it could grind an id that sorts first. Why not "earlier bid first":
 * it rewards latency and racing, not value. A fresh keyed hash each round gives every tied
 * channel the same chance over time, and with the seeder's secret `key` no bidder can predict,
 * let alone grind, its rank in any round.
 */
export function tieBreakRank(key: Uint8Array, round: number, channelId: string): string {
  const roundBytes = new Uint8Array(8);
  new DataView(roundBytes.buffer).setBigUint64(0, BigInt(round));
  const id = encoder.encode(channelId.toLowerCase());
  const input = new Uint8Array(key.length + 8 + id.length);
  input.set(key, 0);
  input.set(roundBytes, key.length);
  input.set(id, key.length + 8);
  const digest = sha256(input);
  let hex = "";
  for (let i = 0; i < 16; i++) hex += digest[i].toString(16).padStart(2, "0");
  return hex;
}
