import { JsonRpcProvider, Network } from "ethers";
import { CliUsageError, NodeUnreachableError } from "./errors";

export type ConnectedNode = { url: string; provider: JsonRpcProvider; chainId: bigint };

/**
 * Connects to a JSON-RPC node, failing fast with the URL when it does not answer. ethers' own
 * network detection would instead retry forever, printing to the console.
 */
export async function connectNode(url: string, timeoutMs = 10_000): Promise<ConnectedNode> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliUsageError(`--rpc ${JSON.stringify(url)} is not a URL`, {
      metaMessages: ["Pass the node's JSON-RPC endpoint, e.g. --rpc http://127.0.0.1:8545"],
    });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliUsageError(`--rpc ${url}: only http:// and https:// endpoints are supported`);
  }
  const chainId = await requestChainId(url, timeoutMs);
  const network = Network.from(chainId);
  // cacheTimeout -1: ethers otherwise answers a repeated request within 250 ms from a cache, and
  // a wallet sending two transactions in a row would get the same "pending" nonce twice.
  const provider = new JsonRpcProvider(url, network, { staticNetwork: network, cacheTimeout: -1 });
  return { url, provider, chainId };
}

async function requestChainId(url: string, timeoutMs: number): Promise<bigint> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new NodeUnreachableError(url, describeFetchError(error, timeoutMs));
  }
  if (!response.ok) {
    // TRON's HTTP API (the devnode, TronGrid) answers a JSON-RPC POST to "/" with 404.
    throw new NodeUnreachableError(url, `HTTP ${response.status} ${response.statusText}`, [
      "Start the embedded chain with `seedpay node`, or point to a running node with --rpc URL / SEEDPAY_RPC.",
      "A TRON node (`seedpay devnode`, TronGrid) is not JSON-RPC: use --tron URL or --network development|shasta|nile|mainnet.",
    ]);
  }
  let body: { result?: unknown; error?: { message?: string } };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new NodeUnreachableError(url, "the answer is not JSON-RPC");
  }
  if (typeof body.result !== "string" || !/^0x[0-9a-f]+$/i.test(body.result)) {
    throw new NodeUnreachableError(url, `eth_chainId failed: ${body.error?.message ?? "no result"}`);
  }
  return BigInt(body.result);
}

export function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} s`;
  switch (e.cause?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
      return "unknown host";
    case "ECONNRESET":
      return "connection reset";
    default:
      return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
  }
}
