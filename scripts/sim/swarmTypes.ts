import type { OptimisticState, SealedBid } from "../../src/market";
import type { PeerSpec, Scheme } from "./scenario";

/** The simulator's peers, connections and results (see swarm.ts), and BitTorrent's timings. */

/** BitTorrent rechokes every 10 s and rotates the optimistic unchoke every 30 s; leechers keep 3 tit-for-tat slots. */
export const ROUND_S = 10;
export const OPTIMISTIC_MS = 30_000;
export const TFT_SLOTS = 3;
/** Rounds over which a seeder judges whether staying pays (30 minutes). */
export const REVENUE_WINDOW = 180;
/** A peer short of neighbours asks the tracker again every minute. */
export const TRACKER_RETRY_ROUNDS = 6;

export type Kind = "tft" | "paid" | "free" | "optimistic";
export type Connection = { u: Peer; d: Peer; kind: Kind; price: bigint; fromSeeder: boolean };

export type Peer = PeerSpec & {
  origin: boolean;
  online: boolean;
  have: Uint32Array;
  count: number;
  completedAt: number | undefined;
  leftAt: number | undefined;
  neighbors: Set<Peer>;
  recvNow: Map<Peer, number>;
  recvLast: Map<Peer, number>;
  credit: Map<Peer, number>;
  lastServed: Map<Peer, number>;
  optimistic: OptimisticState;
  key: Uint8Array;
  spent: bigint;
  /** Bytes received in paid slots (to check no one paid above its value). */
  paidBytes: number;
  revenue: bigint;
  ring: bigint[];
  ringSum: bigint;
  roundRevenue: bigint;
  outcomes: Map<Peer, { round: number; won: boolean; clearingPrice: bigint }>;
  bidsIn: { bid: SealedBid; bidder: Peer }[];
};

export type SimResult = {
  scenario: string;
  scheme: Scheme;
  /** Download times (s) of leechers that finished, by class. */
  payerTimes: number[];
  nonPayerTimes: number[];
  unfinishedPayers: number;
  unfinishedNonPayers: number;
  /** Base units earned by all sellers, and by the original seeder alone. */
  revenue: bigint;
  originRevenue: bigint;
  /** What payers spent in total; payers who spent above their budget, or above their value per MiB received. */
  spent: bigint;
  overBudget: number;
  aboveValue: number;
  /** Seconds from the original seeder's departure until some piece was on no online peer; undefined = never before the horizon. */
  copyLostAfterOriginS: number | undefined;
  bytes: {
    total: number;
    toNonPayers: number;
    bySeeders: number;
    bySeedersPaid: number;
    bySeedersOptimistic: number;
  };
  rounds: number;
};
