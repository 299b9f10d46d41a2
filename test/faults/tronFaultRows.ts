import type { TronTowerScenario } from "./tronTowerScenario";

/**
 * Issue 13's table, TRON rows: the watchtower against the devnode in its TRON-like mode (3 s
 * blocks) through the TRON fault proxy. Every row must claim; bench/watchtower.json records the
 * smallest window that still claims (scripts/bench-watchtower.ts).
 */
/** A directReadAbove no voucher reaches: the rows aimed at the tower's decision read keep direct reads out of the way. */
const NO_DIRECT_READS = 2n ** 255n;

export const TRON_FAULT_ROWS: Record<string, TronTowerScenario> = {
  // 16 blocks are 48 s: the close is visible to the event API 48 s after it was mined. The tower
  // sees the API's newest event trail the head and reads the channel directly: claimed about 12 s
  // after the close at 30 s down to 10 s windows (60 s before); CI keeps 30.
  "TRON: the event API 16 blocks behind the full node": {
    window: 30,
    atClose: (p) => p.set({ kind: "lagLogs", blocks: 16 }),
  },
  // The tower's first claim broadcast is answered 503, and right then the close's blocks are
  // replaced (the pool lost too); the close is back 4 s later in a new block, with a new window.
  // Claimed ~12 s after the close at 30 s down to 4 s windows (bench); CI keeps 10.
  "TRON: the close reorganised away and re-included 4 s later, and the first claim broadcast failed": {
    window: 10,
    close: "reorg",
    reincludeAfter: 4_000,
    atClose: (p) => p.set({ kind: "status", status: 503, methods: ["wallet/broadcasttransaction"], times: 1 }),
  },
  "TRON: a claim broadcast accepted and then lost by the node for 10 s": {
    window: 30,
    atClose: (p) => p.set({ kind: "swallow" }),
    healAfter: 10_000,
  },
  // The event API is read once a block (3 s): 5 empty answers blind the tower for 15 s.
  "TRON: the event API answers an empty list 5 times, and replayed (cached) answers to the head read": {
    window: 45,
    atClose: (p) =>
      p.set({ kind: "emptyLogs", times: 5 }, { kind: "replay", methods: ["wallet/getblock"], probability: 0.5 }),
  },
  // The devnode's solidified state is the replica's: 5 blocks (15 s) behind, so it still says "open".
  "TRON: one stale constant call (state 5 blocks behind, a load-balanced replica) when the tower first decides, then fresh":
    {
      window: 30,
      solidityDelay: 5,
      mineBeforeClose: 6,
      atClose: (p) => p.set({ kind: "stale", blocks: 5, methods: ["wallet/triggerconstantcontract"], times: 2 }),
      // Direct reads (while the event API shows nothing new) off: the stale answers must meet the tower's decision.
      tower: { directReadAbove: NO_DIRECT_READS },
    },
  "TRON: the tower started while the node was down, the close happened while it was down, node back 35 s later": {
    window: 45,
    beforeStart: (p) => p.set({ kind: "drop" }),
    healAfter: 35_000,
  },
  // Claimed about 6 s after the close at 15 s and at 10 s windows (the table had 120 s); CI keeps 15.
  "TRON: 5% of requests dropped, answered 503 or hung": {
    window: 15,
    atClose: (p) =>
      p.set(
        { kind: "drop", probability: 0.0167 },
        { kind: "status", status: 503, probability: 0.017 },
        { kind: "hang", probability: 0.0173 },
      ),
  },
  // The same faults from before the tower starts (its start-up, the event polls and direct reads
  // before the close, everything the claim needs), and twice as many: both claimed about 4 s after
  // the close at 15 s and 10 s windows; CI keeps 15.
  "TRON: 5% of requests dropped, answered 503 or hung, from the tower's start": {
    window: 15,
    beforeStart: (p) =>
      p.set(
        { kind: "drop", probability: 0.0167 },
        { kind: "status", status: 503, probability: 0.017 },
        { kind: "hang", probability: 0.0173 },
      ),
  },
  "TRON: 10% of requests dropped, answered 503 or hung, from the tower's start": {
    window: 15,
    beforeStart: (p) =>
      p.set(
        { kind: "drop", probability: 0.0333 },
        { kind: "status", status: 503, probability: 0.0345 },
        { kind: "hang", probability: 0.0357 },
      ),
  },
  // The tower's first read of the channel after the close never answers: the default 10 s request
  // deadline frees it (before, a hung request froze the tower for ~290 s). Claimed 14.9 s after the
  // close at 20 s and at 15 s windows; CI keeps 20.
  "TRON: one request hung (blackholed), with the default 10 s request deadline": {
    window: 20,
    requestTimeout: 10_000,
    atClose: (p) => p.set({ kind: "hang", methods: ["wallet/triggerconstantcontract"], times: 1 }),
    // Direct reads off: the hung request must be the tower's first read of the closing channel.
    tower: { directReadAbove: NO_DIRECT_READS },
  },
  // About 9 requests one after another before (head, events, the channel's reads, chain parameters,
  // the claim's build, broadcast): claimed 26.9 s after the close, at 30 s windows. The claim now
  // reads its estimate, prices and head at once and builds the transaction itself: claimed 20.9 s
  // after the close at a 20 s window (in the block before the payer's settle; lost at 15 s); CI keeps 30.
  "TRON: every request delayed 3 s, with the default 10 s request deadline": {
    window: 30,
    requestTimeout: 10_000,
    atClose: (p) => p.set({ kind: "delay", ms: 3_000 }),
  },
  // The tower is given two nodes; at the close the first fails over to another network: its genesis
  // names another chain, its event API has none of the escrow's events, and it loses broadcasts.
  "TRON: after a failover, one of two nodes is on another chain: its chain id, none of the escrow's events, broadcasts lost":
    {
      window: 20,
      nodes: 2,
      atClose: (p) => p.set({ kind: "chainId", chainId: 1n }, { kind: "emptyLogs" }, { kind: "swallow" }),
    },
  // Every request goes to both nodes; the hung one gets 1 s past the other's answer, then is not waited for.
  "TRON: one of two nodes hangs every request from the close on": {
    window: 15,
    nodes: 2,
    atClose: (p) => p.set({ kind: "hang" }),
  },
};
