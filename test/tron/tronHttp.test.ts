import { expect } from "chai";
import { TronChain } from "../../src/chain/tron/TronChain";
import { TronHttp, TronHttpError } from "../../src/chain/tron/tronHttp";
import { startDevnode, type Devnode } from "../../src/devnode";
import { deployEscrowOn, loggingProxy } from "./helpers";

/** What TronGrid and java-tron answer under load or while catching up, as a proxy replays them. */
const TRANSIENT: [string, { status: number; body: string }][] = [
  ["HTTP 429", { status: 429, body: '{"Error":"Too Many Requests"}' }],
  ["HTTP 403", { status: 403, body: '{"Error":"Forbidden: the key exceeds the frequency limit"}' }],
  ["HTTP 502", { status: 502, body: "bad gateway" }],
  [
    "a frequency-limit Error with HTTP 200",
    { status: 200, body: '{"Error":"the api key exceeds the frequency limit"}' },
  ],
  ["SERVER_BUSY", { status: 200, body: '{"code":"SERVER_BUSY","message":""}' }],
  ["BLOCK_UNSOLIDIFIED", { status: 200, body: '{"code":"BLOCK_UNSOLIDIFIED","message":""}' }],
  ["TAPOS_ERROR", { status: 200, body: '{"code":"TAPOS_ERROR","message":""}' }],
];

describe("TronHttp: transient answers are retried, others are not", function () {
  this.timeout(60_000);
  let node: Devnode;

  before(async () => {
    node = await startDevnode({ port: 0, accounts: 3 });
  });
  after(() => node?.close());

  for (const [name, fault] of TRANSIENT) {
    it(`retries ${name} with backoff and returns the node's answer`, async () => {
      const proxy = await loggingProxy(node.url, (_url, n) => (n === 1 ? fault : undefined));
      try {
        const http = new TronHttp({ fullNode: proxy.url, backoffMs: 5 });
        const block = await http.wallet("wallet/getblock", { detail: false });
        expect(block.block_header.raw_data.number).to.be.a("number");
        expect(http.stats).to.include({ requests: 2, retries: 1 });
      } finally {
        await proxy.close();
      }
    });
  }

  it("re-sends a broadcast answered TAPOS_ERROR as the same bytes: the transaction lands once", async () => {
    const { escrow } = await deployEscrowOn(node, node.accounts[1].address);
    // The load balancer's node had not seen the reference block: the broadcast never reached the chain.
    let seenBroadcast = 0;
    const proxy = await loggingProxy(node.url, (url) =>
      url.endsWith("/broadcasttransaction") && !seenBroadcast++
        ? { status: 200, body: '{"code":"TAPOS_ERROR","message":"5461706f73"}' }
        : undefined,
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const post = async (path: string, body: object): Promise<any> =>
      (await fetch(`${node.url}/${path}`, { method: "POST", body: JSON.stringify(body) })).json();
    const head = (await post("wallet/getblock", { detail: false })).block_header.raw_data.number as number;
    try {
      const chain = new TronChain({
        connection: { fullNode: proxy.url, backoffMs: 5 },
        privateKey: node.accounts[1].privateKey,
        escrow,
        pollingInterval: 20,
      });
      const sent = await chain.approve(7n);
      expect(await chain.allowance(chain.account)).to.equal(7n);
      const broadcasts = proxy.seen.filter((r) => r.url.endsWith("/broadcasttransaction"));
      expect(broadcasts).to.have.length(2);
      // One transaction reached the chain since, the one reported: re-sent, never rebuilt.
      const now = (await post("wallet/getblock", { detail: false })).block_header.raw_data.number as number;
      const { block = [] } = await post("wallet/getblockbylimitnext", { startNum: head + 1, endNum: now + 1 });
      const ids = block.flatMap((b: { transactions?: { txID: string }[] }) =>
        (b.transactions ?? []).map((t) => t.txID),
      );
      expect(ids).to.deep.equal([sent.hash.slice(2)]);
    } finally {
      await proxy.close();
    }
  });

  it("gives up after its retries with what was answered and what to do; a definite refusal is not retried", async () => {
    const throttled = await loggingProxy(node.url, () => ({ status: 429, body: '{"Error":"Too Many Requests"}' }));
    try {
      const http = new TronHttp({ fullNode: throttled.url, backoffMs: 5, retries: 2 });
      const error = await http.wallet("wallet/getblock").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TronHttpError);
      expect((error as TronHttpError).transient).to.equal(true);
      expect((error as Error).message).to.match(/answered 429/);
      expect((error as Error).message).to.match(/set apiKey \(TRON_PRO_API_KEY\)/);
      expect((error as Error).message).to.match(/after 2 retries/);
      expect(http.stats.requests).to.equal(3);
    } finally {
      await throttled.close();
    }
    const refusing = await loggingProxy(node.url, () => ({ status: 400, body: '{"Error":"bad request"}' }));
    try {
      const http = new TronHttp({ fullNode: refusing.url, backoffMs: 5, retries: 2 });
      const error = await http.wallet("wallet/getblock").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as TronHttpError).transient).to.equal(false);
      expect(http.stats.requests).to.equal(1);
    } finally {
      await refusing.close();
    }
  });
});
