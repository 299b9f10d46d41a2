import { isPenalized } from "./penalize";
import type { BidBook, Penalties, SealedBid, StandingBid } from "./types";

/** The bids that count in `round`: standing then, and not from a penalized channel. */
export function standingBids(book: BidBook, round: number, penalties: Penalties): SealedBid[] {
  const bids: SealedBid[] = [];
  for (const bid of book.values()) {
    if (bid.fromRound <= round && round <= bid.untilRound && !isPenalized(penalties, bid.channelId, round)) {
      bids.push({ channelId: bid.channelId, pricePerMiB: bid.pricePerMiB });
    }
  }
  return bids;
}

/** Drops bids that can no longer stand (their last round is before `round`). */
export function pruneBids(book: BidBook, round: number): BidBook {
  let next: Map<string, StandingBid> | undefined;
  for (const [id, bid] of book) {
    if (bid.untilRound < round) {
      next ??= new Map(book);
      next.delete(id);
    }
  }
  return next ?? book;
}
