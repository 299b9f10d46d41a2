import { roundTieKey, tieBreakRank } from "./tieBreak";

/** Who holds the optimistic slot and since when (ms). */
export type OptimisticState = {
  peerId: string | undefined;
  since: number;
};

export type OptimisticCandidate = {
  peerId: string;
  /** When the connection was made (ms): newcomers are favoured. */
  connectedAt: number;
};

export type ChooseOptimisticParameters = {
  /** Now, in ms. */
  now: number;
  /** Interested peers without a winning bid this round. */
  candidates: readonly OptimisticCandidate[];
  /** How long one peer keeps the slot (30 s in BitTorrent). */
  optimisticMs: number;
  /** The seeder's secret: makes the draw unpredictable to peers. */
  key: Uint8Array;
};

/** BitTorrent mainline makes a newly connected peer three times as likely to be picked. */
export const NEWCOMER_WEIGHT = 3;

/**
 * The optimistic unchoke: one slot, held `optimisticMs` by a peer without a winning bid, then
 * passed on, so a non-payer or a newcomer with nothing to trade can still download and
 * bootstrap. Peers connected less than `optimisticMs` ago weigh NEWCOMER_WEIGHT, others 1; the
 * holder whose time is up is passed over when anyone else is waiting.
 *
 * Losing bidders and peers that never bid are treated alike on purpose: favouring non-bidders
 * would make a losing bid cost something, so low-value peers would stop bidding, which lowers the
 * clearing price and breaks the "bid your value" property the auction is built on.
 *
 * The draw is a weighted race over keyed hashes (each candidate draws u in (0, 1] from the
 * keyed mix of its peer id under a secret derived from key and now, see tieBreak.ts; the least
 * -ln(u)/weight wins): deterministic given the key,
 * independent of the candidates' order, and a renamed peer has the same chance.
 */
export function chooseOptimistic(state: OptimisticState, p: ChooseOptimisticParameters): OptimisticState {
  const holderStays =
    state.peerId !== undefined &&
    p.now - state.since < p.optimisticMs &&
    p.candidates.some((c) => c.peerId === state.peerId);
  if (holderStays) return state;
  const pool = p.candidates.length > 1 ? p.candidates.filter((c) => c.peerId !== state.peerId) : p.candidates;
  const drawKey = roundTieKey(p.key, p.now);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of pool) {
    const weight = p.now - c.connectedAt < p.optimisticMs ? NEWCOMER_WEIGHT : 1;
    const score = -Math.log((tieBreakRank(drawKey, c.peerId) + 1) / 2 ** 53) / weight;
    if (score < bestScore || (score === bestScore && best !== undefined && c.peerId < best)) {
      best = c.peerId;
      bestScore = score;
    }
  }
  return { peerId: best, since: p.now };
}
