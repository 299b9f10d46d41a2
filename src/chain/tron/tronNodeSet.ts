import { chainIdOfGenesis } from "./tronConnection";
import { TronHttpError, type RequestOptions } from "./tronHttp";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** One node's hosts (TronGrid and a java-tron with its event plugin serve all three on one). */
export type TronNodeHosts = { fullNode: string; solidityNode: string; eventServer: string };

/** Sends one request to one host, with TronHttp's timeout and retries. */
export type SendToHost = (base: string, path: string, init: RequestInit, options: RequestOptions) => Promise<Json>;

type NodeState = {
  hosts: TronNodeHosts;
  /** Its chain (genesis id's low 4 bytes) as last read; undefined until read once. */
  chainId?: bigint;
  /** When its chain was last read (ms); 0: never. */
  checkedAt: number;
  /** It failed a request since its chain was read: read the chain again before trusting it (a failover shows as errors first). */
  suspect: boolean;
  checking?: Promise<void>;
  /** The newest head block number it answered: constant calls prefer the freshest node. */
  head: number;
  /** When its head was first seen far ahead of every other node's (see HEAD_JUMP); undefined: it is not. */
  jumpAt?: number;
};

/**
 * Blocks (a minute of TRON) a node's head may lead every other node's by before its chain is read
 * again: a failover to a busier network (Nile's heads are far above Shasta's) would otherwise win
 * every head read until the next periodic check.
 */
const HEAD_JUMP = 20;

type Answer = { node: NodeState; ok: true; body: Json } | { node: NodeState; ok: false; error: unknown };

const HEAD_PATHS = new Set(["wallet/getnowblock", "walletsolidity/getnowblock"]);
const BLOCK_PATHS = new Set(["wallet/getblock", "walletsolidity/getblock"]);
const BROADCASTS = new Set(["wallet/broadcasttransaction", "wallet/broadcasthex"]);
/** Lookups by id or number: the first node that has the thing answers. */
const LOOKUPS = new Set([
  "wallet/getblockbynum",
  "walletsolidity/getblockbynum",
  "wallet/gettransactioninfobyid",
  "walletsolidity/gettransactioninfobyid",
  "wallet/gettransactionbyid",
  "walletsolidity/gettransactionbyid",
  "wallet/gettransactioninfobyblocknum",
  "walletsolidity/gettransactioninfobyblocknum",
  "wallet/getcontract",
]);

/**
 * Several TRON nodes of one network used as one, for a watchtower that must not depend on any of
 * them (issue 13). Every request goes to every node on the expected chain at once, each with
 * TronHttp's timeout and retries, and the freshest answer wins:
 * - head reads (`getnowblock`, `getblock` without a number): the highest block;
 * - lookups (a block by number, a transaction's receipt, a contract): the first node that has it,
 *   so one that has not seen a block yet cannot answer "not found" for all;
 * - the event API: the union of every node's events (one whose event service lags cannot hide a
 *   close), without the nodes' own paging fingerprints (each node's is its own): the caller pages
 *   by time, as watchTronEvents does when no fingerprint comes;
 * - broadcasts: through every node, accepted if any accepts (the same signed bytes: it lands once);
 * - anything else (constant calls, estimates, accounts, chain parameters): the answer of the node
 *   whose head is the newest seen. TRON cannot pin a call to a block as `eth_call` can, so a
 *   replica serving old state behind a fresh head still answers old: the watchtower's re-checks
 *   cover that, not this.
 * Each node's chain is read from its genesis block before it is used, again every `checkMs`, and
 * again after it failed a request: a node on another chain (a provider that failed over to the
 * wrong network) is left out until it answers the expected chain again.
 *
 * Latency: once one node has answered, the others get as long again as it took (at least 100 ms,
 * at most `graceMs`, 1 s); a node slower than that does not count for this request (it would only
 * make every request as slow as the slowest, and a hung one as slow as the timeout).
 */
export class TronNodeSet {
  private readonly nodes: NodeState[];
  private expected?: bigint;

  constructor(
    hosts: TronNodeHosts[],
    private readonly send: SendToHost,
    private readonly options: { chainId?: bigint; checkMs: number; graceMs?: number; headers?: Record<string, string> },
  ) {
    this.nodes = hosts.map((h) => ({ hosts: h, checkedAt: 0, suspect: false, head: -1 }));
    this.expected = options.chainId;
  }

  /**
   * The chain every node must be on: the configured one, or the one the nodes agree on (the
   * first node's when they disagree). Reads the nodes' genesis blocks if none was read yet.
   */
  async chainId(): Promise<bigint> {
    if (this.expected === undefined) await this.usable();
    return this.expected!;
  }

  /** Reads every node's chain now (what `status()` then reports); a node that does not answer keeps its last known chain. */
  async checkNow(): Promise<void> {
    for (const n of this.nodes) this.check(n);
    await Promise.all(this.nodes.map((n) => n.checking));
    this.settleExpected();
  }

  /** Nodes on the expected chain, by each node's last check; states which are not. */
  status(): { url: string; chainId?: bigint; usable: boolean; head: number }[] {
    return this.nodes.map((n) => ({
      url: n.hosts.fullNode,
      chainId: n.chainId,
      usable: this.isUsable(n),
      head: n.head,
    }));
  }

  /** `wallet/…` or `walletsolidity/…` through every usable node. */
  async wallet(path: string, init: RequestInit, options: RequestOptions, body: Record<string, unknown>): Promise<Json> {
    const solidity = path.startsWith("walletsolidity/");
    const nodes = await this.usable();
    const base = (n: NodeState) => (solidity ? n.hosts.solidityNode : n.hosts.fullNode);
    if (BROADCASTS.has(path)) return this.broadcast(nodes, base, path, init, options);
    const isLookup = LOOKUPS.has(path) || (BLOCK_PATHS.has(path) && body.id_or_num !== undefined);
    const answers = await this.ask(nodes, (n) => this.send(base(n), path, init, options), isLookup ? found : undefined);
    const ok = answers.filter((a): a is Extract<Answer, { ok: true }> => a.ok);
    if (ok.length === 0) throw failure(path, answers);
    if (HEAD_PATHS.has(path) || (BLOCK_PATHS.has(path) && body.id_or_num === undefined)) {
      const heads = ok.filter((a) => this.trustHead(a, ok));
      for (const a of heads) a.node.head = Math.max(a.node.head, blockNumber(a.body));
      return heads.reduce((best, a) => (blockNumber(a.body) > blockNumber(best.body) ? a : best)).body;
    }
    if (isLookup) return (ok.find((a) => found(a.body)) ?? ok[0]).body;
    // The freshest node's answer; ties go to the order the nodes were given in.
    return ok.reduce((best, a) => (a.node.head > best.node.head ? a : best)).body;
  }

  /**
   * Whether a node's head answer counts: not while it leads every other answer by more than
   * HEAD_JUMP blocks and its chain was not read since that was first seen (the read is started;
   * once it confirms the chain, the node is simply ahead and counts).
   */
  private trustHead(a: Extract<Answer, { ok: true }>, all: Extract<Answer, { ok: true }>[]): boolean {
    const others = all.filter((o) => o !== a).map((o) => blockNumber(o.body));
    if (others.length === 0 || blockNumber(a.body) - Math.max(...others) <= HEAD_JUMP) {
      a.node.jumpAt = undefined;
      return true;
    }
    if (a.node.jumpAt !== undefined && a.node.checkedAt >= a.node.jumpAt) return true;
    a.node.jumpAt ??= Date.now();
    this.check(a.node);
    return false;
  }

  /** A `/v1/…` event API read through every usable node: the union of their events. */
  async events(pathAndQuery: string, init: RequestInit, options: RequestOptions): Promise<Json> {
    const nodes = await this.usable();
    // A fingerprint is one node's cursor: only that node understands it. The union drops them, so
    // a caller holding one got it from elsewhere: ask the primary alone.
    const paged = new URLSearchParams(pathAndQuery.split("?")[1] ?? "").has("fingerprint");
    const asked = paged ? nodes.slice(0, 1) : nodes;
    const answers = await this.ask(asked, (n) =>
      this.send(n.hosts.eventServer, pathAndQuery, init, options).then((body) => {
        if (body?.success === false) {
          throw new TronHttpError(
            `the event API at ${n.hosts.eventServer} refused /${pathAndQuery}: ${body.error ?? "no reason given"}`,
            false,
          );
        }
        return body;
      }),
    );
    const ok = answers.filter((a): a is Extract<Answer, { ok: true }> => a.ok);
    if (ok.length === 0) throw failure(pathAndQuery.split("?")[0], answers);
    if (paged || ok.length === 1) return ok[0].body;
    const union = new Map<string, Json>();
    for (const a of ok) {
      for (const e of (a.body?.data ?? []) as Json[]) {
        // The block too: after a reorganisation one transaction's event is in another block.
        union.set(`${e.transaction_id}:${e.event_index}:${e.block_number}`, e);
      }
    }
    const descending = /block_timestamp,desc/.test(decodeURIComponent(pathAndQuery));
    const data = [...union.values()].sort(
      (x, y) =>
        (Number(x.block_timestamp) - Number(y.block_timestamp) ||
          Number(x.block_number) - Number(y.block_number) ||
          Number(x.event_index) - Number(y.event_index)) * (descending ? -1 : 1),
    );
    return { ...ok[0].body, data, meta: { at: ok[0].body?.meta?.at, page_size: data.length } };
  }

  private async broadcast(
    nodes: NodeState[],
    base: (n: NodeState) => string,
    path: string,
    init: RequestInit,
    options: RequestOptions,
  ): Promise<Json> {
    // Every node, each until it answers: a broadcast is cheap, and the node that takes it may be the slow one.
    const answers = await this.ask(nodes, (n) => this.send(base(n), path, init, options), undefined, Infinity);
    const ok = answers.filter((a): a is Extract<Answer, { ok: true }> => a.ok);
    if (ok.length === 0) throw failure(path, answers);
    return (
      ok.find((a) => a.body?.result === true) ??
      ok.find((a) => a.body?.code === "DUP_TRANSACTION_ERROR") ??
      ok.find((a) => a.node === nodes[0]) ??
      ok[0]
    ).body;
  }

  /**
   * Asks every node; resolves once all answered, or `graceMs` after the first good answer (for a
   * lookup: at the first answer that has the thing). Failed nodes are marked suspect.
   */
  private ask(
    nodes: NodeState[],
    request: (n: NodeState) => Promise<Json>,
    enough?: (body: Json) => boolean,
    graceMs = this.options.graceMs ?? 1_000,
  ): Promise<Answer[]> {
    const started = Date.now();
    return new Promise((resolve) => {
      const answers: Answer[] = [];
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve([...answers]);
      };
      for (const node of nodes) {
        request(node).then(
          (body) => {
            answers.push({ node, ok: true, body });
            if (enough?.(body) || answers.length === nodes.length) finish();
            else if (timer === undefined && Number.isFinite(graceMs)) {
              // Twice the first answer's time (at least 100 ms), at most graceMs: a node that
              // much slower than the first is not waited for.
              timer = setTimeout(finish, Math.min(graceMs, Math.max(100, 2 * (Date.now() - started))));
            }
          },
          (error) => {
            node.suspect = true;
            answers.push({ node, ok: false, error });
            if (answers.length === nodes.length) finish();
          },
        );
      }
    });
  }

  /** The nodes to ask: those whose chain is the expected one. Starts the chain checks that are due. */
  private async usable(): Promise<NodeState[]> {
    const now = Date.now();
    for (const n of this.nodes) {
      if (n.chainId === undefined || n.suspect || now - n.checkedAt >= this.options.checkMs) this.check(n);
    }
    if (!this.nodes.some((n) => this.isUsable(n))) {
      // Nothing to ask yet (first use, or every node failed or moved): wait for the checks.
      await Promise.all(this.nodes.map((n) => n.checking));
      this.settleExpected();
    }
    const usable = this.nodes.filter((n) => this.isUsable(n));
    if (usable.length === 0) {
      const seen = this.nodes.map(
        (n) => `${n.hosts.fullNode}: ${n.chainId === undefined ? "unreachable" : `chain ${n.chainId}`}`,
      );
      throw new TronHttpError(
        `no TRON node is usable (${seen.join("; ")})` +
          (this.expected === undefined ? "" : `: every reachable node is on another chain than ${this.expected}`) +
          "; check the nodes' URLs and their network",
        true,
      );
    }
    return usable;
  }

  private isUsable(n: NodeState): boolean {
    return n.chainId !== undefined && this.expected !== undefined && n.chainId === this.expected;
  }

  /** Reads a node's genesis block (at most one read in flight per node). */
  private check(n: NodeState): void {
    n.checking ??= (async () => {
      try {
        const genesis = await this.send(
          n.hosts.fullNode,
          "wallet/getblockbynum",
          {
            method: "POST",
            body: JSON.stringify({ num: 0 }),
            headers: { ...this.options.headers, "content-type": "application/json" },
          },
          { retries: 0 },
        );
        if (typeof genesis?.blockID !== "string" || genesis.blockID.length < 8) return;
        n.chainId = chainIdOfGenesis(genesis.blockID);
        n.checkedAt = Date.now();
        n.suspect = false;
        this.settleExpected();
      } catch {
        // Unreachable is not proof of another chain: its last known chain stands.
      } finally {
        n.checking = undefined;
      }
    })();
  }

  /** Fixes the expected chain when none was configured: what every checked node agrees on, or the primary's. */
  private settleExpected(): void {
    if (this.expected !== undefined) return;
    const primary = this.nodes[0].chainId;
    if (primary !== undefined) {
      this.expected = primary;
      return;
    }
    const known = [...new Set(this.nodes.map((n) => n.chainId).filter((c) => c !== undefined))];
    if (known.length === 1 && this.nodes.every((n) => n.chainId !== undefined || n.checking === undefined)) {
      this.expected = known[0];
    }
  }
}

function blockNumber(body: Json): number {
  return Number(body?.block_header?.raw_data?.number ?? -1);
}

/** A lookup answer that has the thing (java-tron answers `{}` for what it does not know). */
function found(body: Json): boolean {
  if (Array.isArray(body)) return body.length > 0;
  return body !== null && typeof body === "object" && Object.keys(body).length > 0;
}

function failure(path: string, answers: Answer[]): TronHttpError {
  const failed = answers.filter((a): a is Extract<Answer, { ok: false }> => !a.ok);
  const transient = failed.some((a) => a.error instanceof TronHttpError && a.error.transient);
  const reasons = failed.map((a) => (a.error instanceof Error ? a.error.message : String(a.error)));
  return new TronHttpError(`every TRON node failed /${path}: ${reasons.join("; ")}`, transient || failed.length === 0);
}
