/**
 * The market's vocabulary. Prices are token base units per MiB (BTT has 18 decimals, so a
 * price of 1 BTT/MiB is 10n ** 18n: amounts exceed 2^53 and are always bigint).
 */

/** A channel id as the escrow computes it: 0x and 64 hex digits (bytes32). */
export type ChannelId = string;

/** A sealed bid as the auction sees it: one per funded channel. */
export type SealedBid = {
  channelId: ChannelId;
  /** Most the bidder pays per MiB it receives in a slot. */
  pricePerMiB: bigint;
};

/** A bid as a seeder stores it: it stands for every round from `fromRound` to `untilRound`. */
export type StandingBid = SealedBid & {
  fromRound: number;
  untilRound: number;
};

/** Standing bids at one seeder, by channel id (one per channel: a second bid replaces the first). */
export type BidBook = ReadonlyMap<ChannelId, StandingBid>;

/** Channels whose bids are ignored until (and including) a round, by channel id. */
export type Penalties = ReadonlyMap<ChannelId, number>;

/** A seeder's market settings. */
export type MarketConfig = {
  /** Paid upload slots per round (k). */
  slots: number;
  /** Lowest price per MiB the seeder sells at; 0n sells to any bid. */
  reserve: bigint;
  /** Length of a round in ms (BitTorrent rechokes every 10 s). */
  roundMs: number;
  /** How long the optimistic slot stays with one peer, in ms (BitTorrent: 30 s). */
  optimisticMs: number;
  /** Rounds a winner that did not pay has its bids ignored. */
  penaltyRounds: number;
  /** Furthest ahead a bid may stand, in rounds (bounds what a seeder must remember). */
  maxBidRounds: number;
};

/** Who won one round at one seeder and what each winner pays. */
export type AuctionResult = {
  round: number;
  /** Winning channels, highest bid first (order among equal bids follows the round's tie-break). */
  winners: ChannelId[];
  /** Every bidding channel that did not win, in input order. */
  losers: ChannelId[];
  /** What every winner pays per MiB this round: max(highest losing bid, reserve). */
  clearingPrice: bigint;
};
