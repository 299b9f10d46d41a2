/**
 * Where a TRON adapter sends its requests, and how politely. TronGrid serves the full node
 * (`/wallet/*`), the solidity node (`/walletsolidity/*`) and the event API (`/v1/*`) on one host;
 * a self-hosted setup may split them. Every request an adapter makes goes through one TronHttp
 * built from this, so the API key and the retry policy reach all of them (the event API too).
 */
export type TronConnection = {
  /** The full node's HTTP API (java-tron's `/wallet/*`), e.g. https://api.trongrid.io. */
  fullNode: string;
  /** The solidity node (`/walletsolidity/*`); default: `fullNode`. */
  solidityNode?: string;
  /** The event API (TronGrid's `/v1/contracts/{address}/events`); default: `fullNode`. */
  eventServer?: string;
  /** TronGrid's API key, sent as the `TRON-PRO-API-KEY` header on every request. */
  apiKey?: string;
  /**
   * Requests a day this process may spend on the connection (TronGrid's free plans: ~100,000 a
   * day per account). Event watchers pace their idle polling to 8 % of it. Default: 100,000,
   * or Infinity (no pacing) for a node on a loopback address (the devnode, a local java-tron).
   * With `alsoNodes` it is each node's budget: every node receives every request.
   */
  requestsPerDay?: number;
  /** Milliseconds before one request is abandoned; default 10,000. */
  timeoutMs?: number;
  /**
   * Retries of a request that failed transiently (429, 403, 5xx, SERVER_BUSY, ...); default 2.
   * Few, and short: callers with their own schedule (watchers, a watchtower) retry on it.
   */
  retries?: number;
  /** First backoff delay in ms, doubled per retry, with ±50 % jitter; default 250. */
  backoffMs?: number;
  /** Longest backoff delay in ms; default 30,000 (TronGrid's penalty window for a burst). */
  maxBackoffMs?: number;
  /**
   * More nodes of the same network, each serving `/wallet`, `/walletsolidity` and `/v1` on one host
   * (TronGrid, a provider's endpoint, a java-tron with its event plugin). With any, every request
   * goes to all of them at once and the freshest answer wins (see TronNodeSet): a watchtower then
   * depends on no one provider, and a lagging or failed-over one cannot hide a close. Default none.
   */
  alsoNodes?: string[];
  /**
   * The chain every node must be on (the low 4 bytes of the genesis block id; Shasta 2494104990).
   * With `alsoNodes`, a node answering another is left out until it answers this again. Default:
   * the chain the nodes agree on, or `fullNode`'s when they disagree.
   */
  chainId?: bigint;
  /** With `alsoNodes`: milliseconds between re-checks of each node's chain (a balancer may fail over to another network); default 300,000. */
  chainCheckMs?: number;
};

/** A TronConnection with every default filled in. */
export type ResolvedTronConnection = Required<Omit<TronConnection, "apiKey" | "chainId">> & {
  apiKey?: string;
  chainId?: bigint;
};

export const DEFAULT_REQUESTS_PER_DAY = 100_000;

/** Fills in a connection's defaults; refuses URLs that are not http(s), naming the field. */
export function resolveTronConnection(adapter: string, connection: TronConnection): ResolvedTronConnection {
  const url = (field: string, value: string | undefined): string => {
    let parsed: URL | undefined;
    try {
      parsed = value === undefined ? undefined : new URL(value);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw new Error(`${adapter}: ${field} must be an http(s) URL, not ${JSON.stringify(value)}`);
    }
    return value!.replace(/\/+$/, "");
  };
  const positive = (field: string, value: number | undefined, fallback: number, min = 1): number => {
    const v = value ?? fallback;
    if (Number.isNaN(v) || v < min) throw new Error(`${adapter}: ${field} must be a number ≥ ${min}, not ${v}`);
    return v;
  };
  const fullNode = url("fullNode", connection.fullNode);
  return {
    fullNode,
    solidityNode: connection.solidityNode === undefined ? fullNode : url("solidityNode", connection.solidityNode),
    eventServer: connection.eventServer === undefined ? fullNode : url("eventServer", connection.eventServer),
    apiKey: connection.apiKey || undefined,
    requestsPerDay: positive(
      "requestsPerDay",
      connection.requestsPerDay,
      isLoopback(fullNode) ? Infinity : DEFAULT_REQUESTS_PER_DAY,
    ),
    timeoutMs: positive("timeoutMs", connection.timeoutMs, 10_000),
    retries: positive("retries", connection.retries, 2, 0),
    backoffMs: positive("backoffMs", connection.backoffMs, 250, 0),
    maxBackoffMs: positive("maxBackoffMs", connection.maxBackoffMs, 30_000, 0),
    alsoNodes: (connection.alsoNodes ?? []).map((node, i) => url(`alsoNodes[${i}]`, node)),
    chainId: connection.chainId,
    chainCheckMs: positive("chainCheckMs", connection.chainCheckMs, 300_000, 0),
  };
}

/** The headers every request carries. */
export function connectionHeaders(connection: { apiKey?: string }): Record<string, string> {
  return connection.apiKey ? { "TRON-PRO-API-KEY": connection.apiKey } : {};
}

/** TRON's chain id (what `block.chainid` returns): the low 4 bytes of the genesis block's id. */
export function chainIdOfGenesis(blockId: string): bigint {
  return BigInt("0x" + blockId.slice(-8));
}

/** Whether a URL names this machine (a node with no request quota). */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
