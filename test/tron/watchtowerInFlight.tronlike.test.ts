import { expect } from "chai";
import { Trx } from "tronweb";
import { TronChain } from "../../src/chain/tron/TronChain";
import { startWatchtower } from "../../src/channel/watchtower";
import type { WatchtowerEvent } from "../../src/channel/watchtowerTypes";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../../src/voucher/typedData";
import { startTronFaultProxy } from "../faults/rpcFaultProxy";
import { setupTronTowerChannel } from "./watchtowerSetup";

const BTT = 10n ** 18n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 200 ms until it holds; fails naming `what` after `limitMs`. */
async function until(what: string, check: () => Promise<boolean> | boolean, limitMs: number): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(200);
  }
}

/**
 * A claim the node took and lost is followed until it lands (re-broadcast, up to its expiration):
 * meanwhile the tower must go on reading and claiming its other channels (issue 13: near a
 * deadline, a claim in flight must not hold back the next cycle).
 */
describe("watchtower on TRON: a claim in flight does not hold back other channels", function () {
  this.timeout(120_000);

  it("claims a second channel's close while the first channel's lost claim is still being followed", async () => {
    const setup = await setupTronTowerChannel({ disputeWindow: 120, minWindow: 1 });
    const { node, payerChain, store } = setup;
    const proxy = await startTronFaultProxy(node.url);
    let tower: Awaited<ReturnType<typeof startWatchtower>> | undefined;
    try {
      // A second channel of the same payer to the same payee, with a 4-BTT voucher in the payee's store.
      const keyB: ChannelKey = { ...setup.key, salt: 2n };
      await payerChain.approve(10n * BTT);
      await payerChain.open(keyB, 10n * BTT);
      const idB = channelId(keyB);
      const chainId = await payerChain.chainId();
      store.upsertChannel({
        chainId: Number(chainId),
        escrow: payerChain.escrow,
        role: "payee",
        key: keyB,
        status: "open",
        deposit: 10n * BTT,
      });
      const signature = await Trx._signTypedData(
        escrowDomain(chainId, payerChain.escrow) as never,
        VOUCHER_TYPES,
        { channelId: idB, cumulativeAmount: 4n * BTT },
        node.accounts[3].privateKey,
      );
      store.recordReceivedVoucher({ channelId: idB, cumulativeAmount: 4n * BTT, signature });

      const events: WatchtowerEvent[] = [];
      tower = await startWatchtower({
        // The lost claim is broadcast again only after 15 s: long enough to see what the tower does meanwhile.
        chain: new TronChain({
          connection: { fullNode: proxy.url, backoffMs: 100 },
          privateKey: setup.towerKey,
          escrow: setup.escrow,
          pollingInterval: 250,
          rebroadcastAfterMs: 15_000,
        }),
        store,
        pollingInterval: 500,
        retryDelay: 250,
        maxRetryDelay: 2_000,
        requestTimeout: 2_000,
        onEvent: (e) => void events.push(e),
      });
      await until("the start-up scan", () => tower!.status().pending.length === 0, 15_000);

      // The node answers the first claim's broadcast "taken" and drops it.
      proxy.set({ kind: "swallow", times: 1 });
      await payerChain.startClose(setup.key);
      await until(
        "the first claim's broadcast",
        () => (proxy.faulted.get("wallet/broadcasttransaction") ?? 0) > 0,
        20_000,
      );
      await payerChain.startClose(keyB);

      // The second channel is claimed while the first one's claim still waits for its re-broadcast.
      await until(
        "the second channel's claim",
        async () => (await payerChain.getChannel(idB)).claimed === 4n * BTT,
        12_000,
      );
      expect((await payerChain.getChannel(setup.channelId)).claimed, "the first channel, its claim lost").to.equal(0n);

      // And the lost claim lands too, once re-broadcast: one claim transaction per channel.
      await until(
        "the first channel's claim",
        async () => (await payerChain.getChannel(setup.channelId)).claimed === setup.voucher,
        30_000,
      );
      await sleep(3_500);
      const page = (await (
        await fetch(`${node.url}/v1/contracts/${setup.escrow}/events?event_name=ChannelClaimed&limit=200`)
      ).json()) as { data: { result: { id: string } }[] };
      const claims = page.data.map((e) => "0x" + e.result.id.replace(/^0x/, "").toLowerCase());
      expect(claims.sort()).to.deep.equal([setup.channelId, idB].map((id) => id.toLowerCase()).sort());
      expect(events.filter((e) => e.type === "claimed")).to.have.length(2);
    } finally {
      proxy.clear();
      await tower?.stop();
      await proxy.close();
      await node.close();
    }
  });
});
