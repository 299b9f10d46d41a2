import { keccak256 } from "ethers";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What a faulty node (or load balancer in front of several) does to a request. */
export type Fault =
  /** The connection is closed without an answer. */
  | { kind: "drop" }
  /** An HTTP error status (502, 503, ...) instead of an answer. */
  | { kind: "status"; status: number }
  /** Never answered (a blackholed connection), until the proxy closes. */
  | { kind: "hang" }
  /** Answered after `ms`. */
  | { kind: "delay"; ms: number }
  /** State reads (eth_call, eth_getBalance, ...) answered by a replica `blocks` behind the head. */
  | { kind: "stale"; blocks: number }
  /** eth_getLogs answered by a replica `blocks` behind: nothing newer than head - blocks. */
  | { kind: "lagLogs"; blocks: number }
  /** eth_getLogs answered with an empty list. */
  | { kind: "emptyLogs" }
  /** eth_sendRawTransaction accepted (its hash answered) and never passed on: a node that loses it. */
  | { kind: "swallow" }
  /** eth_chainId answered with another chain's id (a failover to the wrong network). */
  | { kind: "chainId"; chainId: bigint }
  /** Answered with the last answer to the same method (a caching layer replaying an old response). */
  | { kind: "replay" };

export type FaultRule = Fault & {
  /** JSON-RPC methods it applies to; default all. */
  methods?: string[];
  /** Chance per request, 0..1; default 1. Drawn from the proxy's seeded generator (repeatable). */
  probability?: number;
  /** Requests it applies to before it expires; default unlimited. */
  times?: number;
};

type JsonRpcRequest = { jsonrpc: "2.0"; id: unknown; method: string; params?: unknown[] };
type Target = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

export type RpcFaultProxy = {
  url: string;
  /** Replaces the rules (first match wins). */
  set(...rules: FaultRule[]): void;
  clear(): void;
  /** Requests seen per method, and how many a rule changed. */
  readonly seen: Map<string, number>;
  readonly faulted: Map<string, number>;
  close(): Promise<void>;
};

const STATE_READS = new Set([
  "eth_call",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getTransactionCount",
]);

/** mulberry32: a small seeded generator, so a "5% of requests" run fails the same requests every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The rules in force and what they did: shared by the JSON-RPC and the TRON HTTP proxies. */
function ruleBook(seed: number, applies: (rule: FaultRule, method: string) => boolean) {
  let rules: FaultRule[] = [];
  const random = seeded(seed);
  const seen = new Map<string, number>();
  const faulted = new Map<string, number>();
  /** The rule (first match wins) for one request, counted. */
  const pick = (method: string): FaultRule | undefined => {
    seen.set(method, (seen.get(method) ?? 0) + 1);
    for (const rule of rules) {
      if (rule.methods && !rule.methods.includes(method)) continue;
      if (rule.times !== undefined && rule.times <= 0) continue;
      if (!applies(rule, method)) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      if (rule.times !== undefined) rule.times -= 1;
      faulted.set(method, (faulted.get(method) ?? 0) + 1);
      return rule;
    }
    return undefined;
  };
  const set = (...next: FaultRule[]): void => {
    rules = next.map((r) => ({ ...r }));
  };
  const clear = (): void => {
    rules = [];
  };
  return { pick, seen, faulted, set, clear };
}

/** Applies a connection fault (they hit the whole HTTP exchange); true when one was (nothing more to answer). */
function connectionFault(picked: (FaultRule | undefined)[], res: ServerResponse, hung: Set<ServerResponse>): boolean {
  const connection = picked.find((r) => r && (r.kind === "drop" || r.kind === "status" || r.kind === "hang"));
  if (connection?.kind === "drop") res.socket?.destroy();
  else if (connection?.kind === "status") {
    res.writeHead(connection.status, { "content-type": "text/plain" }).end("Service Unavailable");
  } else if (connection?.kind === "hang") hung.add(res);
  return connection !== undefined;
}

/** Waits as long as the longest `delay` rule picked for the exchange. */
async function delayed(picked: (FaultRule | undefined)[]): Promise<void> {
  const ms = Math.max(0, ...picked.map((r) => (r?.kind === "delay" ? r.ms : 0)));
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

/** An HTTP server on a free loopback port whose close() also ends hung and kept-alive connections. */
async function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  hung: Set<ServerResponse>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const res of hung) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const proxyOf = (book: ReturnType<typeof ruleBook>, server: { url: string; close: () => Promise<void> }) => ({
  url: server.url,
  set: book.set,
  clear: book.clear,
  seen: book.seen,
  faulted: book.faulted,
  close: async () => {
    book.clear();
    await server.close();
  },
});

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A JSON-RPC endpoint on loopback in front of `target` (Hardhat's network, or any EIP-1193
 * provider) that misbehaves as told, per method: the faults real providers produce (see issue 13).
 */
export async function startRpcFaultProxy(target: Target, seed = 13): Promise<RpcFaultProxy> {
  const last = new Map<string, unknown>();
  const hung = new Set<ServerResponse>();
  /** Data faults only touch the methods they make sense for. */
  const book = ruleBook(seed, (rule, method) => {
    switch (rule.kind) {
      case "stale":
        return STATE_READS.has(method);
      case "lagLogs":
      case "emptyLogs":
        return method === "eth_getLogs";
      case "swallow":
        return method === "eth_sendRawTransaction";
      case "chainId":
        return method === "eth_chainId" || method === "net_version";
      default:
        return true;
    }
  });

  const head = async (): Promise<bigint> => BigInt((await target.request({ method: "eth_blockNumber" })) as string);
  const hex = (n: bigint) => `0x${(n < 0n ? 0n : n).toString(16)}`;

  /** The answer (result or error object) to one call, with data faults applied. */
  const answer = async (call: JsonRpcRequest, rule: FaultRule | undefined): Promise<object> => {
    const params = [...(call.params ?? [])];
    try {
      let result: unknown;
      if (rule?.kind === "stale") {
        // A replica `blocks` behind: "latest" is its head; a block it does not have yet is unknown.
        const top = (await head()) - BigInt(rule.blocks);
        const tagIndex = call.method === "eth_getStorageAt" ? 2 : 1;
        const tag = params[tagIndex];
        if (typeof tag === "string" && tag.startsWith("0x") && BigInt(tag) > top) {
          throw Object.assign(new Error("header not found"), { code: -32000 });
        }
        if (tag === undefined || tag === "latest" || tag === "pending") params[tagIndex] = hex(top);
        result = await target.request({ method: call.method, params });
      } else if (rule?.kind === "lagLogs") {
        const filter = { ...(params[0] as Record<string, unknown>) };
        const top = (await head()) - BigInt(rule.blocks);
        const to = filter.toBlock === undefined || filter.toBlock === "latest" ? top : BigInt(filter.toBlock as string);
        filter.toBlock = hex(to < top ? to : top);
        const from = filter.fromBlock === undefined ? 0n : BigInt(filter.fromBlock as string);
        result = from > (to < top ? to : top) ? [] : await target.request({ method: call.method, params: [filter] });
      } else if (rule?.kind === "emptyLogs") {
        result = [];
      } else if (rule?.kind === "swallow") {
        result = keccak256(params[0] as string);
      } else if (rule?.kind === "chainId") {
        result = call.method === "net_version" ? rule.chainId.toString() : hex(rule.chainId);
      } else if (rule?.kind === "replay" && last.has(call.method)) {
        result = last.get(call.method);
      } else {
        result = await target.request({ method: call.method, params });
      }
      last.set(call.method, result);
      return { jsonrpc: "2.0", id: call.id, result };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: call.id,
        error: {
          code: typeof e.code === "number" ? e.code : -32603,
          message: e.message ?? String(error),
          data: e.data,
        },
      };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let parsed: JsonRpcRequest | JsonRpcRequest[];
    try {
      parsed = JSON.parse((await body(req)).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const picked = calls.map((call) => book.pick(call.method));
    if (connectionFault(picked, res, hung)) return;
    await delayed(picked);
    const answers = await Promise.all(calls.map((call, i) => answer(call, picked[i])));
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
  };

  return proxyOf(book, await listen(handle, hung));
}

/** The paths a TRON fault rule names: the request's path without its query, the contract in /v1 paths as {address}. */
export const tronMethod = (url: string): string =>
  url
    .split("?")[0]
    .replace(/^\/+/, "")
    .replace(/^v1\/contracts\/[^/]+\//, "v1/contracts/{address}/");

const TRON_EVENTS = "v1/contracts/{address}/events";

/**
 * The same proxy for a TRON node's HTTP API (java-tron's /wallet/* and /walletsolidity/*,
 * TronGrid's /v1 event API) in front of `target` (the devnode's URL). Rules name paths as
 * tronMethod gives them ("wallet/broadcasttransaction", "v1/contracts/{address}/events"); the
 * data faults mean what they mean on EVM:
 * - `lagLogs`: the event API answers as an indexer `blocks` behind the full node's head (TronGrid's
 *   event service lags);
 * - `emptyLogs`: the event API answers an empty list;
 * - `swallow`: wallet/broadcasttransaction answers `result: true` and never passes it on;
 * - `chainId`: the genesis block (wallet/getblockbynum 0), whose id names the chain, is another chain's;
 * - `replay`: the last answer to the same request, path and body (a cache: an old head);
 * - `stale`: wallet/triggerconstantcontract answered on an older block's state, by passing it to
 *   the devnode's walletsolidity/triggerconstantcontract: the devnode must be started with
 *   `solidityDelay` equal to the rule's `blocks` (the proxy checks, and answers 500 if not).
 */
export async function startTronFaultProxy(target: string, seed = 13): Promise<RpcFaultProxy> {
  const last = new Map<string, { status: number; text: string }>();
  const hung = new Set<ServerResponse>();
  const book = ruleBook(seed, (rule, method) => {
    switch (rule.kind) {
      case "lagLogs":
      case "emptyLogs":
        return method === TRON_EVENTS;
      case "swallow":
        return method === "wallet/broadcasttransaction";
      case "chainId":
        return method === "wallet/getblockbynum";
      case "stale":
        return method === "wallet/triggerconstantcontract";
      default:
        return true;
    }
  });

  const pass = async (req: IncomingMessage, sent: Buffer, url = req.url): Promise<{ status: number; text: string }> => {
    const answer = await fetch(target + url, {
      method: req.method,
      headers: { "content-type": "application/json" },
      body: req.method === "GET" || req.method === "HEAD" ? undefined : sent,
    });
    return { status: answer.status, text: await answer.text() };
  };
  const headNumber = async (): Promise<number> => {
    const answered = await fetch(`${target}/wallet/getblock`, {
      method: "POST",
      body: JSON.stringify({ detail: false }),
    });
    const block = (await answered.json()) as { block_header?: { raw_data?: { number?: number } } };
    return Number(block?.block_header?.raw_data?.number ?? 0);
  };

  /** The answer to one request, with the data fault applied. */
  const answer = async (
    req: IncomingMessage,
    sent: Buffer,
    method: string,
    rule: FaultRule | undefined,
  ): Promise<{ status: number; text: string }> => {
    // A cache replays the last answer to the same request (path and body), e.g. an old head.
    const request = `${method} ${sent.toString("utf8")}`;
    if (rule?.kind === "replay" && last.has(request)) return last.get(request)!;
    if (rule?.kind === "swallow") {
      const tx = JSON.parse(sent.toString("utf8"));
      return { status: 200, text: JSON.stringify({ result: true, txid: tx.txID }) };
    }
    if (rule?.kind === "emptyLogs") {
      return { status: 200, text: JSON.stringify({ data: [], success: true, meta: { at: Date.now(), page_size: 0 } }) };
    }
    if (rule?.kind === "stale") {
      // A replica `blocks` behind: the devnode's solidified state is exactly that old when its
      // solidityDelay is `blocks` (checked, so a row cannot silently read another lag).
      const solid = await fetch(`${target}/walletsolidity/getnowblock`, { method: "POST", body: "{}" });
      const solidNumber = Number(
        ((await solid.json()) as { block_header?: { raw_data?: { number?: number } } })?.block_header?.raw_data
          ?.number ?? 0,
      );
      const lag = (await headNumber()) - solidNumber;
      // One block may be produced between the two reads.
      if (lag !== rule.blocks && lag !== rule.blocks + 1) {
        return {
          status: 500,
          text: `stale rule of ${rule.blocks} blocks, but the devnode's solid block is ${lag} behind`,
        };
      }
      return pass(req, sent, "/walletsolidity/triggerconstantcontract");
    }
    const answered = await pass(req, sent);
    if (answered.status !== 200) return answered;
    if (rule?.kind === "lagLogs") {
      const top = (await headNumber()) - rule.blocks;
      const page = JSON.parse(answered.text);
      const data = (page.data ?? []) as { block_number: number }[];
      const kept = data.filter((e) => Number(e.block_number) <= top);
      // An indexer that has not reached those blocks has no next page either.
      const meta = kept.length < data.length ? { at: Date.now(), page_size: kept.length } : page.meta;
      return { status: 200, text: JSON.stringify({ ...page, data: kept, meta }) };
    }
    if (rule?.kind === "chainId" && JSON.parse(sent.toString("utf8") || "{}").num === 0) {
      const genesis = JSON.parse(answered.text);
      const id = rule.chainId.toString(16).padStart(8, "0").slice(-8);
      genesis.blockID = String(genesis.blockID).slice(0, -8) + id;
      return { status: 200, text: JSON.stringify(genesis) };
    }
    last.set(request, answered);
    return answered;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sent = await body(req);
    const method = tronMethod(req.url ?? "/");
    const picked = [book.pick(method)];
    if (connectionFault(picked, res, hung)) return;
    await delayed(picked);
    const { status, text } = await answer(req, sent, method, picked[0]);
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json" }).end(text);
  };

  return proxyOf(book, await listen(handle, hung));
}
