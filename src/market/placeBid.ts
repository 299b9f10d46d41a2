import { InvalidBidError } from "./errors";
import type { BidBook, MarketConfig, StandingBid } from "./types";

const CHANNEL_ID = /^0x[0-9a-fA-F]{64}$/;

export type PlaceBidParameters = {
  /** The first round not yet cleared: a bid cannot change a round already run. */
  nextRound: number;
  config: Pick<MarketConfig, "maxBidRounds">;
};

/**
 * Seeder side: store a peer's bid, replacing the channel's earlier one (one standing bid per
 * funded channel, so each extra bid costs a Sybil a locked deposit). Returns a new book; a bid
 * that is malformed, starts in a cleared round or stands further ahead than `maxBidRounds`
 * is refused with the field and what is accepted. Whether the channel is funded enough is the
 * caller's check (it knows the deposit); whether it is penalized is applied when rounds run.
 */
export function placeBid(book: BidBook, bid: StandingBid, p: PlaceBidParameters): BidBook {
  if (typeof bid.channelId !== "string" || !CHANNEL_ID.test(bid.channelId)) {
    throw new InvalidBidError("channelId", bid.channelId, "0x and 64 hex digits (the escrow's channel id)");
  }
  if (typeof bid.pricePerMiB !== "bigint" || bid.pricePerMiB < 0n) {
    throw new InvalidBidError("pricePerMiB", bid.pricePerMiB, "a bigint >= 0n (base units per MiB)");
  }
  if (!Number.isSafeInteger(bid.fromRound) || bid.fromRound < p.nextRound) {
    throw new InvalidBidError("fromRound", bid.fromRound, `an integer >= ${p.nextRound} (the next round)`);
  }
  const lastAllowed = p.nextRound + p.config.maxBidRounds - 1;
  if (!Number.isSafeInteger(bid.untilRound) || bid.untilRound < bid.fromRound || bid.untilRound > lastAllowed) {
    throw new InvalidBidError("untilRound", bid.untilRound, `an integer from ${bid.fromRound} to ${lastAllowed}`);
  }
  const next = new Map(book);
  next.set(bid.channelId.toLowerCase(), { ...bid, channelId: bid.channelId.toLowerCase() });
  return next;
}
