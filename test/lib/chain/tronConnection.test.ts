import { expect } from "chai";
import { TronChain } from "../../../src/chain/tron/TronChain";
import { watchTronEscrowEvents } from "../../../src/chain/tron/watchTronEscrowEvents";
import type { EscrowEvent } from "../../../src/chain/types";
import { connectTron } from "../../../src/cli/tronNode";
import { startDevnode, type Devnode } from "../../../src/devnode";
import type { ChannelKey } from "../../../src/voucher/typedData";
import { deployEscrowOn, loggingProxy } from "../../tron/helpers";
import { BTT, until } from "./adapterSuite";

const KEY = "0f1e2d3c-api-key-for-the-proxy";

describe("TRON connection: every request through one configured connection", function () {
  this.timeout(60_000);
  let node: Devnode;
  let escrow: string;

  before(async () => {
    node = await startDevnode({ port: 0 });
    escrow = (await deployEscrowOn(node, node.accounts[1].address)).escrow;
  });
  after(async () => {
    await node?.close();
  });

  const key = (salt: bigint): ChannelKey => ({
    payer: node.accounts[1].evm,
    payee: node.accounts[2].evm,
    signer: node.accounts[3].evm,
    disputeWindow: 3600,
    salt,
  });

  it("sends the API key on every request TronChain makes, the event API's included", async () => {
    const proxy = await loggingProxy(node.url);
    try {
      const chain = new TronChain({
        connection: { fullNode: proxy.url, apiKey: KEY },
        privateKey: node.accounts[1].privateKey,
        escrow,
        pollingInterval: 20,
      });
      const events: EscrowEvent[] = [];
      const unwatch = chain.watchEvents({ pollingInterval: 20, onEvents: (batch) => void events.push(...batch) });
      try {
        await chain.chainId();
        await chain.latestBlock();
        await chain.approve(10n * BTT);
        const opened = await chain.open(key(1n), 1n * BTT);
        await until(() => events.some((e) => e.type === "ChannelOpened"));
        expect((await chain.getChannel(opened.channelId)).status).to.equal("open");
      } finally {
        unwatch();
      }
      const paths = new Set(
        proxy.seen.map((r) => r.url.split("?")[0].replace(/\/v1\/contracts\/[^/]+/, "/v1/contracts/*")),
      );
      for (const p of [
        "/wallet/getblockbynum",
        "/wallet/getblock",
        "/wallet/triggerconstantcontract",
        "/wallet/getchainparameters",
        "/wallet/broadcasttransaction",
        "/wallet/gettransactioninfobyid",
        "/v1/contracts/*/events",
      ]) {
        expect(paths, p).to.include(p);
      }
      const unkeyed = proxy.seen.filter((r) => r.apiKey !== KEY);
      expect(unkeyed, JSON.stringify(unkeyed.slice(0, 3))).to.deep.equal([]);
      // The adapter counts what it sent: the figure budgets and benchmarks read.
      expect(chain.http.stats.requests).to.equal(proxy.seen.length);
    } finally {
      await proxy.close();
    }
  });

  it("carries the CLI's TRON_PRO_API_KEY through connectTron to the adapters it makes", async () => {
    const proxy = await loggingProxy(node.url);
    try {
      const tron = await connectTron({ url: proxy.url, apiKey: KEY, network: "development" });
      await tron.head();
      const chain = await tron.connect(node.accounts[1].privateKey, escrow);
      const events: EscrowEvent[] = [];
      const unwatch = chain.watchEvents({
        fromBlock: 1n,
        pollingInterval: 20,
        onEvents: (batch) => void events.push(...batch),
      });
      try {
        await until(() => events.length > 0);
        await chain.topUp(events.find((e) => e.type === "ChannelOpened")!.channelId as string, 1n);
      } finally {
        unwatch();
      }
      expect(proxy.seen.some((r) => r.url.startsWith("/v1/"))).to.equal(true);
      expect(proxy.seen.filter((r) => r.apiKey !== KEY)).to.deep.equal([]);
    } finally {
      await proxy.close();
    }
  });

  it("pages through events without meta.fingerprint (TronGrid drops it for some queries), each delivered once in order", async () => {
    const chain = new TronChain({
      fullHost: node.url,
      privateKey: node.accounts[1].privateKey,
      escrow,
      pollingInterval: 20,
    });
    await chain.approve(100n * BTT);
    const from = (await chain.latestBlock()).number + 1n;
    const opened: string[] = [];
    for (let salt = 10n; salt < 15n; salt++) opened.push((await chain.open(key(salt), 1n * BTT)).channelId);
    const collect = async (): Promise<EscrowEvent[]> => {
      const events: EscrowEvent[] = [];
      const unwatch = watchTronEscrowEvents(
        chain.http,
        escrow,
        { fromBlock: from, pollingInterval: 20, onEvents: (batch) => void events.push(...batch) },
        { pageSize: 2 },
      );
      try {
        await until(() => events.filter((e) => e.type === "ChannelOpened").length >= opened.length);
      } finally {
        unwatch();
      }
      return events;
    };
    const withFingerprints = await collect();
    node.setFaults({ dropFingerprint: true });
    try {
      const without = await collect();
      expect(without.map((e) => e.id)).to.deep.equal(withFingerprints.map((e) => e.id));
      const channels = without
        .filter((e) => e.type === "ChannelOpened")
        .map((e) => (e as { channelId: string }).channelId);
      expect(channels).to.deep.equal(opened);
    } finally {
      node.setFaults({});
    }
  });

  it("refuses a connection whose URLs are not http(s), naming the field", () => {
    expect(() => new TronChain({ connection: { fullNode: "ftp://x" }, privateKey: "11".repeat(32), escrow })).to.throw(
      "TronChain: fullNode must be an http(s) URL",
    );
    expect(
      () =>
        new TronChain({
          connection: { fullNode: "http://127.0.0.1:1", eventServer: "nope" },
          privateKey: "11".repeat(32),
          escrow,
        }),
    ).to.throw('TronChain: eventServer must be an http(s) URL, not "nope"');
    expect(() => new TronChain({ privateKey: "11".repeat(32), escrow })).to.throw("give the node as fullHost");
  });
});
