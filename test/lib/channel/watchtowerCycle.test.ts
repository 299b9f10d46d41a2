import { expect } from "chai";
import { Wallet } from "ethers";
import type { ChainAdapter, ChannelState, ClaimOptions, ClaimRequest } from "../../../src/chain/types";
import { startWatchtower } from "../../../src/channel/watchtower";
import type { Watchtower } from "../../../src/channel/watchtowerTypes";
import { MemoryStore } from "../../../src/store/memoryStore";
import { channelId, type ChannelKey } from "../../../src/voucher/typedData";
import { until } from "../chain/adapterSuite";

const ESCROW = "0x" + "e5".repeat(20);
const SIGNATURE = "0x" + "11".repeat(64) + "1b";

/**
 * The tower's cycle against an in-memory escrow (no node): what is measured here is scheduling,
 * which channels are read when, not the chain (test/faults runs the tower against real nodes).
 * `hang` holds a channel's reads for ever: a node that never answers, with no request deadline
 * to save the cycle.
 */
function memoryEscrow(hang: Set<string>) {
  const states = new Map<string, ChannelState>();
  const reading = { now: 0, most: 0 };
  const claims: { requests: ClaimRequest[]; options?: ClaimOptions }[] = [];
  const chain = {
    escrow: ESCROW,
    account: Wallet.createRandom().address,
    chainId: async () => 1n,
    latestBlock: async () => ({ number: 100n, timestamp: BigInt(Math.floor(Date.now() / 1000)) }),
    getChannel: async (id: string): Promise<ChannelState> => {
      reading.now++;
      reading.most = Math.max(reading.most, reading.now);
      try {
        if (hang.has(id)) await new Promise(() => undefined);
        await new Promise((r) => setTimeout(r, 5));
        return states.get(id)!;
      } finally {
        reading.now--;
      }
    },
    claimMany: async (requests: ClaimRequest[], options?: ClaimOptions) => {
      claims.push({ requests, options });
      let credited = 0n;
      for (const r of requests) {
        const id = channelId(r.key);
        const s = states.get(id)!;
        credited += r.amount - s.claimed;
        states.set(id, { ...s, claimed: r.amount });
      }
      return { hash: "0x" + "ab".repeat(32), blockNumber: 101n, gasUsed: 1n, credited };
    },
    watchEvents: () => () => undefined,
  };
  return { chain: chain as unknown as ChainAdapter, states, reading, claims };
}

/** `n` closing channels, each with a 5-unit voucher, in a payee store and in the escrow; the first `early` close sooner. */
function closingChannels(n: number, escrow: ReturnType<typeof memoryEscrow>, early = 0) {
  const store = new MemoryStore();
  const payee = Wallet.createRandom().address;
  const end = BigInt(Math.floor(Date.now() / 1000) + 3600);
  const ids: string[] = [];
  for (let salt = 1n; salt <= BigInt(n); salt++) {
    const key: ChannelKey = {
      payer: Wallet.createRandom().address,
      payee,
      signer: Wallet.createRandom().address,
      disputeWindow: 3600,
      salt,
    };
    const id = channelId(key);
    ids.push(id);
    const closesAt = salt <= BigInt(early) ? end - 1800n : end;
    store.upsertChannel({
      chainId: 1,
      escrow: ESCROW,
      role: "payee",
      key,
      status: "closing",
      deposit: 10n,
      closesAt: Number(closesAt),
    });
    store.recordReceivedVoucher({ channelId: id, cumulativeAmount: 5n, signature: SIGNATURE });
    escrow.states.set(id, { status: "closing", deposit: 10n, claimed: 0n, closesAt });
  }
  return { store, ids, closesAt: end };
}

describe("watchtower cycles: concurrent reads, bounded by cycleTimeout", () => {
  let tower: Watchtower | undefined;
  afterEach(async () => {
    await tower?.stop();
    tower = undefined;
  });

  it("reads due channels concurrently, 8 at a time, and claims them all, telling the sender the window's end", async () => {
    const escrow = memoryEscrow(new Set());
    const { store, ids, closesAt } = closingChannels(20, escrow);
    tower = await startWatchtower({ chain: escrow.chain, store, pollingInterval: 50, fromBlock: 100n });
    await until(() => ids.every((id) => escrow.states.get(id)!.claimed === 5n), 10_000);
    expect(escrow.reading.most).to.equal(8);
    expect(escrow.claims.flatMap((c) => c.requests)).to.have.length(20);
    // The deadline is the window's end (this test's chain clock is the local one).
    const deadline = escrow.claims[0].options?.deadline ?? 0;
    expect(Math.abs(deadline - Number(closesAt) * 1000)).to.be.lessThan(5_000);
  });

  it("ends a cycle's reads at cycleTimeout: channels whose node never answers do not hold up the others", async () => {
    // Eight reads that never return fill every read slot of the first cycle; an hour-long request
    // deadline cannot help. Only the cycle's own deadline lets the other channels be read.
    // Their windows end first, so they are read first.
    const hang = new Set<string>();
    const stuck = memoryEscrow(hang);
    const { store, ids } = closingChannels(12, stuck, 8);
    const hung = ids.slice(0, 8);
    for (const id of hung) hang.add(id);
    tower = await startWatchtower({
      chain: stuck.chain,
      store,
      pollingInterval: 50,
      requestTimeout: 3_600_000,
      cycleTimeout: 200,
      fromBlock: 100n,
    });
    const healthy = ids.slice(8);
    await until(() => healthy.every((id) => stuck.states.get(id)!.claimed === 5n), 10_000);
    expect(hung.every((id) => stuck.states.get(id)!.claimed === 0n)).to.equal(true);
    expect(tower.status().pending.map((p) => p.channelId)).to.include.members(hung);
  });
});
