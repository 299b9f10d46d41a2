import type { EventSourceProgress } from "../chain/types";

/**
 * Blocks the event source's newest event may trail the head before its silence stops counting as
 * "nothing happened": an event API a block behind its node is normal; TronGrid's has been seen 16
 * behind (issue 13). A quiet contract looks the same as a lagging API (nothing in its answers says
 * how far it has indexed), so a quiet contract's channels are read directly too: within the
 * request budget (DIRECT_READ_BUDGET_SHARE), that costs little.
 */
export const DIRECT_READ_LAG_BLOCKS = 2;
/**
 * The share of the connection's daily request budget direct reads may spend: 1.5 %, which with the
 * event watchers' 8 % (IDLE_BUDGET_SHARE) keeps an idle tower within 10 % of a free TronGrid plan.
 * On 100,000 requests a day: one channel read every 58 s.
 */
export const DIRECT_READ_BUDGET_SHARE = 0.015;
const DAY_MS = 86_400_000;

export type DirectReadsParameters = {
  /** Channel ids worth a read now, most at stake first (open, with an unclaimed voucher, not already handled). */
  candidates: () => string[];
  /** Reads one channel on the chain and acts on what it finds; a failure is the caller's to report. */
  read: (channelId: string) => Promise<void>;
  /** Shortest pause between two reads (the tower's polling interval). */
  minInterval: number;
};

export type DirectReads = {
  /** What the event watcher last saw (its onProgress). */
  progress: (progress: EventSourceProgress) => void;
  /** Whether the event source is behind (or silent) enough that closes are looked for directly. */
  lagging: () => boolean;
  stop: () => void;
};

/**
 * Reads the channels at stake straight from the chain, one at a time and round robin, while the
 * event source lags the head: a close it has not indexed yet is then found by a constant call, not
 * when the API catches up (48 s late at 16 blocks, in a 60 s window). Paced by the connection's
 * budget (DIRECT_READ_BUDGET_SHARE of requestsPerDay), never faster than `minInterval`; off until
 * the watcher has reported (an event source without progress reports, EVM's, is never second-guessed).
 */
export function startDirectReads({ candidates, read, minInterval }: DirectReadsParameters): DirectReads {
  let last: EventSourceProgress | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let reading = false;
  let turn = 0;

  const lagging = (): boolean =>
    last !== undefined && (last.indexed === undefined || last.head - last.indexed > BigInt(DIRECT_READ_LAG_BLOCKS));
  const interval = (): number => {
    const budget = last?.requestsPerDay ?? Infinity;
    const paced = Number.isFinite(budget) ? Math.ceil(DAY_MS / (budget * DIRECT_READ_BUDGET_SHARE)) : 0;
    return Math.max(minInterval, paced);
  };
  const schedule = (): void => {
    if (stopped || timer !== undefined || reading) return;
    timer = setTimeout(() => {
      timer = undefined;
      void tick();
    }, interval());
  };
  const tick = async (): Promise<void> => {
    if (stopped) return;
    const ids = lagging() ? candidates() : [];
    if (ids.length > 0) {
      reading = true;
      try {
        await read(ids[turn++ % ids.length]);
      } catch {
        // The caller reports; the next turn reads the next channel.
      } finally {
        reading = false;
      }
    }
    schedule();
  };

  return {
    progress(progress) {
      last = progress;
      schedule();
    },
    lagging,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
