import type { ChainAdapter, TxResult } from "../chain/types";
import type { VoucherStore } from "../store/types";

/** What {@link startWatchtower} watches with: a chain adapter, the payee's store and its pacing. */
export type StartWatchtowerParameters = {
  /** The escrow to watch, and the account that pays the fees of claims (any account: the escrow pays the payee). */
  chain: ChainAdapter;
  /** Holds the payee channels and their best received vouchers, and the tower's cursor (meta key, see docs/escrow.md). */
  store: VoucherStore;
  /** Reports everything the tower does; the library prints nothing. A listener that throws is ignored. */
  onEvent?: (event: WatchtowerEvent) => void;
  /**
   * First block to read when the store holds no cursor yet (a first start), e.g. the escrow's
   * deployment block; default: the newest block when the tower starts. Ignored once a cursor is stored.
   */
  fromBlock?: bigint;
  /** Milliseconds between event polls; default 1000. */
  pollingInterval?: number;
  /** Blocks an event must be buried under before the tower acts on it; default 0 (a claim on a reorged close is harmless). */
  confirmations?: number;
  /** Most claims in one claimMany transaction; default 50. */
  maxBatchSize?: number;
  /** Milliseconds before the first retry of a failed claim; doubles per failure; default 1000. */
  retryDelay?: number;
  /** Longest wait between retries, milliseconds; default 60000. */
  maxRetryDelay?: number;
  /**
   * Milliseconds one read of the node may take before it counts as failed; default 10000. A hung
   * request then costs one retry, not the window (ethers' own default is 300 s).
   */
  requestTimeout?: number;
  /**
   * Milliseconds one cycle's channel reads may take in all; default 3 × requestTimeout. Reads run
   * concurrently (a few at a time), soonest window first; those not done by then go first next
   * cycle, so a slow node cannot hold the whole tower behind one cycle.
   */
  cycleTimeout?: number;
  /**
   * How long, in milliseconds, a channel once seen closing must keep reading `open` (on at least
   * three reads) before the tower believes its close was reorganised away; default 60000. One
   * read from a lagging replica is never final.
   */
  recheckGrace?: number;
  /**
   * Milliseconds between re-reads of a closing channel with nothing left to claim (claimed to the
   * best voucher), until it is settled; default 60000, and at least four re-reads in what is left of
   * its window. They catch a reorg that undid the claim, or a better voucher stored since.
   */
  watchInterval?: number;
  /** Part of a channel's dispute window left unclaimed at which it is reported at risk; default 0.25. */
  atRiskFraction?: number;
  /**
   * While the event source lags the head (TRON's event API, which can trail its node by many
   * blocks), open channels whose unclaimed voucher is worth more than this (token units) are read
   * straight from the chain, one at a time, most at stake first, paced to a small share of the
   * connection's request budget, so that a close the API has not indexed yet is still answered in
   * time. Set it to what a claim costs in the token, so reads are spent only where a claim pays;
   * default 0 (anything unclaimed).
   */
  directReadAbove?: bigint;
};

/** Why a channel was dropped without a claim: nothing is lost. */
export type WatchtowerSkipReason =
  /** The escrow already credited the best voucher (or more). */
  | "already-claimed"
  /** The store holds no voucher for this channel. */
  | "no-voucher"
  /** The channel was settled or closed with nothing of the best voucher left unpaid. */
  | "settled"
  /** The chain says the channel is open (the close was reorganised away). */
  | "not-closing";

/** Why the tower stopped trying to claim a channel: the payee may have lost `unclaimed`. */
export type WatchtowerGiveUpReason =
  /** The channel was settled before a claim landed. */
  | "settled-unclaimed"
  /** The escrow refuses the stored voucher (wrong signer, unknown channel, malformed signature): retrying cannot help. */
  | "voucher-refused";

/** One channel paid by a watchtower claim. */
export type WatchtowerClaimedChannel = {
  channelId: string;
  payee: string;
  /** The channel's claimed total after the claim (the voucher, capped at the deposit). */
  claimed: bigint;
  /** What this claim added. */
  paid: bigint;
};

/** What the tower did, for logs and alerts. Amounts in token base units; chain times in unix seconds. */
export type WatchtowerEvent =
  | {
      type: "started";
      /** Where event reading starts (undefined: the current block). */
      fromBlock: bigint | undefined;
      /** True when resuming from a stored cursor. */
      resumed: boolean;
      /** Stored channels checked on the chain at start-up. */
      scanning: number;
    }
  | {
      type: "closeSeen";
      channelId: string;
      payee: string;
      closesAt: bigint;
      /**
       * `event`: a ChannelCloseStarted log; `startup`: found closing by the start-up scan; `read`:
       * found closing by a direct read while the event source lagged (see directReadAbove).
       */
      source: "event" | "startup" | "read";
    }
  | { type: "claimed"; tx: TxResult; credited: bigint; channels: WatchtowerClaimedChannel[] }
  | {
      type: "claimFailed";
      channelIds: string[];
      /** Consecutive failures so far (of the first channel listed). */
      attempt: number;
      /** When the next attempt runs. */
      retryInMs: number;
      error: Error;
    }
  | { type: "skipped"; channelId: string; reason: WatchtowerSkipReason; detail: string }
  | {
      type: "gaveUp";
      channelId: string;
      reason: WatchtowerGiveUpReason;
      /** The best voucher's amount (capped at the deposit) minus what the escrow credited. */
      unclaimed: bigint;
      detail: string;
      error?: Error;
    }
  /**
   * A channel still unclaimed with less than `atRiskFraction` of its dispute window left (by the
   * chain's clock): the node or the tower's wallet needs attention now. Reported once per channel.
   */
  | { type: "atRisk"; channelId: string; closesAt: bigint; secondsLeft: number; attempts: number }
  /** Reading events failed (the watcher keeps polling), or the store refused a write (the cursor is not advanced). */
  | { type: "error"; error: Error };

/** A channel the tower still has to claim. */
export type WatchtowerPendingClaim = {
  channelId: string;
  /** Unix seconds; undefined until the chain or an event told it. */
  closesAt: bigint | undefined;
  /** Consecutive failed attempts. */
  attempts: number;
  /** Unix milliseconds (local clock) of the next attempt. */
  nextAttemptAt: number;
};

export type WatchtowerStatus = {
  stopped: boolean;
  /** The last block whose escrow events were handled and stored; undefined before the first. */
  cursor: bigint | undefined;
  /** Channels with a claim still to land (or not yet read). */
  pending: WatchtowerPendingClaim[];
  /**
   * Closing channels with nothing to claim now (claimed to the best voucher held, or no voucher),
   * re-read every poll until settled: a reorg that undoes a claim, or a read that was stale, is caught.
   */
  watching: WatchtowerPendingClaim[];
  /** Pending channels reported at risk (see the `atRisk` event): a health check fails while any is. */
  atRisk: string[];
};

/** A running watchtower, as {@link startWatchtower} returns it. */
export type Watchtower = {
  /** Stops watching and retrying; resolves once no claim is in flight (then the store may be closed). */
  stop(): Promise<void>;
  status(): WatchtowerStatus;
};

export type StartWatchtowerReturnType = Watchtower;
