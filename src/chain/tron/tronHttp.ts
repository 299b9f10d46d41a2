import {
  connectionHeaders,
  resolveTronConnection,
  type ResolvedTronConnection,
  type TronConnection,
} from "./tronConnection";
import { TronNodeSet } from "./tronNodeSet";

/**
 * Answers TronGrid and java-tron give while they are overloaded or catching up, which a later
 * attempt of the same request can pass: SERVER_BUSY (the node's pending pool is full),
 * BLOCK_UNSOLIDIFIED (the node is behind), TAPOS_ERROR (a load balancer sent the broadcast to a
 * node that has not yet seen the transaction's reference block). Re-sending the same signed
 * transaction is safe: its id does not change, and a node that has it answers DUP_TRANSACTION_ERROR.
 */
export const TRANSIENT_CODES = new Set(["SERVER_BUSY", "BLOCK_UNSOLIDIFIED", "TAPOS_ERROR"]);

/** A request that failed; `transient` when retrying it later may succeed (throttled, busy, unreachable). */
export class TronHttpError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TronHttpError";
  }
}

/** Requests made through one TronHttp, for budgets and benchmarks. */
export type TronHttpStats = {
  /** Every HTTP request sent, retries included. */
  requests: number;
  retries: number;
  /** Requests by path without the query ("wallet/getblock", "v1/contracts/…/events"). */
  byPath: Map<string, number>;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Per-request overrides: a poller with its own backoff asks for no retries. */
export type RequestOptions = { retries?: number };

/**
 * The one way TRON adapters reach the network: java-tron's `/wallet/*` and `/walletsolidity/*`
 * (POST, JSON) and TronGrid's `/v1` event API (GET), each with the connection's API key, a timeout,
 * and exponential backoff with jitter on transient failures (HTTP 403/429/5xx, a refused or dropped
 * connection, TronGrid's "frequency limit" answers, and TRANSIENT_CODES). After the last retry the
 * error says what was answered and what to do.
 */
export class TronHttp {
  readonly connection: ResolvedTronConnection;
  readonly stats: TronHttpStats = { requests: 0, retries: 0, byPath: new Map() };
  private readonly headers: Record<string, string>;
  /** With `alsoNodes`: every request through all of them (see TronNodeSet). */
  readonly nodes?: TronNodeSet;

  constructor(connection: TronConnection | ResolvedTronConnection, adapter = "TronHttp") {
    this.connection = resolveTronConnection(adapter, connection);
    this.headers = connectionHeaders(this.connection);
    const c = this.connection;
    if (c.alsoNodes.length > 0) {
      this.nodes = new TronNodeSet(
        [
          { fullNode: c.fullNode, solidityNode: c.solidityNode, eventServer: c.eventServer },
          ...c.alsoNodes.map((url) => ({ fullNode: url, solidityNode: url, eventServer: url })),
        ],
        (base, path, init, options) => this.request(base, path, init, options),
        { chainId: c.chainId, checkMs: c.chainCheckMs, headers: this.headers },
      );
    }
  }

  /** POSTs to `wallet/…` on the full node or `walletsolidity/…` on the solidity node. */
  async wallet(path: string, body: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<Json> {
    const p = path.replace(/^\/+/, "");
    const init = {
      method: "POST",
      headers: { ...this.headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    };
    if (this.nodes) return this.nodes.wallet(p, init, options, body);
    const base = p.startsWith("walletsolidity/") ? this.connection.solidityNode : this.connection.fullNode;
    return this.request(base, p, init, options);
  }

  /** GETs a `/v1/…` path (with its query) from the event server. */
  async events(pathAndQuery: string, options: RequestOptions = {}): Promise<Json> {
    const p = pathAndQuery.replace(/^\/+/, "");
    if (this.nodes) return this.nodes.events(p, { method: "GET", headers: this.headers }, options);
    const body = await this.request(this.connection.eventServer, p, { method: "GET", headers: this.headers }, options);
    if (body?.success === false) {
      throw new TronHttpError(`the event API refused /${p}: ${body.error ?? "no reason given"}`, false);
    }
    return body;
  }

  /** Delay before retry `attempt` (1-based): base × 2^(attempt-1), capped, times a jitter in [0.5, 1.5). */
  backoff(attempt: number): number {
    const { backoffMs, maxBackoffMs } = this.connection;
    return Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random());
  }

  private async request(base: string, path: string, init: RequestInit, options: RequestOptions): Promise<Json> {
    const key = path.split("?")[0];
    const retries = options.retries ?? this.connection.retries;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      this.stats.byPath.set(key, (this.stats.byPath.get(key) ?? 0) + 1);
      let failure: TronHttpError;
      try {
        const answer = await this.once(base, path, init);
        const code = answer?.code ?? answer?.result?.code;
        if (!(typeof code === "string" && TRANSIENT_CODES.has(code)) || attempt >= retries) {
          return answer;
        }
        failure = new TronHttpError(`/${path} answered ${code}`, true);
      } catch (error) {
        if (!(error instanceof TronHttpError)) throw error;
        failure = error;
      }
      if (!failure.transient || attempt >= retries) {
        if (failure.transient && attempt > 0) failure.message += ` (after ${attempt} retries)`;
        throw failure;
      }
      this.stats.retries++;
      await new Promise((r) => setTimeout(r, this.backoff(attempt + 1)));
    }
  }

  private async once(base: string, path: string, init: RequestInit): Promise<Json> {
    let response: Response;
    // A timer of our own, cleared when the request ends: AbortSignal.timeout's keeps a short-lived
    // process (the CLI) alive until it fires, whether or not the request is long done.
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`timed out after ${this.connection.timeoutMs} ms`)),
      this.connection.timeoutMs,
    );
    try {
      response = await fetch(`${base}/${path}`, { ...init, signal: abort.signal });
    } catch (error) {
      clearTimeout(timer);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new TronHttpError(`the TRON node at ${base} is unreachable (${why})`, true, undefined, { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const throttled = response.status === 403 || response.status === 429;
      const hint = throttled
        ? this.connection.apiKey
          ? "; the API key's quota or rate is exceeded: slow down or raise the plan"
          : "; TronGrid throttles requests without an API key: set apiKey (TRON_PRO_API_KEY)"
        : "";
      throw new TronHttpError(
        `the TRON node at ${base} answered ${response.status} ${response.statusText} to /${path}${hint}: ${text.slice(0, 120)}`,
        throttled || response.status >= 500,
        response.status,
      );
    }
    let body: Json;
    try {
      body = text.trim() === "" ? {} : JSON.parse(text);
    } catch {
      throw new TronHttpError(`the answer of ${base} to /${path} is not JSON: ${text.slice(0, 80)}`, false);
    }
    // java-tron and TronGrid answer a throttled full-node request with HTTP 200 and {"Error": "... frequency limit ..."}.
    if (typeof body?.Error === "string") {
      throw new TronHttpError(
        `the TRON node at ${base} refused /${path}: ${body.Error}`,
        /frequency limit/i.test(body.Error),
      );
    }
    return body;
  }
}

/** A TronHttp for a connection, or the same one when given one (adapters in a process share it). */
export function tronHttp(connection: TronConnection | TronHttp, adapter?: string): TronHttp {
  return connection instanceof TronHttp ? connection : new TronHttp(connection, adapter);
}
