import { chooseOptimistic, type OptimisticState } from "./chooseOptimistic";
import { prunePenalties } from "./penalize";
import { runAuction } from "./runAuction";
import { pruneBids, standingBids } from "./standingBids";
import type { AuctionResult, BidBook, ChannelId, MarketConfig, Penalties } from "./types";

/** Everything a seeder's market remembers between rounds. */
export type SeederMarketState = {
  book: BidBook;
  penalties: Penalties;
  optimistic: OptimisticState;
};

export const initialSeederMarketState: SeederMarketState = {
  book: new Map(),
  penalties: new Map(),
  optimistic: { peerId: undefined, since: 0 },
};

/** A connected peer as the round sees it. */
export type RoundPeer = {
  peerId: string;
  /** The funded channel this peer pays through, if any. */
  channelId?: ChannelId;
  /** When it connected (ms). */
  connectedAt: number;
  /** Only interested peers get slots (BitTorrent's rule: an uninterested peer wants nothing). */
  interested: boolean;
};

export type RunRoundParameters = {
  round: number;
  /** Now, in ms. */
  now: number;
  peers: readonly RoundPeer[];
  config: MarketConfig;
  /** The seeder's secret for tie-breaks and the optimistic draw. */
  key: Uint8Array;
};

export type RoundOutcome = {
  auction: AuctionResult;
  /** Peers holding a paid slot this round, with their channels, highest bid first. */
  paid: { peerId: string; channelId: ChannelId }[];
  /** The peer in the optimistic slot, if anyone without a winning bid is interested. */
  optimistic: string | undefined;
  /** Every peer to unchoke this round; all others are choked. */
  unchoked: string[];
};

/**
 * Seeder side, once per round: drop expired bids, run the auction over the standing bids of
 * connected, interested, unpenalized peers, then give the optimistic slot to a peer without a
 * winning bid. Pure: returns the next state and who to unchoke at what price.
 */
export function runRound(
  state: SeederMarketState,
  p: RunRoundParameters,
): { state: SeederMarketState; outcome: RoundOutcome } {
  const book = pruneBids(state.book, p.round);
  const penalties = prunePenalties(state.penalties, p.round);
  const peerOf = new Map<string, string>();
  for (const peer of p.peers)
    if (peer.interested && peer.channelId) peerOf.set(peer.channelId.toLowerCase(), peer.peerId);
  const bids = standingBids(book, p.round, penalties).filter((b) => peerOf.has(b.channelId));
  const auction = runAuction(bids, {
    slots: p.config.slots,
    reserve: p.config.reserve,
    round: p.round,
    tieBreakKey: p.key,
  });
  const paid = auction.winners.map((channelId) => ({ peerId: peerOf.get(channelId)!, channelId }));
  const paidPeers = new Set(paid.map((w) => w.peerId));
  const candidates = p.peers.filter((peer) => peer.interested && !paidPeers.has(peer.peerId));
  const optimistic = chooseOptimistic(state.optimistic, {
    now: p.now,
    candidates,
    optimisticMs: p.config.optimisticMs,
    key: p.key,
  });
  const unchoked = paid.map((w) => w.peerId);
  if (optimistic.peerId !== undefined) unchoked.push(optimistic.peerId);
  return {
    state: { book, penalties, optimistic },
    outcome: { auction, paid, optimistic: optimistic.peerId, unchoked },
  };
}
