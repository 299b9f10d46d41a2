import { EscrowRevertedError, TransactionUnconfirmedError } from "../chain/escrowErrors";
import type { ChannelState, ClaimRequest, EscrowEvent } from "../chain/types";
import { withDeadline } from "../chain/withDeadline";
import { SeedpayError } from "../errors/base";
import type { ChannelRecord } from "../store/types";
import { normalizeAddress } from "../voucher/normalizeAddress";
import { decideWatchtowerClaim, nextRetryDelay } from "./watchtowerDecision";
import { startDirectReads } from "./watchtowerDirectReads";
import type {
  StartWatchtowerParameters,
  StartWatchtowerReturnType,
  WatchtowerClaimedChannel,
  WatchtowerEvent,
  WatchtowerPendingClaim,
} from "./watchtowerTypes";

/** The store's cursor is not a block number: the tower cannot know where to resume. */
export class WatchtowerCursorError extends SeedpayError {
  override name = "WatchtowerCursorError";
}

/**
 * Blocks re-read behind the stored cursor on a restart, as the event watchers re-read behind
 * theirs: an event API that indexes a block late is still read. Closes seen twice are harmless
 * (the decision reads the chain first).
 */
const RESUME_OVERLAP = 64n;

/** Reads saying `open` a channel seen closing needs before the tower believes it (with recheckGrace). */
const OPEN_READS_TO_BELIEVE = 3;
/** Shortest pause between re-reads of a channel whose window is about to end. */
const MIN_RECHECK_MS = 50;
/** Channel reads in flight at once in one cycle: enough to hide a slow node's latency, few enough not to flood it. */
const READ_CONCURRENCY = 8;
/**
 * Claim transactions followed at once. A claim is followed until it is in a block (a lost
 * broadcast: until its expiration, 60 s on TRON) while the cycles go on reading and claiming other
 * channels; a few at a time, so a node that loses every broadcast does not collect hundreds.
 */
const MAX_CLAIMS_IN_FLIGHT = 4;

/** The meta key holding the last handled block, per chain and escrow (one store may serve several). */
export const watchtowerCursorKey = (chainId: number, escrow: string): string =>
  `watchtower.cursor:${chainId}:${escrow.toLowerCase()}`;

type Job = WatchtowerPendingClaim & {
  source: "event" | "startup" | "read";
  /** closeSeen was reported for it. */
  announced: boolean;
  /** Claim it alone: a batch holding it was refused without naming the culprit. */
  solo: boolean;
  /** An event or a read showed it closing: a later `open` read is a stale replica or a reorg, never final at once. */
  seenClosing: boolean;
  /** Consecutive reads saying open since it was seen closing, and since when (local ms). */
  openReads: number;
  openSince?: number;
  /** Nothing to claim at the last read: re-read every poll until settled (a reorg may undo a claim). */
  watching: boolean;
  /** A claim of this tower landed on it. */
  claimedByUs: boolean;
  /** The skip reason last reported, so a channel under re-check is reported once, not every poll. */
  reported?: string;
  /** Its dispute window, seconds (from the channel key), to judge how much of it is left. */
  window?: number;
  /** Reported at risk (see atRiskFraction). */
  atRisk: boolean;
  /** A read of it is in flight (possibly from a cycle that ran out of time): not read twice at once. */
  reading: boolean;
  /** A claim transaction holding it is in flight: neither read nor claimed again until it ends. */
  claiming: boolean;
};

type Claimable = { job: Job; channel: ChannelRecord; request: ClaimRequest; claimed: bigint };

/**
 * Starts a watchtower: answers every unilateral close of a payee channel in `store` with the
 * channel's best stored voucher, in claimMany batches, before the dispute window ends.
 *
 * It reads the escrow's events from a cursor kept in the store (so closes started while it was
 * down are caught up on), checks at start-up the channels the store knows to be closing, retries
 * failed claims with exponential backoff until the channel is settled (the escrow accepts claims
 * until then), and drops a channel with a reported reason when claiming it would pay nothing.
 * Claims can be sent by any account; the escrow credits each channel's payee.
 */
export async function startWatchtower(parameters: StartWatchtowerParameters): Promise<StartWatchtowerReturnType> {
  const { chain, store, onEvent, fromBlock, pollingInterval = 1000, confirmations = 0 } = parameters;
  const maxBatchSize = Math.max(1, parameters.maxBatchSize ?? 50);
  const retryDelay = Math.max(1, parameters.retryDelay ?? 1000);
  const maxRetryDelay = Math.max(retryDelay, parameters.maxRetryDelay ?? 60_000);
  const requestTimeout = parameters.requestTimeout ?? 10_000;
  const cycleTimeout = Math.max(1, parameters.cycleTimeout ?? 3 * requestTimeout);
  const recheckGrace = Math.max(0, parameters.recheckGrace ?? 60_000);
  const atRiskFraction = parameters.atRiskFraction ?? 0.25;
  const watchInterval = Math.max(0, parameters.watchInterval ?? 60_000);
  /** Reads are cheap and a node that is down may come back any second: retried at least this often. */
  const readRetryCap = Math.max(pollingInterval, retryDelay);
  const read = <T>(action: string, run: () => Promise<T>): Promise<T> => withDeadline(run(), requestTimeout, action);

  const escrow = chain.escrow.toLowerCase();
  let chainId = 0;
  let cursorKey = "";
  let cursor: bigint | undefined;

  // Dispute windows run on the chain's clock, which may differ from this machine's (and a
  // development chain moves its own): retries are paced against chain time, refreshed as we go.
  let clockSkewMs = 0;
  const readChainClock = async (): Promise<bigint | undefined> => {
    try {
      const head = await read("read the latest block", () => chain.latestBlock());
      clockSkewMs = Number(head.timestamp) * 1000 - Date.now();
      return head.number;
    } catch {
      return undefined; // the node is down: keep the last skew; the watcher retries on its own
    }
  };

  const jobs = new Map<string, Job>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let rerun = false;
  const inFlight = new Set<Promise<void>>();
  let unwatch: (() => void) | undefined;
  let bootTimer: NodeJS.Timeout | undefined;

  const emit = (event: WatchtowerEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A faulty listener must not stop the tower from claiming.
    }
  };
  const ours = (c: ChannelRecord): boolean => c.role === "payee" && c.chainId === chainId && c.escrow === escrow;

  const addJob = (channelId: string, source: Job["source"], closesAt: bigint | undefined): void => {
    const existing = jobs.get(channelId);
    if (existing) {
      existing.closesAt = closesAt ?? existing.closesAt;
      if (source === "event") existing.announced = true;
      existing.nextAttemptAt = Math.min(existing.nextAttemptAt, Date.now());
      return;
    }
    jobs.set(channelId, {
      channelId,
      closesAt,
      attempts: 0,
      nextAttemptAt: Date.now(),
      source,
      announced: source === "event",
      solo: false,
      seenClosing: source !== "startup" || store.getChannel(channelId)?.status === "closing",
      openReads: 0,
      watching: false,
      claimedByUs: false,
      window: store.getChannel(channelId)?.key.disputeWindow,
      atRisk: false,
      reading: false,
      claiming: false,
    });
  };

  /** Reports, once, a channel still to claim with less than atRiskFraction of its window left. */
  const checkRisk = (job: Job): void => {
    if (job.watching || job.atRisk || job.closesAt === undefined || job.window === undefined) return;
    const secondsLeft = Number(job.closesAt) - (Date.now() + clockSkewMs) / 1000;
    if (secondsLeft > job.window * atRiskFraction) return;
    job.atRisk = true;
    emit({
      type: "atRisk",
      channelId: job.channelId,
      closesAt: job.closesAt,
      secondsLeft: Math.max(0, Math.floor(secondsLeft)),
      attempts: job.attempts,
    });
  };

  /**
   * Milliseconds to the next re-read: every poll while something may be left to claim, every
   * watchInterval once nothing is (claimed to the best voucher: only a reorg or a better voucher
   * changes that), and in both cases at least four looks in what is left of the window.
   */
  const recheckDelay = (job: Job): number => {
    const pace = job.watching ? Math.max(pollingInterval, watchInterval) : pollingInterval;
    if (job.closesAt === undefined) return pace;
    const left = Number(job.closesAt) * 1000 - (Date.now() + clockSkewMs);
    return left > 0 ? Math.max(MIN_RECHECK_MS, Math.min(pace, Math.floor(left / 4))) : pace;
  };

  /** A failed read (`read`) or claim: retried with backoff; reads at least every readRetryCap ms. */
  const fail = (batch: Job[], error: Error, kind: "read" | "claim"): void => {
    const now = Date.now();
    const chainNow = now + clockSkewMs;
    const delays = batch.map((job) => {
      job.attempts += 1;
      job.watching = false;
      const backoff = nextRetryDelay({
        attempts: job.attempts,
        closesAt: job.closesAt,
        now: chainNow,
        retryDelay,
        maxRetryDelay,
      });
      const delay = kind === "read" ? Math.min(backoff, readRetryCap) : backoff;
      job.nextAttemptAt = now + delay;
      return delay;
    });
    void readChainClock();
    for (const job of batch) checkRisk(job);
    emit({
      type: "claimFailed",
      channelIds: batch.map((j) => j.channelId),
      attempt: batch[0].attempts,
      retryInMs: delays[0],
      error,
    });
  };

  /** Writes a fresh read to the store; an `open` read only once believed (see evaluate). */
  const apply = (id: string, state: ChannelState): ChannelRecord =>
    store.updateChannel(id, {
      status: state.status === "none" ? "open" : state.status,
      deposit: state.deposit,
      claimed: state.claimed,
      closesAt: state.status === "closing" ? Number(state.closesAt) : null,
    });

  /** Claims sent while the node could not say how they ended, settled by what the chain has credited. */
  const settlePending = (channel: ChannelRecord, final: boolean): void => {
    for (const pending of store.listClaims({ channelId: channel.id, status: "pending" })) {
      const landed = channel.claimed >= pending.amount;
      if (landed || final) store.upsertClaim({ ...pending, status: landed ? "confirmed" : "failed" });
    }
  };

  /**
   * Reads the channel on the chain and decides; undefined when there is nothing to send now. A
   * channel stays a job until the chain says it is settled: one that reads as claimed (or as open,
   * after it was seen closing) is read again every poll, so no single read, possibly from a lagging
   * replica or undone by a reorg, ends the watch.
   */
  const evaluate = async (job: Job): Promise<Claimable | undefined> => {
    const id = job.channelId;
    const state = await read(`read channel ${id}`, () => chain.getChannel(id));
    const now = Date.now();
    if (state.status === "open" || state.status === "none") {
      if (job.seenClosing) {
        job.openReads += 1;
        job.openSince ??= now;
        if (job.openReads < OPEN_READS_TO_BELIEVE || now - job.openSince < recheckGrace) {
          job.nextAttemptAt = now + recheckDelay(job);
          return undefined;
        }
      }
      // Believed: the close was reorganised away (or, at start-up, there never was one).
      jobs.delete(id);
      const channel = state.status === "open" ? apply(id, state) : store.getChannel(id)!;
      settlePending(channel, false);
      if (job.seenClosing || job.source === "event") {
        // The start-up scan of a store without a cursor checks open channels too: most stay open.
        const detail = `the chain says channel ${id} is ${state.status}: no close to answer (reorganised away?)`;
        emit({ type: "skipped", channelId: id, reason: "not-closing", detail });
      }
      return undefined;
    }
    job.openReads = 0;
    job.openSince = undefined;
    job.seenClosing = true;
    const channel = apply(id, state);
    if (channel.closesAt !== null) job.closesAt = BigInt(channel.closesAt);
    const payee = normalizeAddress(channel.key.payee);
    if (channel.status === "closing" && !job.announced) {
      job.announced = true;
      emit({ type: "closeSeen", channelId: id, payee, closesAt: job.closesAt ?? 0n, source: "startup" });
    }
    const best = store.getBestReceivedVoucher(id);
    const decision = decideWatchtowerClaim(channel, best?.cumulativeAmount);
    if (decision.action === "claim") {
      job.watching = false;
      const request = { key: channel.key, amount: best!.cumulativeAmount, signature: best!.signature };
      return { job, channel, request, claimed: decision.claimed };
    }
    settlePending(channel, channel.status === "closed");
    if (channel.status === "closing" && decision.action === "skip") {
      // Claimed to the best voucher held (or none held): watch until settled.
      job.watching = true;
      job.attempts = 0;
      job.nextAttemptAt = now + recheckDelay(job);
      if (!job.claimedByUs && job.reported !== decision.reason) {
        emit({ type: "skipped", channelId: id, reason: decision.reason, detail: decision.detail });
      }
      job.reported = decision.reason;
      return undefined;
    }
    jobs.delete(id);
    if (decision.action === "giveUp") {
      const { reason, unclaimed, detail } = decision;
      emit({ type: "gaveUp", channelId: id, reason, unclaimed, detail });
    } else if (!job.claimedByUs) {
      emit({ type: "skipped", channelId: id, reason: decision.reason, detail: decision.detail });
    }
    return undefined;
  };

  const claim = async (batch: Claimable[]): Promise<void> => {
    let tx;
    try {
      // No deadline here: the sender bounds its own wait for the receipt (TxSender, TronChain).
      // The nearest window's end, by the chain's clock, on this machine's: the sender pushes harder as it nears.
      const ends = batch.flatMap((c) => (c.job.closesAt === undefined ? [] : [Number(c.job.closesAt) * 1000]));
      const deadline = ends.length > 0 ? Math.min(...ends) - clockSkewMs : undefined;
      tx = await chain.claimMany(
        batch.map((c) => c.request),
        { deadline },
      );
    } catch (error) {
      if (error instanceof TransactionUnconfirmedError) {
        // Sent, outcome unknown: keep the transaction on record; the retry reads the chain first,
        // and confirms the record if the claim turns out to have landed.
        for (const c of batch) {
          store.upsertClaim({ txRef: error.hash, channelId: c.job.channelId, amount: c.claimed, status: "pending" });
        }
      }
      return refused(batch, asError(error));
    }
    const channels: WatchtowerClaimedChannel[] = [];
    for (const { job, channel, claimed } of batch) {
      // Kept and re-read every poll until settled: a reorg that drops this claim is claimed again.
      job.watching = true;
      job.claimedByUs = true;
      job.atRisk = false;
      job.attempts = 0;
      job.nextAttemptAt = Date.now() + recheckDelay(job);
      channels.push({
        channelId: job.channelId,
        payee: normalizeAddress(channel.key.payee),
        claimed,
        paid: claimed - channel.claimed,
      });
      store.upsertClaim({ txRef: tx.hash, channelId: job.channelId, amount: claimed, status: "confirmed" });
      // An earlier claim whose outcome was unknown did not land (this one would have paid nothing).
      for (const pending of store.listClaims({ channelId: job.channelId, status: "pending" })) {
        if (pending.txRef !== tx.hash) store.upsertClaim({ ...pending, status: "failed" });
      }
      // The claim landed; the store learns the rest at the next re-read.
      if (store.getChannel(job.channelId)!.claimed < claimed) store.updateChannel(job.channelId, { claimed });
    }
    emit({ type: "claimed", tx, credited: tx.credited, channels });
  };

  /** A failed claimMany: a node fault is retried with backoff; a contract refusal is final for the claim it names. */
  const refused = (batch: Claimable[], error: Error): void => {
    if (!(error instanceof EscrowRevertedError))
      return fail(
        batch.map((c) => c.job),
        error,
        "claim",
      );
    const named = typeof error.args[0] === "string" ? error.args[0].toLowerCase() : undefined;
    const culprit = batch.find((c) => c.job.channelId === named) ?? (batch.length === 1 ? batch[0] : undefined);
    if (!culprit) {
      // Refused without naming a channel (a malformed signature): claim each alone to find it.
      for (const c of batch) c.job.solo = true;
      return;
    }
    // The others go again at once.
    jobs.delete(culprit.job.channelId);
    emit({
      type: "gaveUp",
      channelId: culprit.job.channelId,
      reason: "voucher-refused",
      unclaimed: culprit.claimed - culprit.channel.claimed,
      detail: error.shortMessage,
      error,
    });
  };

  /**
   * One cycle: reads every due channel (soonest deadline first, READ_CONCURRENCY at a time) and
   * claims what is claimable. The reads end at cycleTimeout: a channel not read by then stays due
   * and goes first in the next cycle, so no node, however slow, stretches a cycle past it (the
   * claim is bounded by its sender: TxSender's timeout, TRON's expiration).
   */
  const step = async (): Promise<void> => {
    const started = Date.now();
    const due = [...jobs.values()]
      .filter((j) => j.nextAttemptAt <= started && !j.reading && !j.claiming)
      .sort((a, b) => Number((a.closesAt ?? 0n) - (b.closesAt ?? 0n)));
    const ready: Claimable[] = [];
    for (const job of jobs.values()) checkRisk(job);
    let next = 0;
    const readOne = async (job: Job): Promise<void> => {
      job.reading = true;
      try {
        const claimable = await evaluate(job);
        if (claimable) ready.push(claimable);
      } catch (error) {
        fail([job], asError(error), "read");
      } finally {
        job.reading = false;
      }
    };
    const worker = async (): Promise<void> => {
      while (next < due.length && !stopped && Date.now() - started < cycleTimeout) await readOne(due[next++]);
    };
    let cycleTimer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<void>((resolve) => {
      cycleTimer = setTimeout(resolve, cycleTimeout);
    });
    await Promise.race([
      Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, due.length) }, worker)),
      outOfTime,
    ]);
    clearTimeout(cycleTimer);
    if (next < due.length || due.some((j) => j.reading)) rerun = true; // the rest go first next cycle
    if (ready.length === 0 || stopped) return;
    // Soonest deadline first; a channel under suspicion goes alone.
    ready.sort((a, b) => Number((a.job.closesAt ?? 0n) - (b.job.closesAt ?? 0n)));
    const batch = ready[0].job.solo ? [ready[0]] : ready.filter((c) => !c.job.solo).slice(0, maxBatchSize);
    if (inFlight.size >= MAX_CLAIMS_IN_FLIGHT) {
      // Read again shortly: by then a claim in flight may have ended, or claimed these too.
      for (const c of ready) c.job.nextAttemptAt = Date.now() + pollingInterval;
      return;
    }
    send(batch);
    if (ready.length > batch.length) rerun = true;
  };

  /**
   * Starts a claim and returns: the next cycle's reads (other channels, nearer deadlines) do not wait
   * for this transaction to be mined. Its channels sit out the cycles until it ends.
   */
  const send = (batch: Claimable[]): void => {
    for (const c of batch) c.job.claiming = true;
    const sending: Promise<void> = claim(batch)
      .catch((error) => emit({ type: "error", error: asError(error) }))
      .finally(() => {
        for (const c of batch) c.job.claiming = false;
        inFlight.delete(sending);
        kick();
      });
    inFlight.add(sending);
  };

  const schedule = (): void => {
    clearTimeout(timer);
    if (stopped || jobs.size === 0) return;
    // A read still in flight from a cycle that ran out of time: look again shortly, not in a busy loop.
    const soonest = Date.now() + MIN_RECHECK_MS;
    // A channel whose claim is in flight is looked at again when the claim ends (send's kick).
    const waiting = [...jobs.values()].filter((j) => !j.claiming);
    if (waiting.length === 0) return;
    const next = Math.min(...waiting.map((j) => (j.reading ? Math.max(j.nextAttemptAt, soonest) : j.nextAttemptAt)));
    timer = setTimeout(kick, Math.max(0, next - Date.now()));
  };

  /** Runs the claim loop, one pass at a time; claims it starts are followed beside it (send). */
  function kick(): void {
    if (stopped) return;
    if (running) {
      rerun = true;
      return;
    }
    running = (async () => {
      do {
        rerun = false;
        await step();
      } while (rerun && !stopped);
    })()
      .catch((error) => emit({ type: "error", error: asError(error) }))
      .finally(() => {
        running = undefined;
        schedule();
      });
  }

  const onEvents = (events: EscrowEvent[]): void => {
    // A poll in flight at stop() may still deliver: leave those events (and the cursor) to the next start.
    if (stopped) return;
    let last: bigint | undefined;
    try {
      store.transaction(() => {
        for (const e of events) {
          last = e.blockNumber;
          if (e.type !== "ChannelCloseStarted" && e.type !== "ChannelClosed") continue;
          const id = e.channelId.toLowerCase();
          const channel = store.getChannel(id);
          if (!channel || !ours(channel)) continue;
          // Settled already (a restart re-reads the blocks behind its cursor): nothing left to answer.
          if (e.type === "ChannelCloseStarted" && channel.status === "closed") continue;
          if (e.type === "ChannelClosed") {
            // A pending channel was settled or closed: decide now rather than at its next retry.
            if (jobs.has(id)) addJob(id, "event", undefined);
            continue;
          }
          addJob(id, "event", e.closesAt);
          emit({
            type: "closeSeen",
            channelId: id,
            payee: normalizeAddress(channel.key.payee),
            closesAt: e.closesAt,
            source: "event",
          });
          // The store's `closing` status is the durable to-do list the start-up scan reads.
          if (channel.status !== "closed") store.updateChannel(id, { status: "closing", closesAt: Number(e.closesAt) });
        }
        if (last !== undefined && (cursor === undefined || last > cursor)) store.setMeta(cursorKey, last.toString());
      });
      // Never backwards: a restart re-reads a few blocks behind the stored cursor.
      if (last !== undefined && (cursor === undefined || last > cursor)) cursor = last;
    } catch (error) {
      // Jobs already queued stay queued; the cursor stays behind so a restart reads these events again.
      emit({ type: "error", error: asError(error) });
    }
    kick();
  };

  /**
   * Closes the event source has not shown yet, looked for directly while it lags: a channel read
   * closing (or settled) becomes a job at once, as its ChannelCloseStarted would have made it.
   */
  const directReads = startDirectReads({
    minInterval: pollingInterval,
    candidates: () =>
      store
        .listUnclaimedChannels({ status: "open", above: parameters.directReadAbove ?? 0n })
        .filter((u) => ours(u.channel) && !jobs.has(u.channel.id))
        .sort((a, b) => (a.unclaimed > b.unclaimed ? -1 : a.unclaimed < b.unclaimed ? 1 : 0))
        .map((u) => u.channel.id),
    read: async (id) => {
      let state: ChannelState;
      try {
        state = await read(`read channel ${id}`, () => chain.getChannel(id));
      } catch (error) {
        emit({ type: "error", error: asError(error) });
        return;
      }
      if (stopped || jobs.has(id) || (state.status !== "closing" && state.status !== "closed")) return;
      const channel = store.getChannel(id)!;
      addJob(id, "read", state.status === "closing" ? state.closesAt : undefined);
      if (state.status === "closing") {
        jobs.get(id)!.announced = true;
        store.updateChannel(id, { status: "closing", closesAt: Number(state.closesAt) });
        const payee = normalizeAddress(channel.key.payee);
        emit({ type: "closeSeen", channelId: id, payee, closesAt: state.closesAt, source: "read" });
      }
      kick();
    },
  });

  /** Everything that needs the node: the chain id (so the cursor), the start-up scan, the event watcher. */
  const begin = async (): Promise<void> => {
    chainId = Number(await read("read the chain id", () => chain.chainId()));
    cursorKey = watchtowerCursorKey(chainId, escrow);
    cursor = readCursor(store.getMeta(cursorKey), cursorKey);
    const headAtStart = await readChainClock();
    if (stopped) return;
    // Start-up: channels the store knows to be closing (a claim that did not land before a stop), and,
    // on a first start without a cursor, every channel with something unclaimed, since closes before
    // `fromBlock` are in no event the tower will read.
    const statuses = cursor === undefined ? (["open", "closing"] as const) : (["closing"] as const);
    const scan = store.listUnclaimedChannels({ status: statuses }).filter((u) => ours(u.channel));
    for (const { channel } of scan) {
      addJob(channel.id, "startup", channel.closesAt === null ? undefined : BigInt(channel.closesAt));
    }
    // A first start reads from the block that was newest at start (not from whatever block the
    // watcher's first poll sees), so a close landing in between is not missed.
    const start =
      cursor === undefined ? (fromBlock ?? headAtStart) : cursor > RESUME_OVERLAP ? cursor - RESUME_OVERLAP : 0n;
    emit({ type: "started", fromBlock: start, resumed: cursor !== undefined, scanning: scan.length });
    unwatch = chain.watchEvents({
      fromBlock: start,
      pollingInterval,
      confirmations,
      // Fast event polling (TRON's, on a request budget) only while a claim is still to land.
      urgent: () => [...jobs.values()].some((j) => !j.watching),
      onEvents,
      onError: (error) => emit({ type: "error", error }),
      onProgress: directReads.progress,
    });
    kick();
  };

  // A node that is down at start delays the start, not the caller: the tower keeps trying, and the
  // start-up scan then finds the closes that happened meanwhile.
  const boot = (): void => {
    bootTimer = setTimeout(() => {
      if (stopped) return;
      begin().catch((error) => {
        if (stopped) return;
        emit({ type: "error", error: asError(error) });
        if (!(error instanceof WatchtowerCursorError)) boot();
      });
    }, pollingInterval);
  };
  try {
    await begin();
  } catch (error) {
    if (error instanceof WatchtowerCursorError) throw error;
    emit({ type: "error", error: asError(error) });
    boot();
  }

  const listed = (watching: boolean) =>
    [...jobs.values()]
      .filter((j) => j.watching === watching)
      .map(({ channelId, closesAt, attempts, nextAttemptAt }) => ({ channelId, closesAt, attempts, nextAttemptAt }));

  return {
    async stop() {
      stopped = true;
      unwatch?.();
      directReads.stop();
      clearTimeout(timer);
      clearTimeout(bootTimer);
      await running;
      await Promise.all(inFlight);
    },
    status() {
      const atRisk = [...jobs.values()].filter((j) => j.atRisk && !j.watching).map((j) => j.channelId);
      return { stopped, cursor, pending: listed(false), watching: listed(true), atRisk };
    },
  };
}

function readCursor(value: string | undefined, key: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new WatchtowerCursorError(`the store's watchtower cursor ${key} is ${JSON.stringify(value)}, not a block`, {
      metaMessages: [
        `Delete the meta key ${key} to start from the current block (the start-up scan then checks every open channel).`,
      ],
    });
  }
  return BigInt(value);
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
