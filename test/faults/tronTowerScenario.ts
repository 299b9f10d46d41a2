import { TronChain, type TronChainParameters } from "../../src/chain/tron/TronChain";
import { startWatchtower } from "../../src/channel/watchtower";
import type { StartWatchtowerParameters, WatchtowerEvent } from "../../src/channel/watchtowerTypes";
import { setupTronTowerChannel } from "../tron/watchtowerSetup";
import { startTronFaultProxy, type RpcFaultProxy } from "./rpcFaultProxy";

export type TronTowerScenario = {
  /** Dispute window, seconds (the chain's: 3 s blocks). */
  window: number;
  /** Faults in place before the tower starts. */
  beforeStart?: (proxy: RpcFaultProxy) => void;
  /** Faults set just before the payer's close. */
  atClose?: (proxy: RpcFaultProxy) => void;
  /** Milliseconds after the close when every fault ends; default never. */
  healAfter?: number;
  /** The tower's adapter settings over the suite's. */
  chain?: Partial<TronChainParameters>;
  /** The tower's settings over the suite's. */
  tower?: Partial<StartWatchtowerParameters>;
  seed?: number;
  /** The devnode's solidified block this many blocks behind its head (default 19): a `stale` rule reads it. */
  solidityDelay?: number;
  /**
   * Empty blocks mined (at once, at the wall clock's time) just before the close, so that a replica
   * this many blocks behind sees the channel open rather than not yet deployed.
   */
  mineBeforeClose?: number;
  /** Milliseconds one request may take, the adapter's and the tower's (default 2,000). */
  requestTimeout?: number;
  /**
   * `reorg`: once the tower has tried to claim, the blocks from the close's on are replaced by a
   * fork (`POST /admin/reorg`); the close comes back into a block `reincludeAfter` ms later, every
   * other transaction of those blocks or of the pool (a claim the tower got in) is lost. (A claim is
   * valid on an open channel too: one that stayed would land without the tower noticing the reorg.)
   */
  close?: "plain" | "reorg";
  reincludeAfter?: number;
  /**
   * With `close: "reorg"`: the reorg comes once the tower's first claim broadcast reached the node's
   * proxy (default; with a fault on it, right after that broadcast failed, before the tower retries),
   * or once the tower reported its claim landed.
   */
  reorgAfter?: "broadcast" | "claimed";
  /**
   * Nodes the tower is given (TronConnection.alsoNodes), each a fault proxy of its own in front of
   * the devnode; the rules go to the first. Default 1.
   */
  nodes?: number;
};

export type TronTowerScenarioResult = {
  claimed: boolean;
  /** Milliseconds from the close to the claim landing (or to the settle, when lost). */
  after: number;
  /** Claim transactions that landed on the channel (ChannelClaimed events): one, never a duplicate. */
  claimsLanded: number;
  events: WatchtowerEvent[];
  proxy: { seen: Record<string, number>; faulted: Record<string, number> };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One TRON row of issue 13's table: the devnode in its TRON-like mode (3 s blocks), a payer's
 * channel to a payee whose store holds a 6-BTT voucher, a watchtower guarding it through the TRON
 * fault proxy, the payer starting a unilateral close and settling the moment the chain's clock
 * passes the window's end. Claimed or lost.
 */
export async function runTronTowerScenario(s: TronTowerScenario): Promise<TronTowerScenarioResult> {
  const setup = await setupTronTowerChannel({
    disputeWindow: s.window,
    minWindow: 1,
    solidityDelay: s.solidityDelay,
    reorgs: s.close === "reorg",
  });
  const { node, payerChain, key, store, voucher } = setup;
  const proxy = await startTronFaultProxy(node.url, s.seed ?? 13);
  const others = await Promise.all(
    Array.from({ length: Math.max(0, (s.nodes ?? 1) - 1) }, () => startTronFaultProxy(node.url)),
  );
  const events: WatchtowerEvent[] = [];
  let tower: Awaited<ReturnType<typeof startWatchtower>> | undefined;
  try {
    s.beforeStart?.(proxy);
    // A loopback node has no request budget: polls are paced by pollingInterval alone.
    const towerChain = new TronChain({
      connection: {
        fullNode: proxy.url,
        alsoNodes: others.map((o) => o.url),
        // Chains re-read every 2 s (default 5 min), so a failover to another network shows within a row.
        chainCheckMs: 2_000,
        backoffMs: 100,
        maxBackoffMs: 1_000,
        timeoutMs: s.requestTimeout ?? 2_000,
      },
      privateKey: setup.towerKey,
      escrow: setup.escrow,
      pollingInterval: 250,
      ...s.chain,
    });
    tower = await startWatchtower({
      chain: towerChain,
      store,
      pollingInterval: 500,
      retryDelay: 250,
      maxRetryDelay: 2_000,
      requestTimeout: s.requestTimeout ?? 2_000,
      recheckGrace: 3_000,
      ...s.tower,
      // A scenario's own listener (a bench's log) hears everything too.
      onEvent: (e) => {
        events.push(e);
        s.tower?.onEvent?.(e);
      },
    });
    if (!s.beforeStart) {
      const started = Date.now();
      while (!(events.some((e) => e.type === "started") && tower.status().pending.length === 0)) {
        if (Date.now() - started > 15_000) throw new Error("the tower did not finish its start-up scan in 15 s");
        await sleep(50);
      }
    }
    if (s.mineBeforeClose) {
      const mined = await fetch(`${node.url}/admin/mine`, {
        method: "POST",
        body: JSON.stringify({ blocks: s.mineBeforeClose }),
      });
      if (!mined.ok) throw new Error(`the devnode did not mine: ${mined.status} ${await mined.text()}`);
    }
    s.atClose?.(proxy);
    const closedAt = Date.now();
    const heal = s.healAfter === undefined ? undefined : setTimeout(() => proxy.clear(), s.healAfter);
    try {
      const close = await payerChain.startClose(key);
      if (s.close === "reorg") await reorganiseAway(close.hash.slice(2), Number(close.blockNumber));
      const { closesAt } = await payerChain.getChannel(setup.channelId);
      // The payer settles as soon as the chain's clock passes the window's end.
      for (;;) {
        const state = await payerChain.getChannel(setup.channelId);
        if (state.claimed >= voucher) return await result(true);
        if (state.status === "closed") return await result(false);
        const head = await payerChain.latestBlock();
        if (head.timestamp >= closesAt) await payerChain.settle(key).catch(() => undefined);
        if (Date.now() - closedAt > (s.window + 60) * 1000) return await result(false);
        await sleep(200);
      }
    } finally {
      clearTimeout(heal);
    }

    /**
     * Replaces the blocks from the close's on once the tower tried to claim (or claimed); only the
     * close comes back. Quick (the reads go out together): the tower retries a failed claim 250 ms on.
     */
    async function reorganiseAway(closeTx: string, closeBlock: number): Promise<void> {
      const seen = Date.now();
      const after = s.reorgAfter ?? "broadcast";
      const ready =
        after === "broadcast"
          ? () => (proxy.seen.get("wallet/broadcasttransaction") ?? 0) > 0
          : () => events.some((e) => e.type === "claimed");
      while (!ready()) {
        if (Date.now() - seen > 20_000) throw new Error(`the tower did not reach "${after}" in 20 s`);
        await sleep(10);
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const post = async (path: string, body: unknown): Promise<any> =>
        (await fetch(`${node.url}/${path}`, { method: "POST", body: JSON.stringify(body) })).json();
      for (;;) {
        const head = await post("wallet/getblock", { detail: false });
        const number: number = head.block_header.raw_data.number;
        const blocks = await Promise.all(
          Array.from({ length: number - closeBlock + 1 }, (_, i) =>
            post("wallet/getblockbynum", { num: closeBlock + i }),
          ),
        );
        const others = blocks
          .flatMap((b) => b.transactions ?? [])
          .map((t: { txID: string }) => t.txID)
          .filter((id: string) => id !== closeTx);
        const answer = await post("admin/reorg", {
          depth: number - closeBlock + 1,
          reincludeAfterMs: s.reincludeAfter ?? 4_000,
          drop: others,
          dropPending: true,
          ifHead: head.blockID,
        });
        if (answer.removed) return;
        // A block came in between (3 s blocks): read the chain again.
        if (!String(answer.Error).startsWith("the head is now block"))
          throw new Error(`reorg refused: ${answer.Error}`);
      }
    }

    async function result(claimed: boolean): Promise<TronTowerScenarioResult> {
      const after = Date.now() - closedAt;
      // Read straight from the node, after a block, so a second claim in flight would show.
      await sleep(3_500);
      const page = await (
        await fetch(`${node.url}/v1/contracts/${setup.escrow}/events?event_name=ChannelClaimed&limit=200`)
      ).json();
      const claimsLanded = ((page as { data?: unknown[] }).data ?? []).length;
      return {
        claimed,
        after,
        claimsLanded,
        events,
        proxy: { seen: Object.fromEntries(proxy.seen), faulted: Object.fromEntries(proxy.faulted) },
      };
    }
  } finally {
    proxy.clear();
    if (tower) await Promise.race([tower.stop(), sleep(20_000)]);
    await proxy.close();
    await Promise.all(others.map((o) => o.close()));
    await node.close();
  }
}
