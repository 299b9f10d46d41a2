import type { Unwatch } from "../types";
import type { TronHttp } from "./tronHttp";

/** A block header as a header-only read gives it: number and time (ms). */
export type TronHead = { number: number; timestamp: number };

/** One watcher as the shared follower drives it. */
export type FollowerSubscription = {
  /** Reads and delivers what is new up to `head`; throws when a request fails (the follower backs off). */
  poll: (head: TronHead) => Promise<void>;
  onError?: (error: Error) => void;
  /** Milliseconds between polls while `urgentUntil` (chain time, ms) is ahead of the head. */
  fastInterval: number;
  /** Milliseconds between polls otherwise; undefined: paced by the connection's request budget. */
  idleInterval?: number;
  /** Chain time (ms) until which this watcher polls fast (a dispute window or a challenge deadline open). */
  urgentUntil: () => number;
};

type Entry = FollowerSubscription & { due: number; failures: number; running: boolean };

const ONE_RETRY = { retries: 1 };
/**
 * The share of the connection's daily request budget idle watchers' polls may spend: 8 %, leaving
 * room under 10 % for what else an idle watchtower reads (the chain's clock, start-up checks).
 */
export const IDLE_BUDGET_SHARE = 0.08;
/** A TRON block every 3 s: polling a budgeted connection faster finds nothing new. */
const SLOT_MS = 3000;
const DAY_MS = 86_400_000;

const followers = new Map<string, TronEventFollower>();

/**
 * One poller per connection for every TRON event watcher in the process: one header-only read of
 * the head per tick (`wallet/getblock` without detail, not getnowblock's whole block), then each
 * watcher that is due reads its events. A watcher is due every `fastInterval` while its urgent
 * window is open, else every `idleInterval`, which by default spends at most IDLE_BUDGET_SHARE of
 * the connection's daily request budget on idle polling. A failed read backs off exponentially with
 * jitter (403/429/5xx from a throttling TronGrid) instead of hammering it.
 */
export class TronEventFollower {
  private readonly entries = new Set<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private headFailures = 0;
  private ticking = false;

  private constructor(
    readonly http: TronHttp,
    private readonly key: string,
  ) {}

  /** The follower shared by every watcher on the same hosts and API key. */
  static for(http: TronHttp): TronEventFollower {
    const c = http.connection;
    const key = [c.fullNode, c.solidityNode, c.eventServer, c.apiKey ?? "", ...c.alsoNodes].join(" ");
    let follower = followers.get(key);
    if (!follower) {
      follower = new TronEventFollower(http, key);
      followers.set(key, follower);
    }
    return follower;
  }

  /** Watchers now driven by this follower. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Milliseconds between idle polls: the connection's budget share spread over a day, for one head
   * read and one events read per watcher; never faster than a block on a budgeted connection.
   */
  idleInterval(): number {
    const perPoll = 1 + Math.max(1, this.entries.size);
    const budget = this.http.connection.requestsPerDay;
    if (!Number.isFinite(budget)) return 0;
    return Math.max(SLOT_MS, Math.ceil((DAY_MS * perPoll) / (budget * IDLE_BUDGET_SHARE)));
  }

  watch(subscription: FollowerSubscription): Unwatch {
    const entry: Entry = { ...subscription, due: 0, failures: 0, running: false };
    this.entries.add(entry);
    this.schedule(0);
    return () => {
      this.entries.delete(entry);
      if (this.entries.size === 0) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (followers.get(this.key) === this) followers.delete(this.key);
      }
    };
  }

  private schedule(delay: number): void {
    if (this.ticking || this.entries.size === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.max(0, delay));
  }

  private interval(entry: Entry, head: TronHead | undefined): number {
    const fast = entry.fastInterval;
    const budgeted = Number.isFinite(this.http.connection.requestsPerDay);
    const urgent = head !== undefined && entry.urgentUntil() > head.timestamp;
    if (urgent) return budgeted ? Math.max(fast, SLOT_MS) : fast;
    return entry.idleInterval ?? Math.max(fast, this.idleInterval());
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.ticking = true;
    let head: TronHead | undefined;
    try {
      const now = Date.now();
      const due = [...this.entries].filter((e) => e.due <= now && !e.running);
      if (due.length === 0) return;
      try {
        const block = await this.http.wallet("wallet/getblock", { detail: false }, ONE_RETRY);
        const raw = block?.block_header?.raw_data;
        if (!raw) throw new Error("the node answered no block header to /wallet/getblock");
        head = { number: Number(raw.number ?? 0), timestamp: Number(raw.timestamp ?? 0) };
        this.headFailures = 0;
      } catch (error) {
        this.headFailures++;
        const wait = this.http.backoff(this.headFailures);
        for (const e of due) {
          e.due = Date.now() + Math.max(wait, this.interval(e, undefined) / 4);
          e.onError?.(asError(error));
        }
        return;
      }
      await Promise.all(
        due.map(async (e) => {
          e.running = true;
          try {
            await e.poll(head!);
            e.failures = 0;
            e.due = Date.now() + this.interval(e, head);
          } catch (error) {
            e.failures++;
            e.due = Date.now() + Math.max(this.http.backoff(e.failures), Math.min(this.interval(e, head), 1000));
            e.onError?.(asError(error));
          } finally {
            e.running = false;
          }
        }),
      );
    } finally {
      this.ticking = false;
      const next = Math.min(...[...this.entries].map((e) => e.due));
      if (Number.isFinite(next)) this.schedule(next - Date.now());
    }
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
