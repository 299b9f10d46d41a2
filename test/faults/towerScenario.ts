import { JsonRpcProvider, Network, Signature, Wallet } from "ethers";
import hre from "hardhat";
import { EvmChain } from "../../src/chain/evm/EvmChain";
import { MultiNodeProvider } from "../../src/chain/evm/MultiNodeProvider";
import { startWatchtower } from "../../src/channel/watchtower";
import type { StartWatchtowerParameters, WatchtowerEvent } from "../../src/channel/watchtowerTypes";
import { MemoryStore } from "../../src/store/memoryStore";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../../src/voucher/typedData";
import { startRpcFaultProxy, type RpcFaultProxy } from "./rpcFaultProxy";

const { ethers, network } = hre;
const BTT = 10n ** 18n;
export const VOUCHER = 3n * BTT;
/** Milliseconds between blocks: Hardhat automines only on transactions, and gives each block a timestamp above the last (so faster blocks would run the chain clock ahead of real time). */
const BLOCK_TIME = 1000;

export type TowerScenario = {
  /** Dispute window, seconds. */
  window: number;
  /** Faults in place before the tower starts (a node down at start). */
  beforeStart?: (proxy: RpcFaultProxy) => void;
  /** Faults set just before the payer's close. */
  atClose?: (proxy: RpcFaultProxy) => void;
  /** Milliseconds after the close when every fault ends; default never. */
  healAfter?: number;
  /** `reorg`: the close is mined, reorganised away once the tower saw it, and re-included `reincludeAfter` ms later. */
  close?: "plain" | "reorg";
  reincludeAfter?: number;
  /** Milliseconds one request may take (tower reads and the adapter's); default 2000. */
  requestTimeout?: number;
  /** The tower's settings (pollingInterval, recheckGrace, ...) over the suite's. */
  tower?: Partial<StartWatchtowerParameters>;
  seed?: number;
  /**
   * Nodes the tower reads through (MultiNodeProvider, as `watch --also-rpc` builds it): the faults
   * hit the first; the others are healthy proxies. Default 1 (a plain JsonRpcProvider).
   */
  nodes?: number;
};

export type TowerScenarioResult = {
  /** The tower's claim landed before the payer could settle. */
  claimed: boolean;
  /** Milliseconds from the close to the claim landing (or to the settle, when lost). */
  after: number;
  events: WatchtowerEvent[];
  proxy: { seen: Record<string, number>; faulted: Record<string, number> };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One row of issue 13's table: a payer opens a channel to a payee whose store holds a 3-BTT voucher,
 * a watchtower guards it through a fault-injecting proxy in front of Hardhat, the payer starts a
 * unilateral close and settles the moment the window ends. Claimed or lost.
 */
export async function runTowerScenario(s: TowerScenario): Promise<TowerScenarioResult> {
  const provider = hre.ethers.provider;
  const [deployer] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"], deployer);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 1, 86400], deployer);
  const escrowAddress = await escrow.getAddress();
  const chainId = (await provider.getNetwork()).chainId;

  // The payer signs its close itself so the same transaction can be broadcast again after a reorg.
  const payer = Wallet.createRandom().connect(provider);
  const hotKey = Wallet.createRandom();
  const payee = Wallet.createRandom();
  const towerKey = Wallet.createRandom();
  for (const a of [payer.address, towerKey.address]) {
    await network.provider.send("hardhat_setBalance", [a, "0x56bc75e2d63100000"]);
  }
  await token.mint(payer.address, 10n * BTT);
  const payerChain = await EvmChain.connect({ signer: payer, escrow: escrowAddress });
  await payerChain.approve(10n * BTT);
  const key: ChannelKey = {
    payer: payer.address,
    payee: payee.address,
    signer: hotKey.address,
    disputeWindow: s.window,
    salt: 1n,
  };
  await payerChain.open(key, 10n * BTT);
  const id = channelId(key);

  const store = new MemoryStore();
  store.upsertChannel({ chainId: Number(chainId), escrow: escrowAddress, role: "payee", key, status: "open" });
  const signature = Signature.from(
    await hotKey.signTypedData(escrowDomain(chainId, escrowAddress), VOUCHER_TYPES, {
      channelId: id,
      cumulativeAmount: VOUCHER,
    }),
  ).serialized;
  store.recordReceivedVoucher({ channelId: id, cumulativeAmount: VOUCHER, signature });

  // Blocks every BLOCK_TIME ms, paused while the scenario rewrites history.
  let producing = true;
  const producer = setInterval(() => {
    if (producing) network.provider.send("evm_mine", []).catch(() => undefined);
  }, BLOCK_TIME);

  const proxy = await startRpcFaultProxy(network.provider, s.seed ?? 13);
  const others = await Promise.all(
    Array.from({ length: Math.max(0, (s.nodes ?? 1) - 1) }, () => startRpcFaultProxy(network.provider)),
  );
  const events: WatchtowerEvent[] = [];
  let tower: Awaited<ReturnType<typeof startWatchtower>> | undefined;
  try {
    s.beforeStart?.(proxy);
    const towerProvider =
      others.length > 0
        ? new MultiNodeProvider({
            urls: [proxy.url, ...others.map((o) => o.url)],
            chainId,
            requestTimeout: s.requestTimeout ?? 2_000,
          })
        : new JsonRpcProvider(proxy.url, undefined, {
            staticNetwork: Network.from(chainId),
            cacheTimeout: -1,
            batchMaxCount: 1,
            pollingInterval: 100,
          });
    const towerChain = await EvmChain.connect({
      signer: towerKey.connect(towerProvider),
      escrow: escrowAddress,
      requestTimeout: s.requestTimeout ?? 2_000,
      transactions: { pollInterval: 200, rebroadcastAfter: 1_000, replaceAfter: 4_000, timeout: 15_000 },
    });
    tower = await startWatchtower({
      chain: towerChain,
      store,
      pollingInterval: 250,
      retryDelay: 250,
      maxRetryDelay: 2_000,
      requestTimeout: s.requestTimeout ?? 2_000,
      recheckGrace: 3_000,
      fromBlock: BigInt(await provider.getBlockNumber()),
      onEvent: (e) => void events.push(e),
      ...s.tower,
    });

    // Faults aimed at the close must meet the tower's reads of the close, not its start-up scan.
    if (!s.beforeStart) {
      const started = Date.now();
      while (!(events.some((e) => e.type === "started") && tower.status().pending.length === 0)) {
        if (Date.now() - started > 10_000) throw new Error("the tower did not finish its start-up scan in 10 s");
        await sleep(50);
      }
    }
    // The close, signed once.
    const request = await escrow.connect(payer).startClose.populateTransaction(key);
    const signed = await payer.signTransaction(await payer.populateTransaction({ ...request, gasLimit: 200_000n }));
    s.atClose?.(proxy);
    const closedAt = Date.now();
    const heal = s.healAfter === undefined ? undefined : setTimeout(() => proxy.clear(), s.healAfter);
    try {
      if (s.close === "reorg") {
        producing = false;
        const snapshot = await network.provider.send("evm_snapshot", []);
        await (await provider.broadcastTransaction(signed)).wait();
        producing = true;
        const seen = Date.now();
        while (!events.some((e) => e.type === "closeSeen") && Date.now() - seen < 5_000) await sleep(50);
        // Reorganised away (a shorter fork wins here; what matters is the close is gone), then back.
        producing = false;
        await network.provider.send("evm_revert", [snapshot]);
        producing = true;
        await sleep(s.reincludeAfter ?? 4_000);
        await provider.broadcastTransaction(signed);
      } else {
        await (await provider.broadcastTransaction(signed)).wait();
      }

      // The payer settles the moment the window ends; the tower must have claimed by then.
      for (;;) {
        const state = await payerChain.getChannel(id);
        if (state.claimed >= VOUCHER) return result(true);
        if (state.status === "closed") return result(false);
        if (state.status === "closing") await payerChain.settle(key).catch(() => undefined);
        if (Date.now() - closedAt > (s.window + 60) * 1000) return result(false);
        await sleep(100);
      }
    } finally {
      clearTimeout(heal);
    }

    function result(claimed: boolean): TowerScenarioResult {
      return {
        claimed,
        after: Date.now() - closedAt,
        events,
        proxy: { seen: Object.fromEntries(proxy.seen), faulted: Object.fromEntries(proxy.faulted) },
      };
    }
  } finally {
    clearInterval(producer);
    proxy.clear();
    // A tower whose stop() hangs (a claim awaited without a deadline) must not hang the suite too.
    if (tower) await Promise.race([tower.stop(), sleep(20_000)]);
    await proxy.close();
    for (const other of others) await other.close();
  }
}
