/**
 * A seller's bidding rounds on the wire: every `roundMs` it runs the pure market's `runRound`
 * over the standing bids of the peers that pay through an accepted channel, gives the winners
 * their paid slots (PaidChoker unchokes them), the optimistic slot to the market's pick, and
 * tells every bidder the outcome with a `round` message. The auction itself is `src/market/`.
 */
import { randomBytes } from "node:crypto";
import { marketConfig } from "../market/config";
import { InvalidBidError, InvalidMarketConfigError } from "../market/errors";
import { isPenalized, penalize } from "../market/penalize";
import { placeBid } from "../market/placeBid";
import { initialSeederMarketState, runRound, type SeederMarketState } from "../market/runRound";
import { pruneBids, standingBids } from "../market/standingBids";
import type { MarketConfig } from "../market/types";
import { MAX_SLOTS, MIN_ROUND_MS, type AuctionTerms } from "./messages";
import type { BidRefusal, SellerSession } from "./sellerSession";
import type { Wire } from "./torrentTypes";

/** The seller's auction settings (`AttachPaymentsParameters.seller.market`). */
export type SellerMarketOptions = {
  /** Paid upload slots per round (k); default 4. */
  slots?: number;
  /** Lowest price per MiB a slot sells at (base units); default 0n. */
  reservePerMiB?: bigint;
  /** Round length in ms; default 10,000 (BitTorrent's rechoke), at least 100. */
  roundMs?: number;
  /** How long one peer keeps the optimistic slot, in ms; default 30,000. */
  optimisticMs?: number;
  /** Rounds a winner that did not pay within its credit has its bids ignored; default 6. */
  penaltyRounds?: number;
  /** The tie-break secret; default a fresh random 32 bytes for each attachPayments call. */
  tieBreakKey?: Uint8Array;
};

/** One round as the seller ran it (kept for the last MAX_HISTORY rounds). */
export type RoundRecord = {
  round: number;
  /** When it ran (ms). */
  at: number;
  /** The bids that counted: connected, interested, unpenalized, standing this round. */
  bids: { channelId: string; pricePerMiB: bigint }[];
  /** Connections with an accepted channel whose bid did not count, and why. */
  idle: { channelId: string; why: "no-bid" | "not-interested" | "penalized" }[];
  winners: string[];
  clearingPricePerMiB: bigint;
  /** Channel (or, without one, "unpaid") holding the optimistic slot. */
  optimistic?: string;
  /** Channels penalized at the start of this round (a winner not paying within its credit). */
  penalized: string[];
};

const MAX_HISTORY = 10_000;

/**
 * How long a winner's requests may wait for a voucher before it counts as not paying: two rounds,
 * and never less than 10 s, so a paying buyer on a slow or loaded link (a piece must arrive and
 * be verified before it is paid) is not penalized for short rounds.
 */
export function paymentGraceMs(roundMs: number): number {
  return Math.max(2 * roundMs, 10_000);
}

type MarketPeer = { wire: Wire; seller: SellerSession; peerId: string; connectedAt: number };

/** What the market drives: the choker, through the wire. */
export type MarketChoker = { setOptimistic(wire: Wire | undefined): void; update(wire: Wire): void };

export class SellerMarket {
  readonly config: MarketConfig;
  /** The seeder's secret for tie-breaks and the optimistic draw: unknown to every peer. */
  readonly tieBreakKey: Uint8Array;
  readonly history: RoundRecord[] = [];
  private state: SeederMarketState = initialSeederMarketState;
  private nextRound = 0;
  private nextPeer = 0;
  private timer?: ReturnType<typeof setInterval>;
  private readonly peers = new Map<SellerSession, MarketPeer>();

  constructor(
    options: SellerMarketOptions,
    private readonly choker: MarketChoker,
    private readonly now: () => number = Date.now,
    private readonly log?: (line: string) => void,
  ) {
    this.config = marketConfig({
      ...(options.slots === undefined ? {} : { slots: options.slots }),
      ...(options.reservePerMiB === undefined ? {} : { reserve: options.reservePerMiB }),
      ...(options.roundMs === undefined ? {} : { roundMs: options.roundMs }),
      ...(options.optimisticMs === undefined ? {} : { optimisticMs: options.optimisticMs }),
      ...(options.penaltyRounds === undefined ? {} : { penaltyRounds: options.penaltyRounds }),
    });
    // What the wire can carry (messages.ts bounds a peer's terms the same way).
    if (this.config.roundMs < MIN_ROUND_MS) {
      throw new InvalidMarketConfigError("roundMs", this.config.roundMs, `an integer >= ${MIN_ROUND_MS}`);
    }
    if (this.config.slots > MAX_SLOTS) {
      throw new InvalidMarketConfigError("slots", this.config.slots, `an integer from 0 to ${MAX_SLOTS}`);
    }
    if (options.tieBreakKey !== undefined && options.tieBreakKey.length !== 32) {
      throw new InvalidMarketConfigError("tieBreakKey", options.tieBreakKey, "32 bytes");
    }
    this.tieBreakKey = options.tieBreakKey ?? randomBytes(32);
  }

  /** The auction as the terms advertise it. */
  get terms(): AuctionTerms {
    return { slots: this.config.slots, reservePerMiB: this.config.reserve, roundMs: this.config.roundMs };
  }

  /** The next round to run: a bid placed now stands from it. */
  get upcomingRound(): number {
    return this.nextRound;
  }

  /** Starts running a round every `roundMs` (the first one at once). */
  start(): void {
    if (this.timer) return;
    this.runRound();
    this.timer = setInterval(() => this.runRound(), this.config.roundMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  add(wire: Wire, seller: SellerSession): void {
    this.peers.set(seller, { wire, seller, peerId: `peer-${this.nextPeer++}`, connectedAt: this.now() });
  }

  remove(seller: SellerSession): void {
    this.peers.delete(seller);
  }

  /** A `bid` from a paying connection: stands from the next round for `rounds` rounds. */
  onBid(seller: SellerSession, bid: { pricePerMiB: bigint; rounds: number }): BidRefusal | undefined {
    try {
      this.state = {
        ...this.state,
        book: placeBid(
          this.state.book,
          {
            channelId: seller.channelId!,
            pricePerMiB: bid.pricePerMiB,
            fromRound: this.nextRound,
            untilRound: this.nextRound + bid.rounds - 1,
          },
          { nextRound: this.nextRound, config: this.config },
        ),
      };
    } catch (error) {
      if (!(error instanceof InvalidBidError)) throw error;
      return { reason: "bad-bid", detail: error.shortMessage };
    }
    return undefined;
  }

  /** Runs one round now (the timer calls it; tests may call it directly). */
  runRound(): RoundRecord {
    const now = this.now();
    const round = this.nextRound++;
    const peers = [...this.peers.values()].filter((p) => !p.wire.destroyed);
    // A winner of the last round that has not paid within its credit loses its bids for a while
    // (it still downloads through the optimistic slot like any unpaid peer).
    const penalized: string[] = [];
    for (const { seller } of peers) {
      if (!seller.slot.won || !seller.channelId || !seller.overdue(now, paymentGraceMs(this.config.roundMs))) continue;
      this.state = {
        ...this.state,
        penalties: penalize(this.state.penalties, seller.channelId, round, this.config.penaltyRounds),
      };
      penalized.push(seller.channelId);
      this.log?.(
        `round ${round}: channel ${seller.channelId.slice(0, 10)} did not pay within its credit: ` +
          `bids ignored for ${this.config.penaltyRounds} rounds`,
      );
    }
    const roundPeers = peers.map((p) => ({
      peerId: p.peerId,
      channelId: p.seller.mode === "paying" ? p.seller.channelId : undefined,
      connectedAt: p.connectedAt,
      interested: p.wire.peerInterested,
    }));
    const counted = new Set(roundPeers.filter((p) => p.interested && p.channelId).map((p) => p.channelId!));
    const bids = standingBids(pruneBids(this.state.book, round), round, this.state.penalties).filter((b) =>
      counted.has(b.channelId),
    );
    const { state, outcome } = runRound(this.state, {
      round,
      now,
      peers: roundPeers,
      config: this.config,
      key: this.tieBreakKey,
    });
    this.state = state;
    const winners = new Set(outcome.paid.map((w) => w.peerId));
    for (const p of peers) {
      p.seller.startRound(
        { round, won: winners.has(p.peerId), clearingPricePerMiB: outcome.auction.clearingPrice },
        this.config.roundMs,
      );
    }
    const optimistic = peers.find((p) => p.peerId === outcome.optimistic);
    this.choker.setOptimistic(optimistic?.wire);
    for (const p of peers) this.choker.update(p.wire);
    const record: RoundRecord = {
      round,
      at: now,
      bids,
      idle: roundPeers
        .filter((p) => p.channelId && !bids.some((b) => b.channelId === p.channelId))
        .map((p) => ({
          channelId: p.channelId!,
          why: isPenalized(this.state.penalties, p.channelId!, round)
            ? ("penalized" as const)
            : p.interested
              ? ("no-bid" as const)
              : ("not-interested" as const),
        })),
      winners: outcome.paid.map((w) => w.channelId),
      clearingPricePerMiB: outcome.auction.clearingPrice,
      optimistic: optimistic && (optimistic.seller.channelId ?? "unpaid"),
      penalized,
    };
    this.history.push(record);
    if (this.history.length > MAX_HISTORY) this.history.shift();
    return record;
  }
}
