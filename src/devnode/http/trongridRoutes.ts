import { parseAddress } from "../address";
import type { DevChain } from "../chain/DevChain";
import type { EventQuery } from "../chain/events";
import { HttpResponse } from "./server";
import type { Handler, Params } from "./params";

const MAX_LIMIT = 200;

const badRequest = (error: string) => new HttpResponse(400, { success: false, error, statusCode: 400 });

/** TronGrid's fingerprint is opaque; the devnode's encodes the last event's position. */
const encodeCursor = (seq: number) => Buffer.from(`seq:${seq}`).toString("base64url");
function decodeCursor(text: string): number | undefined {
  const match = /^seq:(\d+)$/.exec(Buffer.from(text, "base64url").toString("utf8"));
  return match ? Number(match[1]) : undefined;
}

/** Query parameters in snake_case or camelCase, as TronGrid accepts both. */
function param(p: Params, snake: string): string | undefined {
  const camel = snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const value = p[snake] ?? p[camel];
  return value === undefined || value === "" ? undefined : String(value);
}

function intParam(p: Params, name: string): number | undefined | Error {
  const value = param(p, name);
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : new Error(`${name} must be a non-negative integer`);
}

/** TronGrid's /v1 event API (GET /v1/contracts/{address}/events, /v1/transactions/{id}/events). */
export function trongridEvents(
  chain: DevChain,
  base: Partial<EventQuery>,
  p: Params,
  path: string,
  reverseTies = false,
) {
  const limit = intParam(p, "limit");
  const block = intParam(p, "block_number");
  const min = intParam(p, "min_block_timestamp");
  const max = intParam(p, "max_block_timestamp");
  for (const v of [limit, block, min, max]) if (v instanceof Error) return badRequest(v.message);
  const order = param(p, "order_by") ?? "block_timestamp,desc";
  if (order !== "block_timestamp,desc" && order !== "block_timestamp,asc") {
    return badRequest("order_by must be block_timestamp,desc or block_timestamp,asc");
  }
  const fingerprint = param(p, "fingerprint");
  const after = fingerprint === undefined ? undefined : decodeCursor(fingerprint);
  if (fingerprint !== undefined && after === undefined) return badRequest("invalid fingerprint");
  const pageSize = Math.min((limit as number | undefined) ?? 20, MAX_LIMIT);
  // Confirmed: in a solidified block (all of them unless the node runs with a solidity delay).
  const solid = chain.solidHead().number;
  const { page, more } = chain.events.query({
    ...base,
    eventName: param(p, "event_name"),
    blockNumber: block as number | undefined,
    ...(param(p, "only_confirmed") === "true" ? { maxBlockNumber: solid } : {}),
    ...(param(p, "only_unconfirmed") === "true" ? { minBlockNumber: solid + 1 } : {}),
    minBlockTimestamp: min as number | undefined,
    maxBlockTimestamp: max as number | undefined,
    ascending: order.endsWith("asc"),
    limit: pageSize,
    after,
    reverseTies,
  });
  const meta: Record<string, unknown> = { at: Date.now(), page_size: page.length };
  if (more) {
    const next = encodeCursor(page[page.length - 1].seq);
    const query = new URLSearchParams(
      Object.entries(p)
        .filter(([k]) => k !== "fingerprint")
        .map(([k, v]): [string, string] => [k, String(v)]),
    );
    query.set("fingerprint", next);
    meta.fingerprint = next;
    meta.links = { next: `${path}?${query.toString()}` };
  }
  return { data: page.map(({ seq: _seq, ...event }) => event), success: true, meta };
}

/** Matches TronGrid's parameterized paths. */
export function matchTrongrid(chain: DevChain, baseUrl: () => string, reverseTies: () => boolean = () => false) {
  return (path: string): { handler: Handler; params: Params } | undefined => {
    let m = /^\/v1\/contracts\/([^/]+)\/events$/.exec(path);
    if (m) {
      let raw: string;
      try {
        raw = decodeURIComponent(m[1]);
      } catch {
        const error = `${m[1].slice(0, 80)} is not valid percent-encoding: send a TRON address`;
        return { params: {}, handler: async () => badRequest(error) };
      }
      return {
        params: {},
        handler: async (p) => {
          const contract = parseAddress(raw);
          if (!contract) return badRequest(`${raw} is not a TRON address`);
          return trongridEvents(chain, { contract }, p, baseUrl() + path, reverseTies());
        },
      };
    }
    m = /^\/v1\/transactions\/([0-9a-fA-F]{64})\/events$/.exec(path);
    if (m) {
      const txID = m[1].toLowerCase();
      return {
        params: {},
        handler: async (p) => trongridEvents(chain, { txID }, p, baseUrl() + path, reverseTies()),
      };
    }
    return undefined;
  };
}
