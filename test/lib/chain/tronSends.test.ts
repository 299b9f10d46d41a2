import { expect } from "chai";
import { TransactionFailedError, TransactionUnconfirmedError } from "../../../src/chain/escrowErrors";
import { TronChain } from "../../../src/chain/tron/TronChain";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { channelId, type ChannelKey } from "../../../src/voucher/typedData";
import { deployEscrowOn, loggingProxy } from "../../tron/helpers";
import { BTT } from "./adapterSuite";

/** Transactions in the chain's blocks from `from` on (the devnode's full node). */
async function txsSince(node: Devnode, from: number): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const post = async (path: string, body: unknown): Promise<any> =>
    (await fetch(`${node.url}/${path}`, { method: "POST", body: JSON.stringify(body) })).json();
  const head = (await post("wallet/getblock", { detail: false })).block_header.raw_data.number as number;
  const ids: string[] = [];
  for (let n = from; n <= head; n++) {
    for (const info of (await post("wallet/gettransactioninfobyblocknum", { num: n })) as { id: string }[]) {
      ids.push(info.id);
    }
  }
  return ids;
}

describe("TronChain sends: prices from the chain, one transaction per send", function () {
  this.timeout(60_000);
  let node: Devnode;
  let escrow: string;
  const payer = () => node.accounts[1];
  const key = (salt: bigint): ChannelKey => ({
    payer: payer().evm,
    payee: node.accounts[2].evm,
    signer: node.accounts[3].evm,
    disputeWindow: 3600,
    salt,
  });
  const chainFor = (extra: Partial<ConstructorParameters<typeof TronChain>[0]> = {}) =>
    new TronChain({ fullHost: node.url, privateKey: payer().privateKey, escrow, pollingInterval: 20, ...extra });
  const trx = async (address: string) =>
    BigInt(
      (
        (await await fetch(`${node.url}/wallet/getaccount`, {
          method: "POST",
          body: JSON.stringify({ address: "41" + address.slice(2) }),
        }).then((r) => r.json())) as { balance?: number }
      ).balance ?? 0,
    );

  beforeEach(async () => {
    node = await startDevnode({ port: 0, accounts: 4 });
    escrow = (await deployEscrowOn(node, payer().address)).escrow;
  });
  afterEach(async () => {
    await node?.close();
  });

  it("picks up a raised energy price before the next send once its price has aged (priceTtlMs)", async () => {
    const chain = chainFor({ priceTtlMs: 0 });
    const first = await chain.approve(1n);
    expect(first.fee!.energySun).to.equal(first.fee!.energy * 100n);
    await node.setEnergyPrice(420);
    const second = await chain.approve(2n);
    expect(second.fee!.energySun).to.equal(second.fee!.energy * 420n);
  });

  it("after an OUT_OF_ENERGY caused by a price rise, reads the price again before any retry", async () => {
    const chain = chainFor(); // the default TTL (10 min) still trusts the price read by the first send
    await chain.approve(1n);
    await node.setEnergyPrice(300);
    const before = await trx(chain.account);
    const error = await chain.approve(2n).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransactionFailedError);
    const message = (error as Error).message;
    expect(message).to.contain("ran out of energy");
    expect(message).to.contain("the energy price changed from 100 to 300 sun");
    // java-tron stops at the energy limit, fee limit ÷ price (rounded down), and burns all of it:
    // the fee limit (estimate × 1.3 × the old price) less the remainder of that division.
    const feeLimit = Number(/under a fee limit of (\d+) sun/.exec(message)![1]);
    expect(before - (await trx(chain.account))).to.equal(BigInt(Math.floor(feeLimit / 300) * 300));
    expect(await chain.allowance(chain.account)).to.equal(1n);
    // The retry is priced at 300 and goes through.
    const retried = await chain.approve(2n);
    expect(retried.fee!.energySun).to.equal(retried.fee!.energy * 300n);
    expect(await chain.allowance(chain.account)).to.equal(2n);
  });

  it("never sends twice when the broadcast's answer is lost: the same bytes go again and the node says DUP", async () => {
    const chain = chainFor();
    await chain.approve(100n * BTT);
    const opened = await chain.open(key(1n), 10n * BTT);
    let lost = 0;
    const proxy = await loggingProxy(node.url, (url) =>
      url.startsWith("/wallet/broadcasttransaction") && lost++ === 0
        ? { status: 502, body: "bad gateway", forward: true }
        : undefined,
    );
    try {
      const blind = new TronChain({
        connection: { fullNode: proxy.url, backoffMs: 10 },
        privateKey: payer().privateKey,
        escrow,
        pollingInterval: 20,
      });
      const from = Number(opened.blockNumber) + 1;
      const result = await blind.topUp(opened.channelId, 1n * BTT);
      const broadcasts = proxy.seen.filter((r) => r.url.startsWith("/wallet/broadcasttransaction"));
      expect(broadcasts).to.have.length(2);
      expect(await txsSince(node, from)).to.deep.equal([result.hash.slice(2)]);
      expect((await chain.getChannel(opened.channelId)).deposit).to.equal(11n * BTT);
    } finally {
      await proxy.close();
    }
  });

  it("never sends twice when the first confirmation is lost: the caller gets the id, and it landed once", async () => {
    const chain = chainFor();
    await chain.approve(100n * BTT);
    const opened = await chain.open(key(2n), 10n * BTT);
    const proxy = await loggingProxy(node.url, (url) =>
      url.includes("gettransactioninfobyid") ? { status: 503, body: "busy" } : undefined,
    );
    try {
      const blind = new TronChain({
        connection: { fullNode: proxy.url, retries: 0 },
        privateKey: payer().privateKey,
        escrow,
        pollingInterval: 20,
        unansweredLimitMs: 300,
      });
      const from = Number(opened.blockNumber) + 1;
      const error = await blind.topUp(opened.channelId, 1n * BTT).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransactionUnconfirmedError);
      const hash = (error as TransactionUnconfirmedError).hash;
      expect(proxy.seen.filter((r) => r.url.startsWith("/wallet/broadcasttransaction"))).to.have.length(1);
      expect(await txsSince(node, from)).to.deep.equal([hash.slice(2)]);
      expect((await chain.getChannel(channelId(key(2n)))).deposit).to.equal(11n * BTT);
    } finally {
      await proxy.close();
    }
  });

  it("credits claimMany from the executed transaction's result", async () => {
    const chain = chainFor();
    await chain.approve(100n * BTT);
    const k = key(3n);
    await chain.open(k, 10n * BTT);
    const { Trx } = await import("tronweb");
    const { escrowDomain, VOUCHER_TYPES } = await import("../../../src/voucher/typedData");
    const signature = await Trx._signTypedData(
      escrowDomain(await chain.chainId(), chain.escrow) as never,
      VOUCHER_TYPES,
      { channelId: channelId(k), cumulativeAmount: 4n * BTT },
      node.accounts[3].privateKey,
    );
    const payee = new TronChain({
      fullHost: node.url,
      privateKey: node.accounts[2].privateKey,
      escrow,
      pollingInterval: 20,
    });
    const result = await payee.claimMany([{ key: k, amount: 4n * BTT, signature }]);
    expect(result.credited).to.equal(4n * BTT);
    // Claimed again: the escrow credits nothing new, and the result says so.
    expect((await payee.claimMany([{ key: k, amount: 4n * BTT, signature }])).credited).to.equal(0n);
  });
});
