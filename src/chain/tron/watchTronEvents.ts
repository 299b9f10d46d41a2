import type { TronWeb } from "tronweb";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import { toTronAddress } from "../../voucher/toTronAddress";
import { logId } from "../events";
import { pollingLoop } from "../pollingLoop";
import type { EventMeta, Unwatch } from "../types";

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
  /** Called when a poll fails (node or event API unreachable, ...); the watcher keeps polling. */
  onError?: (error: Error) => void;
  /** Milliseconds between polls; default 1000. */
  pollingInterval?: number;
  /** Blocks an event must be buried under before it is delivered; default 0. */
  confirmations?: number;
};

export type WatchTronEventsOptions = {
  /** Events per request, at most 200 (TronGrid's limit); default 200. */
  pageSize?: number;
  /** Only events of this name (TronGrid's `event_name` filter); default: every event of the contract. */
  eventName?: string;
};

/** Blocks re-read behind the cursor on every poll, so events the API indexes late are still seen. */
const REREAD = 12n;
/** TronGrid's largest page. */
const MAX_PAGE_SIZE = 200;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Polls TronGrid's event API (or the devnode's) for one contract's events and delivers each once,
 * in chain order. Every poll re-reads from a few blocks behind the cursor (never before
 * `fromBlock`), following `fingerprint` pages oldest first; events already delivered (by
 * transaction id and event index, stable on every re-read) are skipped. A failed poll is reported
 * to onError and retried from the same cursor, so a node that drops requests loses nothing.
 */
export function watchTronEvents<T>(
  tronWeb: TronWeb,
  contractAddress: string,
  { fromBlock, decode, onEvents, onError, pollingInterval = 1000, confirmations = 0 }: WatchTronEventsParameters<T>,
  { pageSize = MAX_PAGE_SIZE, eventName }: WatchTronEventsOptions = {},
): Unwatch {
  const limit = String(Math.min(Math.max(1, pageSize), MAX_PAGE_SIZE));
  const contract = toTronAddress(contractAddress);
  const host = String(tronWeb.eventServer?.host ?? tronWeb.fullNode.host).replace(/\/+$/, "");
  const delivered = new Map<string, bigint>();
  const blockHashes = new Map<bigint, string>();
  let start = fromBlock;
  let cursor: bigint | undefined = fromBlock;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const request = (path: string, body: Record<string, unknown>): Promise<any> =>
    tronWeb.fullNode.request(path, body, "post");

  const block = async (number: bigint): Promise<{ hash: string; timestamp: number }> => {
    const b = await request("wallet/getblockbynum", { num: Number(number) });
    if (!b?.blockID) throw new Error(`the node has no block ${number}`);
    blockHashes.set(number, "0x" + b.blockID);
    return { hash: "0x" + b.blockID, timestamp: Number(b.block_header.raw_data.timestamp ?? 0) };
  };

  const fetchPage = async (url: string): Promise<{ data: TronGridEvent[]; fingerprint?: string }> => {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`the event API answered ${response.status} ${response.statusText} for ${url}`);
    const body = (await response.json()) as {
      success?: boolean;
      error?: string;
      data?: TronGridEvent[];
      meta?: { fingerprint?: string };
    };
    if (body.success === false) throw new Error(`the event API refused ${url}: ${body.error ?? "no reason given"}`);
    return { data: body.data ?? [], fingerprint: body.meta?.fingerprint };
  };

  const poll = async (): Promise<void> => {
    const now = await request("wallet/getnowblock", {});
    const head = BigInt(now.block_header.raw_data.number) - BigInt(confirmations);
    if (cursor === undefined) cursor = head + 1n;
    start ??= cursor;
    if (head < cursor) return;
    let from = cursor > REREAD ? cursor - REREAD : 0n;
    if (from < start) from = start;
    const { timestamp } = await block(from);

    const found: TronGridEvent[] = [];
    let fingerprint: string | undefined;
    do {
      const query = new URLSearchParams({
        order_by: "block_timestamp,asc",
        limit,
        min_block_timestamp: String(timestamp),
      });
      if (eventName) query.set("event_name", eventName);
      if (fingerprint) query.set("fingerprint", fingerprint);
      const page = await fetchPage(`${host}/v1/contracts/${contract}/events?${query.toString()}`);
      found.push(...page.data);
      fingerprint = page.fingerprint;
      if (page.data.some((e) => BigInt(e.block_number) > head)) break;
    } while (fingerprint);

    const inRange = found
      .filter((e) => BigInt(e.block_number) >= from && BigInt(e.block_number) <= head)
      .sort((a, b) => a.block_number - b.block_number || a.block_timestamp - b.block_timestamp);
    const fresh: T[] = [];
    const ids: [string, bigint][] = [];
    for (const e of inRange) {
      const txHash = "0x" + e.transaction_id.replace(/^0x/, "").toLowerCase();
      const id = logId(txHash, e.event_index);
      if (delivered.has(id) || ids.some(([seen]) => seen === id)) continue;
      const number = BigInt(e.block_number);
      const blockHash = blockHashes.get(number) ?? (await block(number)).hash;
      const decoded = decode(e, { id, blockNumber: number, blockHash, txHash, logIndex: e.event_index });
      ids.push([id, number]);
      if (decoded !== undefined) fresh.push(decoded);
    }
    // Mark as delivered only once the handler has taken them: a failed poll, or a handler that
    // throws, retries the same range (at least once, rather than an event lost for this run).
    if (fresh.length > 0) await onEvents(fresh);
    for (const [id, number] of ids) delivered.set(id, number);
    cursor = head + 1n;
    for (const [id, number] of delivered) if (number + REREAD < from) delivered.delete(id);
    for (const number of blockHashes.keys()) if (number < from) blockHashes.delete(number);
  };

  return pollingLoop(poll, pollingInterval, onError);
}

/** A bytes32 value as the event API renders it (hex, with or without 0x), as 0x + 64 lowercase hex. */
export const eventBytes32 = (value: string): string => "0x" + value.replace(/^0x/, "").toLowerCase();

/** TronGrid renders addresses as 0x-hex, 41-hex or bare 20-byte hex depending on version; the devnode as 0x-hex. */
export const eventAddress = (value: string): string =>
  normalizeAddress(/^[0-9a-fA-F]{40}$/.test(value) ? "0x" + value : value);
