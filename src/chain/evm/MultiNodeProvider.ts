import { JsonRpcApiProvider, Network, type JsonRpcError, type JsonRpcPayload, type JsonRpcResult } from "ethers";
import { SeedpayError } from "../../errors/base";

export type MultiNodeProviderParameters = {
  /** JSON-RPC endpoints of the same chain (several providers, or replicas behind a balancer). */
  urls: string[];
  /** The chain every endpoint must be on; one answering another chain id is left out. */
  chainId: bigint;
  /** Milliseconds one request to one endpoint may take; default 10000 (ethers' own is 300 s). */
  requestTimeout?: number;
};

/** No endpoint gave a usable answer. */
export class NoNodeAnsweredError extends SeedpayError {
  override name = "NoNodeAnsweredError";
}

type Answer = { url: string; result?: unknown; error?: { code: number; message: string; data?: unknown } };

/** State reads whose block tag is pinned to the freshest head known, so a lagging replica errs instead of answering stale. */
const TAGGED: Record<string, number> = { eth_call: 1, eth_getBalance: 1, eth_getCode: 1, eth_getStorageAt: 2 };

/**
 * An ethers provider over several JSON-RPC endpoints of one chain, for a watchtower that must not
 * depend on any one of them. Every request goes to every endpoint at once, each with a deadline;
 * the freshest answer wins:
 * - eth_blockNumber: the highest; state reads at "latest" are asked at that block, so a replica
 *   behind it fails (unknown block) rather than answering from the past;
 * - eth_getLogs: the union of what the endpoints return (a replica that has not indexed a block
 *   yet cannot hide its logs);
 * - eth_sendRawTransaction: broadcast through all, accepted if any accepts;
 * - receipts and blocks: the first endpoint that has them;
 * - an endpoint whose eth_chainId is not `chainId` (a failover to the wrong network) is dropped
 *   until it answers right again.
 */
export class MultiNodeProvider extends JsonRpcApiProvider {
  readonly urls: string[];
  private readonly requestTimeout: number;
  private readonly wrongChain = new Set<string>();
  private head = -1n;
  private checked = 0;

  constructor(private readonly parameters: MultiNodeProviderParameters) {
    super(Network.from(parameters.chainId), {
      staticNetwork: Network.from(parameters.chainId),
      batchMaxCount: 1,
      cacheTimeout: -1,
    });
    if (parameters.urls.length === 0) throw new NoNodeAnsweredError("no node URL given: pass at least one");
    this.urls = [...parameters.urls];
    this.requestTimeout = parameters.requestTimeout ?? 10_000;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<(JsonRpcResult | JsonRpcError)[]> {
    const calls = Array.isArray(payload) ? payload : [payload];
    return Promise.all(calls.map((call) => this.one(call)));
  }

  private async one(call: JsonRpcPayload): Promise<JsonRpcResult | JsonRpcError> {
    // Re-check chain ids now and then (every 20 requests): a balancer may fail over to another network.
    if (this.checked++ % 20 === 0) await this.checkChains();
    const urls = this.urls.filter((u) => !this.wrongChain.has(u));
    const params = [...((call.params as unknown[]) ?? [])];
    const tagAt = TAGGED[call.method];
    if (tagAt !== undefined && (params[tagAt] === undefined || params[tagAt] === "latest") && this.head >= 0n) {
      params[tagAt] = `0x${this.head.toString(16)}`;
    }
    let answers = await Promise.all(urls.map((url) => this.ask(url, call.method, params)));
    if (tagAt !== undefined && answers.every((a) => a.error) && params[tagAt] !== (call.params as unknown[])?.[tagAt]) {
      // Every endpoint is behind the pinned head (it came from one now gone): ask at "latest" after all.
      answers = await Promise.all(urls.map((url) => this.ask(url, call.method, call.params as unknown[])));
    }
    const ok = answers.filter((a) => !a.error);
    const reply = (result: unknown): JsonRpcResult => ({ id: call.id, result });
    if (ok.length === 0) {
      const first = answers.find((a) => a.error?.data !== undefined) ?? answers[0];
      const error = first?.error ?? { code: -32000, message: "every node is on the wrong chain" };
      return { id: call.id, error };
    }
    switch (call.method) {
      case "eth_blockNumber": {
        const highest = ok.map((a) => BigInt(a.result as string)).reduce((a, b) => (a > b ? a : b));
        if (highest > this.head) this.head = highest;
        return reply(`0x${highest.toString(16)}`);
      }
      case "eth_getLogs": {
        const seen = new Map<string, unknown>();
        for (const a of ok) {
          for (const log of a.result as { blockHash: string; logIndex: string }[]) {
            seen.set(`${log.blockHash}:${log.logIndex}`, log);
          }
        }
        const logs = [...seen.values()] as { blockNumber: string; logIndex: string }[];
        logs.sort(
          (x, y) =>
            Number(BigInt(x.blockNumber) - BigInt(y.blockNumber)) || Number(BigInt(x.logIndex) - BigInt(y.logIndex)),
        );
        return reply(logs);
      }
      case "eth_getBlockByNumber": {
        const blocks = ok.map((a) => a.result as { number: string } | null).filter((b) => b !== null);
        if (blocks.length === 0) return reply(null);
        return reply(blocks.reduce((a, b) => (BigInt(b!.number) > BigInt(a!.number) ? b : a)));
      }
      case "eth_getTransactionCount": {
        // The highest nonce any node knows: a lagging one would hand out a used nonce.
        const highest = ok.map((a) => BigInt(a.result as string)).reduce((a, b) => (a > b ? a : b));
        return reply(`0x${highest.toString(16)}`);
      }
      default:
        // Receipts, transactions: the first node that has them; anything else: the first answer.
        return reply((ok.find((a) => a.result !== null) ?? ok[0]).result);
    }
  }

  private async checkChains(): Promise<void> {
    await Promise.all(
      this.urls.map(async (url) => {
        const answer = await this.ask(url, "eth_chainId", []);
        if (answer.error) return; // unreachable now: not proof of a wrong chain
        if (BigInt(answer.result as string) === this.parameters.chainId) this.wrongChain.delete(url);
        else this.wrongChain.add(url);
      }),
    );
  }

  private async ask(url: string, method: string, params: unknown[]): Promise<Answer> {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        signal: AbortSignal.timeout(this.requestTimeout),
      });
      if (!response.ok) return { url, error: { code: -32000, message: `${url} answered HTTP ${response.status}` } };
      const body = (await response.json()) as { result?: unknown; error?: Answer["error"] };
      return body.error ? { url, error: body.error } : { url, result: body.result };
    } catch (error) {
      return {
        url,
        error: { code: -32000, message: `${url}: ${error instanceof Error ? error.message : String(error)}` },
      };
    }
  }
}
