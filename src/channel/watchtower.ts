import { EscrowRevertedError, TransactionUnconfirmedError } from "../chain/escrowErrors";
import type { ClaimRequest, EscrowEvent } from "../chain/types";
import { SeedpayError } from "../errors/base";
import type { ChannelRecord } from "../store/types";
import { normalizeAddress } from "../voucher/normalizeAddress";
import { syncChannel } from "./syncChannel";
import { decideWatchtowerClaim, nextRetryDelay } from "./watchtowerDecision";
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
const RESUME_OVERLAP = 12n;

/** The meta key holding the last handled block, per chain and escrow (one store may serve several). */
export const watchtowerCursorKey = (chainId: number, escrow: string): string =>
  `watchtower.cursor:${chainId}:${escrow.toLowerCase()}`;

type Job = WatchtowerPendingClaim & {
  source: "event" | "startup";
  /** closeSeen was reported for it. */
  announced: boolean;
  /** Claim it alone: a batch holding it was refused without naming the culprit. */
  solo: boolean;
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

  const chainId = Number(await chain.chainId());
  const escrow = chain.escrow.toLowerCase();
  const cursorKey = watchtowerCursorKey(chainId, escrow);
  let cursor = readCursor(store.getMeta(cursorKey), cursorKey);

  // Dispute windows run on the chain's clock, which may differ from this machine's (and a
  // development chain moves its own): retries are paced against chain time, refreshed as we go.
  let clockSkewMs = 0;
  const readChainClock = async (): Promise<bigint | undefined> => {
    try {
      const head = await chain.latestBlock();
      clockSkewMs = Number(head.timestamp) * 1000 - Date.now();
      return head.number;
    } catch {
      return undefined; // the node is down: keep the last skew; the watcher retries on its own
    }
  };
  const headAtStart = await readChainClock();

  const jobs = new Map<string, Job>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let rerun = false;

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
    });
  };

  const fail = (batch: Job[], error: Error): void => {
    const now = Date.now();
    const chainNow = now + clockSkewMs;
    const delays = batch.map((job) => {
      job.attempts += 1;
      const delay = nextRetryDelay({
        attempts: job.attempts,
        closesAt: job.closesAt,
        now: chainNow,
        retryDelay,
        maxRetryDelay,
      });
      job.nextAttemptAt = now + delay;
      return delay;
    });
    void readChainClock();
    emit({
      type: "claimFailed",
      channelIds: batch.map((j) => j.channelId),
      attempt: batch[0].attempts,
      retryInMs: delays[0],
      error,
    });
  };

  /** Reads the channel on the chain (syncing the store) and decides; undefined once the job is done. */
  const evaluate = async (job: Job): Promise<Claimable | undefined> => {
    const channel = await syncChannel(store, chain, job.channelId);
    if (channel.closesAt !== null) job.closesAt = BigInt(channel.closesAt);
    const payee = normalizeAddress(channel.key.payee);
    if (channel.status === "closing" && !job.announced) {
      job.announced = true;
      emit({ type: "closeSeen", channelId: job.channelId, payee, closesAt: job.closesAt ?? 0n, source: "startup" });
    }
    const best = store.getBestReceivedVoucher(job.channelId);
    const decision = decideWatchtowerClaim(channel, best?.cumulativeAmount);
    if (decision.action === "claim") {
      const request = { key: channel.key, amount: best!.cumulativeAmount, signature: best!.signature };
      return { job, channel, request, claimed: decision.claimed };
    }
    jobs.delete(job.channelId);
    // Claims sent while the node could not say how they ended: settled now by what the chain has
    // credited (by that transaction or another: the amount is what matters to the payee).
    for (const pending of store.listClaims({ channelId: job.channelId, status: "pending" })) {
      const landed = channel.claimed >= pending.amount;
      store.upsertClaim({ ...pending, status: landed ? "confirmed" : "failed" });
    }
    if (decision.action === "giveUp") {
      const { reason, unclaimed, detail } = decision;
      emit({ type: "gaveUp", channelId: job.channelId, reason, unclaimed, detail });
    } else if (decision.reason !== "not-closing" || job.source === "event") {
      // The start-up scan of a store without a cursor checks open channels too: most stay open.
      emit({ type: "skipped", channelId: job.channelId, reason: decision.reason, detail: decision.detail });
    }
    return undefined;
  };

  const claim = async (batch: Claimable[]): Promise<void> => {
    let tx;
    try {
      tx = await chain.claimMany(batch.map((c) => c.request));
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
      jobs.delete(job.channelId);
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
      await syncChannel(store, chain, job.channelId).catch(() => {
        // The claim landed; the store learns the rest at the next sync.
        if (store.getChannel(job.channelId)!.claimed < claimed) store.updateChannel(job.channelId, { claimed });
      });
    }
    emit({ type: "claimed", tx, credited: tx.credited, channels });
  };

  /** A failed claimMany: a node fault is retried with backoff; a contract refusal is final for the claim it names. */
  const refused = (batch: Claimable[], error: Error): void => {
    if (!(error instanceof EscrowRevertedError))
      return fail(
        batch.map((c) => c.job),
        error,
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

  const step = async (): Promise<void> => {
    const now = Date.now();
    const due = [...jobs.values()]
      .filter((j) => j.nextAttemptAt <= now)
      .sort((a, b) => Number((a.closesAt ?? 0n) - (b.closesAt ?? 0n)));
    const ready: Claimable[] = [];
    for (const job of due) {
      if (stopped) return;
      try {
        const claimable = await evaluate(job);
        if (claimable) ready.push(claimable);
      } catch (error) {
        fail([job], asError(error));
      }
    }
    if (ready.length === 0 || stopped) return;
    // Soonest deadline first; a channel under suspicion goes alone.
    const batch = ready[0].job.solo ? [ready[0]] : ready.filter((c) => !c.job.solo).slice(0, maxBatchSize);
    await claim(batch);
    if (ready.length > batch.length) rerun = true;
  };

  const schedule = (): void => {
    clearTimeout(timer);
    if (stopped || jobs.size === 0) return;
    const next = Math.min(...[...jobs.values()].map((j) => j.nextAttemptAt));
    timer = setTimeout(kick, Math.max(0, next - Date.now()));
  };

  /** Runs the claim loop, one pass at a time (one transaction at a time from the tower's account). */
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
  const unwatch = chain.watchEvents({
    fromBlock: start,
    pollingInterval,
    confirmations,
    onEvents,
    onError: (error) => emit({ type: "error", error }),
  });
  kick();

  return {
    async stop() {
      stopped = true;
      unwatch();
      clearTimeout(timer);
      await running;
    },
    status() {
      return {
        stopped,
        cursor,
        pending: [...jobs.values()].map(({ channelId, closesAt, attempts, nextAttemptAt }) => ({
          channelId,
          closesAt,
          attempts,
          nextAttemptAt,
        })),
      };
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
