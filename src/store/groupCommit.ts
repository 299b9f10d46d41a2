/** How a {@link GroupCommit} gathers writes into one transaction. */
export type GroupCommitOptions = {
  /**
   * How long the first queued write waits for others before the batch commits, in ms. 0 (the
   * default) commits at the end of the current event-loop turn: every write queued while the
   * messages of one socket read are handled shares one commit, and none waits on a timer.
   */
  windowMs?: number;
};

type Pending = { run: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/**
 * Group commit: writes queued within one window run in one transaction, so the window costs one
 * fsync instead of one per write. Each write runs in its own savepoint, so one that throws (a
 * refused voucher) is rolled back and rejected alone. Every caller's promise settles only after
 * the whole transaction committed (or failed): a resolved write is on disk; a write whose promise
 * is still pending when the process dies was never acknowledged, and the transaction is all or
 * nothing, so a crash mid-batch loses only unacknowledged writes.
 */
export class GroupCommit {
  readonly #commit: (fn: () => void) => void;
  readonly #savepoint: <T>(fn: () => T) => T;
  readonly #windowMs: number;
  #queue: Pending[] = [];
  #scheduled = false;

  /**
   * @param commit runs `fn` in one transaction and returns once it is durable (throws if it is not)
   * @param savepoint runs `fn` inside that transaction, undoing its writes if it throws
   */
  constructor(
    commit: (fn: () => void) => void,
    savepoint: <T>(fn: () => T) => T,
    { windowMs = 0 }: GroupCommitOptions = {},
  ) {
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`group commit windowMs must be a finite number >= 0, got ${windowMs}`);
    }
    this.#commit = commit;
    this.#savepoint = savepoint;
    this.#windowMs = windowMs;
  }

  /** Writes queued and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues `run` for the next commit; resolves with its result once that commit is durable. */
  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      if (this.#windowMs === 0) setImmediate(() => this.flush());
      else setTimeout(() => this.flush(), this.#windowMs);
    });
  }

  /** Commits everything queued now (synchronously), then settles each caller. */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#commit(() => {
        for (const write of batch) {
          try {
            outcomes.push({ ok: true, value: this.#savepoint(write.run) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The transaction did not commit: nothing of the batch is on disk, so no write succeeded.
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}
