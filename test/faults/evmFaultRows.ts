import type { TowerScenario } from "./towerScenario";

/**
 * Issue 13's table, EVM rows: the watchtower between a payer's unilateral close and its settle, with
 * the node misbehaving as real RPC providers do. Every row must claim. Windows are short for CI
 * (bench/watchtower.json records the smallest that still claims, per fault: scripts/bench-watchtower.ts).
 */
export const EVM_FAULT_ROWS: Record<string, TowerScenario> = {
  "one stale eth_call (replica 5 blocks behind) when the tower first decides, then fresh": {
    window: 20,
    atClose: (p) => p.set({ kind: "stale", blocks: 5, methods: ["eth_call"], times: 2 }),
  },
  // 20 blocks are 20 s here: the smallest window that claims is 30 s (bench); CI keeps a margin.
  "eth_getLogs answered by a replica 20 blocks behind while eth_blockNumber is fresh": {
    window: 40,
    atClose: (p) => p.set({ kind: "lagLogs", blocks: 20 }),
  },
  "the close reorganised away and re-included 4 s later, and the first claim broadcast failed": {
    window: 30,
    close: "reorg",
    reincludeAfter: 4_000,
    atClose: (p) => p.set({ kind: "status", status: 503, methods: ["eth_sendRawTransaction"], times: 1 }),
  },
  "a claim broadcast accepted and then dropped (never mined) for 10 s, then a healthy node": {
    window: 20,
    atClose: (p) => p.set({ kind: "swallow" }),
    healAfter: 10_000,
  },
  "the tower started while the node was down, the close happened while it was down, node back 7 s later": {
    window: 20,
    beforeStart: (p) => p.set({ kind: "drop" }),
    healAfter: 7_000,
    tower: { fromBlock: undefined },
  },
  "5% of requests dropped, answered 503 or hung": {
    window: 30,
    atClose: (p) =>
      p.set(
        { kind: "drop", probability: 0.0167 },
        { kind: "status", status: 503, probability: 0.017 },
        { kind: "hang", probability: 0.0173 },
      ),
  },
  "one request hung (blackholed) until the end": {
    window: 15,
    atClose: (p) => p.set({ kind: "hang", methods: ["eth_call"], times: 1 }),
  },
  // A claim is 5 round trips after the poll (its reads go out together): claimed 15 s after the
  // close, smallest window 20 s (bench; 30 s while the reads went one by one); CI keeps a margin.
  "every request delayed 3 s (with the default 10 s request deadline)": {
    window: 30,
    requestTimeout: 10_000,
    atClose: (p) => p.set({ kind: "delay", ms: 3_000 }),
  },
  "eth_getLogs answers an empty list 10 times, and replayed (cached) answers to eth_blockNumber": {
    window: 30,
    atClose: (p) =>
      p.set({ kind: "emptyLogs", times: 10 }, { kind: "replay", methods: ["eth_blockNumber"], probability: 0.5 }),
  },
  "after a failover, one of two nodes is on another chain: its chain id, none of the escrow's logs, broadcasts lost": {
    window: 20,
    nodes: 2,
    atClose: (p) => p.set({ kind: "chainId", chainId: 1n }, { kind: "emptyLogs" }, { kind: "swallow" }),
  },
};
