import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startDevnode, type Devnode } from "../../src/devnode";
import { TronChain } from "../../src/chain/tron/TronChain";
import { TronHttp, TronHttpError } from "../../src/chain/tron/tronHttp";
import { startTronFaultProxy, type RpcFaultProxy } from "../faults/rpcFaultProxy";
import { setupTronTowerChannel, type TronTowerSetup } from "./watchtowerSetup";

type HeadBlock = { block_header: { raw_data: { number: number } } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Several TRON nodes as one (TronConnection.alsoNodes, TronNodeSet): the devnode in its TRON-like
 * mode behind two fault proxies, each playing one provider.
 */
describe("TRON over several nodes (alsoNodes)", function () {
  this.timeout(120_000);
  let setup: TronTowerSetup;
  let a: RpcFaultProxy;
  let b: RpcFaultProxy;

  before(async () => {
    setup = await setupTronTowerChannel({ disputeWindow: 3600 });
    a = await startTronFaultProxy(setup.node.url, 1);
    b = await startTronFaultProxy(setup.node.url, 2);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await setup?.node.close();
  });
  afterEach(() => {
    a.clear();
    b.clear();
  });

  const http = (extra: Partial<ConstructorParameters<typeof TronHttp>[0]> = {}) =>
    new TronHttp({ fullNode: a.url, alsoNodes: [b.url], timeoutMs: 2_000, retries: 0, ...extra });
  const chainOver = (h: TronHttp) =>
    new TronChain({ connection: h, privateKey: setup.towerKey, escrow: setup.escrow, pollingInterval: 250 });

  it("refuses an alsoNodes entry that is not an http(s) URL, naming it", () => {
    expect(() => new TronHttp({ fullNode: a.url, alsoNodes: ["ftp://x"] })).to.throw(
      /alsoNodes\[0\] must be an http\(s\) URL/,
    );
  });

  it("answers the highest head when one node replays an old one", async () => {
    const h = http();
    const first = await h.wallet("wallet/getblock", { detail: false });
    a.set({ kind: "replay", methods: ["wallet/getblock"] });
    // A new block on the chain; node a keeps answering the head it answered before.
    await sleep(3_500);
    const second = await h.wallet("wallet/getblock", { detail: false });
    const before = Number(first.block_header.raw_data.number);
    expect(Number(second.block_header.raw_data.number)).to.be.greaterThan(before);
    expect(a.faulted.get("wallet/getblock") ?? 0).to.be.greaterThan(0);
  });

  it("leaves out a node on another chain, and takes it back once it answers the right chain", async () => {
    const real = await chainOver(new TronHttp({ fullNode: setup.node.url })).chainId();
    a.set({ kind: "chainId", chainId: 1n });
    const h = http({ chainId: real, chainCheckMs: 300 });
    const chain = chainOver(h);
    expect(await chain.chainId()).to.equal(real);
    await chain.getChannel(setup.channelId);
    expect(h.nodes!.status().map((s) => s.usable)).to.deep.equal([false, true]);
    const readsOnA = a.seen.get("wallet/triggerconstantcontract") ?? 0;
    await chain.getChannel(setup.channelId);
    expect(a.seen.get("wallet/triggerconstantcontract") ?? 0, "a node on another chain is not asked").to.equal(
      readsOnA,
    );
    a.clear();
    await sleep(400);
    await chain.getChannel(setup.channelId); // starts the re-check
    await sleep(200);
    await chain.getChannel(setup.channelId);
    expect(h.nodes!.status().map((s) => s.usable)).to.deep.equal([true, true]);
  });

  it("without a configured chain id, takes the first node's, and refuses when no node is on it", async () => {
    a.set({ kind: "chainId", chainId: 7n });
    b.set({ kind: "chainId", chainId: 9n });
    const h = http();
    expect(await h.nodes!.chainId()).to.equal(7n);
    const configured = http({ chainId: 2494104990n });
    const error = await configured.wallet("wallet/getblock", { detail: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(TronHttpError);
    expect((error as Error).message).to.match(
      /no TRON node is usable .*chain 7.*chain 9.*another chain than 2494104990/,
    );
  });

  it("reads events through the node that has them when the other's event API answers nothing", async () => {
    a.set({ kind: "emptyLogs" });
    const h = http();
    const page = await h.events(`v1/contracts/${setup.escrow}/events?event_name=ChannelOpened&limit=200`);
    expect(page.data.length).to.equal(1);
    expect(a.faulted.get("v1/contracts/{address}/events") ?? 0).to.be.greaterThan(0);
  });

  it("lands a transaction one node takes and loses, once, through the other", async () => {
    a.set({ kind: "swallow" });
    const chain = chainOver(http());
    const sent = await chain.approve(5n);
    expect(sent.hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(a.faulted.get("wallet/broadcasttransaction") ?? 0).to.be.greaterThan(0);
    expect(await chain.allowance(chain.account)).to.equal(5n);
  });

  it("keeps answering with one node down, and says what each node answered when all are", async () => {
    a.set({ kind: "drop" });
    const chain = chainOver(http({ chainId: await setup.payerChain.chainId() }));
    expect((await chain.getChannel(setup.channelId)).status).to.equal("open");
    b.set({ kind: "status", status: 503 });
    const error = await chain.getChannel(setup.channelId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((error as Error)?.message)).to.match(/every TRON node failed .*503/s);
  });
});

/**
 * A provider's URL that fails over to another network between two chain checks: a proxy whose
 * target switches from one devnode to another of a different chain with a far higher head.
 */
describe("TRON over several nodes: a failover to a busier network between chain checks", function () {
  this.timeout(60_000);
  let home: Devnode;
  let elsewhere: Devnode;
  let server: Server;
  let target: string;
  let url: string;

  before(async () => {
    home = await startDevnode({ port: 0, accounts: 1 });
    elsewhere = await startDevnode({ port: 0, accounts: 1, chainId: 3448148188 });
    const mined = await fetch(`${elsewhere.url}/admin/mine`, { method: "POST", body: JSON.stringify({ blocks: 40 }) });
    expect(mined.ok).to.equal(true);
    target = home.url;
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        fetch(target + req.url, { method: req.method, body: req.method === "GET" ? undefined : body })
          .then(async (answer) => res.writeHead(answer.status).end(await answer.text()))
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await home?.close();
    await elsewhere?.close();
  });

  it("does not take the other network's head, and leaves the node out once its genesis is read", async () => {
    const h = new TronHttp({ fullNode: home.url, alsoNodes: [url], chainCheckMs: 3_600_000, retries: 0 });
    const homeHead = async () =>
      Number(
        ((await (await fetch(`${home.url}/wallet/getnowblock`, { method: "POST" })).json()) as HeadBlock).block_header
          .raw_data.number,
      );
    const head = async () =>
      Number((await h.wallet("wallet/getblock", { detail: false })).block_header.raw_data.number);
    expect(await head()).to.equal(await homeHead());
    expect(h.nodes!.status().map((s) => s.usable)).to.deep.equal([true, true]);
    target = elsewhere.url; // the failover; the next periodic chain check is an hour away
    expect(await head(), "the other network's head (40 blocks higher) is not taken").to.equal(await homeHead());
    await sleep(300); // the genesis read the jump started
    expect(h.nodes!.status().map((s) => s.usable)).to.deep.equal([true, false]);
    expect(h.nodes!.status()[1].chainId).to.equal(3448148188n);
  });
});
