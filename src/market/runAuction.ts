import { InvalidBidError, InvalidMarketConfigError } from "./errors";
import { roundTieKey, tieBreakRank } from "./tieBreak";
import type { AuctionResult, SealedBid } from "./types";

export type RunAuctionParameters = {
  /** Paid slots (k). */
  slots: number;
  /** Lowest price per MiB sold at. */
  reserve: bigint;
  /** Round number: seeds the tie-break. */
  round: number;
  /** The seeder's secret for tie-breaks (see tieBreakRank). */
  tieBreakKey: Uint8Array;
};

/**
 * One round of the uniform-price auction for k identical slots: the k highest bids at or above
 * the reserve win, and every winner pays the clearing price max(highest losing bid, reserve).
 * For unit-demand bidders this is the VCG price (each winner pays the externality it imposes:
 * the bid it displaces), so bidding one's true value per MiB is a dominant strategy.
 *
 * Cost: one pass keeping the k+1 highest prices (O(n·k) bigint comparisons, most rejected by
 * the first), then one pass to pick winners. Tie-break hashes are computed only for the bids
 * tied at the last winning price when there are more of them than slots left.
 */
export function runAuction(bids: readonly SealedBid[], p: RunAuctionParameters): AuctionResult {
  const { slots, reserve, round } = p;
  if (!Number.isSafeInteger(slots) || slots < 0) throw new InvalidMarketConfigError("slots", slots, "an integer >= 0");
  if (typeof reserve !== "bigint" || reserve < 0n) {
    throw new InvalidMarketConfigError("reserve", reserve, "a bigint >= 0n (base units per MiB)");
  }
  if (!Number.isSafeInteger(round) || round < 0) throw new InvalidMarketConfigError("round", round, "an integer >= 0");

  // The k+1 highest eligible prices, highest first.
  const top: bigint[] = [];
  const seen = new Set<string>();
  let eligible = 0;
  for (const bid of bids) {
    const price = bid.pricePerMiB;
    if (typeof price !== "bigint" || price < 0n) {
      throw new InvalidBidError("pricePerMiB", price, "a bigint >= 0n (base units per MiB)");
    }
    if (seen.has(bid.channelId)) {
      throw new InvalidBidError("channelId", bid.channelId, "one bid per channel per round");
    }
    seen.add(bid.channelId);
    if (price < reserve) continue;
    eligible++;
    if (top.length <= slots) {
      let i = top.length;
      top.push(price);
      while (i > 0 && top[i - 1] < price) top[i] = top[--i];
      top[i] = price;
    } else if (price > top[slots]) {
      let i = slots;
      while (i > 0 && top[i - 1] < price) top[i] = top[--i];
      top[i] = price;
    }
  }

  if (eligible <= slots) {
    // Every eligible bid wins; the highest losing bid is below the reserve.
    return {
      round,
      winners: bids
        .filter((b) => b.pricePerMiB >= reserve)
        .sort(byPriceDescending)
        .map(idOf),
      losers: bids.filter((b) => b.pricePerMiB < reserve).map(idOf),
      clearingPrice: reserve,
    };
  }

  const clearingPrice = top[slots]; // >= reserve: it is an eligible bid
  if (slots === 0) return { round, winners: [], losers: bids.map(idOf), clearingPrice };
  const last = top[slots - 1]; // lowest winning price
  const above: SealedBid[] = [];
  const tied: SealedBid[] = [];
  const losers: string[] = [];
  for (const bid of bids) {
    if (bid.pricePerMiB > last) above.push(bid);
    else if (bid.pricePerMiB === last) tied.push(bid);
  }
  const free = slots - above.length;
  let tiedWinners = tied;
  if (tied.length > free) {
    // Keep the `free` lowest ranks: a partial selection, O(tied · free), no full sort.
    const roundKey = roundTieKey(p.tieBreakKey, round);
    const best: { bid: SealedBid; rank: number }[] = [];
    for (const bid of tied) {
      const rank = tieBreakRank(roundKey, bid.channelId);
      if (best.length === free && !before(rank, bid.channelId, best[free - 1])) continue;
      let i = best.length === free ? free - 1 : best.length;
      while (i > 0 && before(rank, bid.channelId, best[i - 1])) {
        best[i] = best[i - 1];
        i--;
      }
      best[i] = { bid, rank };
    }
    tiedWinners = best.map((b) => b.bid);
  }
  above.sort(byPriceDescending);
  const winners = [...above, ...tiedWinners].map(idOf);
  const won = new Set(winners);
  for (const bid of bids) if (!won.has(bid.channelId)) losers.push(bid.channelId);
  return { round, winners, losers, clearingPrice };
}

const idOf = (bid: SealedBid): string => bid.channelId;

/** Highest price first; Array.prototype.sort is stable, so equal prices keep input order. */
function byPriceDescending(a: SealedBid, b: SealedBid): number {
  return a.pricePerMiB > b.pricePerMiB ? -1 : a.pricePerMiB < b.pricePerMiB ? 1 : 0;
}

/** Rank order; an (astronomically unlikely) equal rank falls back to the channel id. */
function before(rank: number, channelId: string, other: { bid: SealedBid; rank: number }): boolean {
  return rank < other.rank || (rank === other.rank && channelId < other.bid.channelId);
}
