import { expect } from "chai";
import { TransactionFailedError } from "../../src/chain/escrowErrors";
import { TronChain } from "../../src/chain/tron/TronChain";
import { startDevnode, type Devnode } from "../../src/devnode";
import type { ChannelKey } from "../../src/voucher/typedData";
import { BTT } from "../lib/chain/adapterSuite";
import { deployEscrowOn, loggingProxy } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * TronChain's sends on the devnode in its whole TRON-like mode: 3 s blocks (several transactions
 * each), solidification 19 blocks behind, bandwidth charged, and every third request answered
 * 429, SERVER_BUSY or 503 (issue 10's "done when").
 */
describe("TronChain sends on a TRON-like devnode (3 s blocks, solidity delay, bandwidth, faults)", function () {
  this.timeout(120_000);
  let node: Devnode;
  let escrow: string;
  let channel: string;
  const post = async (path: string, body: unknown = {}): Promise<Json> =>
    (await fetch(`${node.url}/${path}`, { method: "POST", body: JSON.stringify(body) })).json();
  const head = async () => (await post("wallet/getblock", { detail: false })).block_header.raw_data.number as number;
  /** Ids of the transactions in blocks `from`…head, in chain order (read with the faults off). */
  const txsSince = async (from: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let n = from, end = await head(); n <= end; n++) {
      for (const info of (await post("wallet/gettransactioninfobyblocknum", { num: n })) as { id: string }[]) {
        ids.push(info.id);
      }
    }
    return ids;
  };
  /** Runs `read` with the faults lifted (the test's own reads; the adapters ride them out). */
  const clean = async <T>(read: () => Promise<T>): Promise<T> => {
    node.setFaults({});
    try {
      return await read();
    } finally {
      node.setFaults(FAULTS);
    }
  };
  const FAULTS = { every: 3, kinds: ["429", "SERVER_BUSY", "503"] as ("429" | "SERVER_BUSY" | "503")[] };
  const payer = () => node.accounts[1];
  const chainFor = (fullNode: string, extra: Partial<ConstructorParameters<typeof TronChain>[0]> = {}) =>
    new TronChain({
      connection: { fullNode, backoffMs: 20 },
      privateKey: payer().privateKey,
      escrow,
      pollingInterval: 200,
      ...extra,
    });

  before(async () => {
    node = await startDevnode({ port: 0, accounts: 4, blockTime: 3000, solidityDelay: 19, bandwidth: true });
    escrow = (await deployEscrowOn(node, payer().address)).escrow;
    node.setFaults(FAULTS);
    const chain = chainFor(node.url);
    await chain.approve(1_000n * BTT);
    const key: ChannelKey = {
      payer: payer().evm,
      payee: node.accounts[2].evm,
      signer: node.accounts[3].evm,
      disputeWindow: 3600,
      salt: 1n,
    };
    channel = (await chain.open(key, 10n * BTT)).channelId;
  });
  after(() => node?.close());

  it("a send whose first confirmation is lost lands once: the deposit changes exactly once", async () => {
    let lost = false;
    // The first answer that shows the transaction in a block never reaches the client (a load
    // balancer's other node has not seen it yet): the client must keep following the same id.
    const proxy = await loggingProxy(node.url, (url) =>
      url.includes("gettransactioninfobyid")
        ? {
            status: 200,
            body: "",
            mutate: (body) => (!lost && body.includes('"blockNumber"') ? ((lost = true), "{}") : body),
          }
        : undefined,
    );
    try {
      const from = (await clean(head)) + 1;
      const result = await chainFor(proxy.url).topUp(channel, 1n * BTT);
      expect(lost).to.equal(true);
      expect(proxy.seen.filter((r) => r.url.endsWith("/broadcasttransaction")).length).to.be.within(1, 3);
      expect(await clean(() => txsSince(from))).to.deep.equal([result.hash.slice(2)]);
      expect((await chainFor(node.url).getChannel(channel)).deposit).to.equal(11n * BTT);
    } finally {
      await proxy.close();
    }
  });

  it("picks up an energy price raised mid-run before the next send", async () => {
    const chain = chainFor(node.url, { priceTtlMs: 0 });
    const first = await chain.topUp(channel, 1n);
    expect(first.fee!.energySun).to.equal(first.fee!.energy * 100n);
    await node.setEnergyPrice(250);
    try {
      const second = await chain.topUp(channel, 1n);
      expect(second.fee!.energySun).to.equal(second.fee!.energy * 250n);
      // Bandwidth is priced too: past the day's 600 free bytes, every byte burns 1,000 sun.
      expect(second.fee!.bandwidthSun).to.equal(second.fee!.bandwidth * 1000n);
      expect(second.fee!.totalSun).to.equal(second.fee!.energySun + second.fee!.bandwidthSun);
    } finally {
      await node.setEnergyPrice(100);
    }
  });

  it("an OUT_OF_ENERGY after a price rise is charged exactly the fee limit's energy, and the retry is priced anew", async () => {
    const chain = chainFor(node.url); // trusts the price it read for 10 minutes
    await chain.topUp(channel, 1n);
    const from = (await clean(head)) + 1;
    await node.setEnergyPrice(300);
    try {
      const error = await chain.topUp(channel, 1n).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransactionFailedError);
      const feeLimit = Number(/under a fee limit of (\d+) sun/.exec((error as Error).message)![1]);
      const [failed] = await clean(() => txsSince(from));
      const info = await clean(() => post("wallet/gettransactioninfobyid", { value: failed }));
      expect(info.receipt.result).to.equal("OUT_OF_ENERGY");
      // java-tron stops at fee limit ÷ price energy and burns all of it; bandwidth is billed on top.
      expect(info.receipt.energy_fee).to.equal(Math.floor(feeLimit / 300) * 300);
      expect(info.fee).to.equal(info.receipt.energy_fee + (info.receipt.net_fee ?? 0));
      const retried = await chain.topUp(channel, 1n);
      expect(retried.fee!.energySun).to.equal(retried.fee!.energy * 300n);
    } finally {
      await node.setEnergyPrice(100);
    }
  });
});
