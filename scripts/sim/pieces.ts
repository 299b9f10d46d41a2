import type { Random } from "./random";
import type { Peer } from "./swarmTypes";

/** Whether `d` wants anything `u` has (BitTorrent's "interested"), over bitfields of 32 pieces a word. */
export function isInterested(d: Peer, u: Peer, pieces: number, words: number): boolean {
  if (d.count === pieces) return false;
  if (u.count === pieces) return true;
  for (let w = 0; w < words; w++) if (u.have[w] & ~d.have[w]) return true;
  return false;
}

/**
 * The piece `d` should fetch from `u`: the rarest (by availability among online peers) of those
 * `u` has and `d` lacks, starting the scan at a random word so equally rare pieces spread; -1 if none.
 */
export function rarestPiece(u: Peer, d: Peer, avail: Int32Array, words: number, random: Random): number {
  let best = -1;
  let bestAvail = Infinity;
  const start = random.int(words);
  for (let i = 0; i < words; i++) {
    const w = (start + i) % words;
    for (let m = (u.have[w] & ~d.have[w]) >>> 0; m; m &= m - 1) {
      const piece = w * 32 + 31 - Math.clz32(m & -m);
      if (avail[piece] < bestAvail) {
        best = piece;
        bestAvail = avail[piece];
      }
    }
  }
  return best;
}
