import { normalizeAddress } from "../../voucher/normalizeAddress";
import { toTronAddress } from "../../voucher/toTronAddress";
import { logId } from "../events";
import type { EventMeta, EventSourceProgress, Unwatch } from "../types";
import { TronEventFollower, type TronHead } from "./tronEventFollower";
import type { TronHttp } from "./tronHttp";

/** One event as TronGrid's /v1/contracts/{address}/events returns it (the fields read here). */
export type TronGridEvent = {
  block_number: number;
  block_timestamp: number;
  event_index: number;
  event_name: string;
  transaction_id: string;
  result: Record<string, string>;
};

export type WatchTronEventsParameters<T> = {
  /** First block to read; default: the current block. */
  fromBlock?: bigint;
  /**
   * Turns an event into what `onEvents` receives; undefined skips it (it still counts as seen).
   * Runs inside the poll, so an event that fails to decode fails the poll and is read again.
   */
  decode: (event: TronGridEvent, meta: EventMeta) => T | undefined;
  /** Called with each new batch of decoded events, in chain order, never the same event twice. */
  onEvents: (events: T[]) => void | Promise<void>;
  /** Called when a poll fails (node or event API unreachable, throttled, ...); the watcher keeps polling. */
  onError?: (error: Error) => void;
  /**
   * Milliseconds between polls while a window is open (see `urgentUntil`); default 3000 (a block).
   * A connection with a request budget (TronGrid) is never polled faster than a block.
   */
  pollingInterval?: number;
  /**
   * Milliseconds between polls otherwise. Default: `pollingInterval` when that is given and the
   * node has no request budget (a local node); else paced so that idle polling spends at most a
   * IDLE_BUDGET_SHARE (8 %) of the connection's `requestsPerDay` (≈ 22 s for one watcher on 100,000 a day).
   */
  idlePollingInterval?: number;
  /** Blocks an event must be buried under before it is delivered; default 0. */
  confirmations?: number;
  /**
   * Unix seconds until which an event opens a window worth watching closely (a dispute window's
   * end, a challenge's deadline); the watcher polls at `pollingInterval` until the chain passes it.
   */
  urgentUntil?: (event: T) => bigint | undefined;
  /** Asked before each poll: false ends the fast polling an event started (see WatchEscrowEventsParameters). */
  urgent?: () => boolean;
  /** After each successful poll: the head, the newest block the event API has shown, the budget. */
  onProgress?: (progress: EventSourceProgress) => void;
};

export type WatchTronEventsOptions = {
  /** Events per request, at most 200 (TronGrid's limit); default 200. */
  pageSize?: number;
  /**
   * Blocks the event API may lag the full node (see MAX_EVENT_LAG); default 200. Blocks this far
   * behind the head stay in the re-read until the API shows it has indexed them.
   */
  maxEventLag?: number;
  /** Only events of this name (TronGrid's `event_name` filter); default: every event of the contract. */
  eventName?: string;
};

/** Blocks re-read behind the cursor on every poll, so events the API indexes late are still seen. */
const REREAD = 12;
/**
 * Blocks (10 minutes) the event API may lag the full node whose head moves the cursor. TronGrid's
 * event service indexes behind the node (16 blocks behind lost a dispute window when only REREAD
 * blocks were read again, issue 13), and nothing in its answers says how far it has got, except
 * the newest event it returns: re-reads go back to that event's block (it has indexed up to there),
 * but never more than this behind the head. Re-reading a quiet stretch costs no extra request (one
 * query by time returns it all); a busy contract's newest event is recent, so its re-read stays short.
 */
export const MAX_EVENT_LAG = 200;
/**
 * A poll takes several requests and starts over when one fails: each request gets one retry of
 * its own (after TronHttp's backoff with jitter), so a node that refuses some requests under load
 * does not fail every poll; a node that keeps refusing fails the poll and the follower backs off.
 */
const ONE_RETRY = { retries: 1 };
/** TronGrid's largest page. */
const MAX_PAGE_SIZE = 200;

/**
 * Watches one contract's events through TronGrid's event API (or the devnode's) and delivers each
 * once, in chain order: by block, then the transaction's position in its block, then
 * `event_index`. Driven by the process's shared TronEventFollower (one header-only head read per
 * tick for every watcher on the connection, adaptive intervals, backoff with jitter).
 *
 * Every poll re-reads from a few blocks behind the cursor, or from the newest block the event API
 * has shown it indexed when that is further back (an event service lagging the node; at most
 * `maxEventLag` blocks), never before `fromBlock`. Pages follow
 * `meta.fingerprint` when the API gives one; when it does not (TronGrid omits it for some
 * `min_block_timestamp` queries, TRON-US/trongrid#23), a full page continues from its last event's
 * timestamp instead. Events already delivered (by transaction id, event index and block number,
 * stable on every re-read) are skipped; an event re-included in another block after a reorg is
 * delivered again (the event API carries no block id, so a re-inclusion at the same height is not:
 * the state it reports is the same). A failed poll is reported to onError and retried from the same cursor, so a
 * node that drops requests loses nothing.
 */
export function watchTronEvents<T>(
  http: TronHttp,
  contractAddress: string,
  parameters: WatchTronEventsParameters<T>,
  { pageSize = MAX_PAGE_SIZE, eventName, maxEventLag = MAX_EVENT_LAG }: WatchTronEventsOptions = {},
): Unwatch {
  const { fromBlock, decode, onEvents, onError, confirmations = 0, urgentUntil } = parameters;
  const limit = Math.min(Math.max(1, pageSize), MAX_PAGE_SIZE);
  const contract = toTronAddress(contractAddress);
  const local = !Number.isFinite(http.connection.requestsPerDay);
  const fastInterval = parameters.pollingInterval ?? 3000;
  const idleInterval =
    parameters.idlePollingInterval ?? (local && parameters.pollingInterval !== undefined ? fastInterval : undefined);
  const delivered = new Map<string, number>();
  /** Blocks whose time is known (heads seen, headers read): a lower bound for min_block_timestamp. */
  const times = new Map<number, number>();
  /**
   * Block ids read during the current poll. Not kept across polls: after a reorg the same number
   * names another block (and only events not yet delivered need one, so this costs a header read per
   * block with new events).
   */
  let hashes = new Map<number, string>();
  let start = fromBlock === undefined ? undefined : Number(fromBlock);
  let cursor = start;
  /** The newest block the event API has shown an event of: it has indexed at least that far. */
  let indexed: number | undefined;
  let urgentMs = 0;

  const header = async (number: number): Promise<{ hash: string; timestamp: number }> => {
    const b = await http.wallet("wallet/getblock", { id_or_num: String(number), detail: false }, ONE_RETRY);
    if (!b?.blockID) throw new Error(`the node has no block ${number}`);
    // A cache or proxy answering another block would misplace every event read from its time.
    const answered = Number(b.block_header?.raw_data?.number ?? 0);
    if (answered !== number) throw new Error(`the node answered block ${answered} when asked for block ${number}`);
    const timestamp = Number(b.block_header.raw_data.timestamp ?? 0);
    hashes.set(number, "0x" + b.blockID);
    times.set(number, timestamp);
    return { hash: "0x" + b.blockID, timestamp };
  };

  /** The time of the newest block at or before `from` whose time is known; read from the node if none is. */
  const timeAtOrBefore = async (from: number): Promise<number> => {
    let best = -1;
    for (const n of times.keys()) if (n <= from && n > best) best = n;
    return best >= 0 ? times.get(best)! : (await header(from)).timestamp;
  };

  const readEvents = async (minTimestamp: number, tip: number): Promise<TronGridEvent[]> => {
    const found = new Map<string, TronGridEvent>();
    let fingerprint: string | undefined;
    let min = minTimestamp;
    let pageLimit = limit;
    for (;;) {
      const query = new URLSearchParams({
        order_by: "block_timestamp,asc",
        limit: String(pageLimit),
        min_block_timestamp: String(min),
      });
      if (eventName) query.set("event_name", eventName);
      if (fingerprint) query.set("fingerprint", fingerprint);
      const page = await http.events(`v1/contracts/${contract}/events?${query.toString()}`, ONE_RETRY);
      const data: TronGridEvent[] = page?.data ?? [];
      for (const e of data) {
        found.set(`${e.transaction_id}:${e.event_index}`, e);
        if (indexed === undefined || Number(e.block_number) > indexed) indexed = Number(e.block_number);
      }
      if (data.length === 0 || data.some((e) => Number(e.block_number) > tip)) break;
      fingerprint = page?.meta?.fingerprint;
      if (fingerprint) continue;
      if (data.length < pageLimit) break;
      // A full page and no fingerprint: it may be the last page, or the API dropped the
      // fingerprint. Go on from the last event's time (its block is read again, deduplicated);
      // if every event on the page has that time, only a larger page can get past it.
      const last = Number(data[data.length - 1].block_timestamp);
      if (last > min) min = last;
      else if (pageLimit < MAX_PAGE_SIZE) pageLimit = MAX_PAGE_SIZE;
      else {
        throw new Error(
          `more than ${MAX_PAGE_SIZE} events of ${contract} at block time ${min} and the event API gave no ` +
            "fingerprint to page on: use an event server that returns meta.fingerprint",
        );
      }
    }
    return [...found.values()];
  };

  /** Each transaction's position in its block, read only for blocks where events of several transactions meet. */
  const positions = async (events: TronGridEvent[]): Promise<Map<string, number>> => {
    const byBlock = new Map<number, Set<string>>();
    for (const e of events) {
      const set = byBlock.get(e.block_number) ?? new Set();
      set.add(e.transaction_id);
      byBlock.set(e.block_number, set);
    }
    const position = new Map<string, number>();
    for (const [number, ids] of byBlock) {
      if (ids.size < 2) continue;
      const infos = (await http.wallet("wallet/gettransactioninfobyblocknum", { num: number }, ONE_RETRY)) as {
        id: string;
      }[];
      (Array.isArray(infos) ? infos : []).forEach((info, i) => position.set(info.id, i));
    }
    return position;
  };

  /**
   * Where a poll starts reading: REREAD blocks behind the cursor, or further back to the newest
   * block the event API has shown it indexed (MAX_EVENT_LAG at most), never before `start`.
   */
  const rereadFrom = (): number => {
    const lagFloor = cursor! - maxEventLag;
    const known = Math.max(indexed ?? lagFloor, lagFloor);
    return Math.max(Math.min(cursor! - REREAD, known), start!);
  };

  const poll = async (head: TronHead): Promise<void> => {
    times.set(head.number, head.timestamp);
    hashes = new Map();
    const tip = head.number - confirmations;
    if (cursor === undefined) cursor = tip + 1;
    start ??= cursor;
    if (tip < cursor) return;
    const from = rereadFrom();
    const found = (await readEvents(await timeAtOrBefore(from), tip)).filter(
      (e) => e.block_number >= from && e.block_number <= tip,
    );
    const position = await positions(found);
    const pos = (e: TronGridEvent) => position.get(e.transaction_id) ?? 0;
    found.sort((a, b) => a.block_number - b.block_number || pos(a) - pos(b) || a.event_index - b.event_index);

    const fresh: T[] = [];
    const ids: [string, number][] = [];
    for (const e of found) {
      const txHash = "0x" + e.transaction_id.replace(/^0x/, "").toLowerCase();
      const id = logId(txHash, e.event_index);
      const number = e.block_number;
      // Keyed by block too: TronGrid removes a dropped block's events, and the same transaction
      // re-included in another block after a reorg (a close) is a new fact, delivered again.
      const key = `${id}@${number}`;
      if (delivered.has(key) || ids.some(([seen]) => seen === key)) continue;
      const blockHash = hashes.get(number) ?? (await header(number)).hash;
      const meta = { id, blockNumber: BigInt(number), blockHash, txHash, logIndex: e.event_index };
      const decoded = decode(e, meta);
      ids.push([key, number]);
      if (decoded !== undefined) {
        fresh.push(decoded);
        const until = urgentUntil?.(decoded);
        if (until !== undefined) urgentMs = Math.max(urgentMs, Number(until) * 1000);
      }
    }
    // Mark as delivered only once the handler has taken them: a failed poll, or a handler that
    // throws, retries the same range (at least once, rather than an event lost for this run).
    if (fresh.length > 0) await onEvents(fresh);
    for (const [id, number] of ids) delivered.set(id, number);
    cursor = tip + 1;
    parameters.onProgress?.({
      head: BigInt(head.number),
      indexed: indexed === undefined ? undefined : BigInt(indexed),
      requestsPerDay: http.connection.requestsPerDay,
    });
    // The next re-read starts at or after this one (cursor and indexed only grow).
    for (const [id, number] of delivered) if (number < from) delivered.delete(id);
    // Keep the newest known time at or before the next re-read's start, and everything after it.
    const keep = rereadFrom();
    let floor = -1;
    for (const n of times.keys()) if (n <= keep && n > floor) floor = n;
    for (const n of times.keys()) if (n < floor) times.delete(n);
  };

  return TronEventFollower.for(http).watch({
    poll,
    onError,
    fastInterval,
    idleInterval,
    // Fast while a window is open and the caller still needs it (a claim not yet confirmed).
    urgentUntil: () => (parameters.urgent?.() === false ? 0 : urgentMs),
  });
}

/** A bytes32 value as the event API renders it (hex, with or without 0x), as 0x + 64 lowercase hex. */
export const eventBytes32 = (value: string): string => "0x" + value.replace(/^0x/, "").toLowerCase();

/** TronGrid renders addresses as 0x-hex, 41-hex or bare 20-byte hex depending on version; the devnode as 0x-hex. */
export const eventAddress = (value: string): string =>
  normalizeAddress(/^[0-9a-fA-F]{40}$/.test(value) ? "0x" + value : value);
