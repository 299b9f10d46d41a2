import { expect } from "chai";
import { Trx, type TronWeb } from "tronweb";
import { TronChain } from "../../src/chain/tron/TronChain";
import type { EscrowEvent, TxResult } from "../../src/chain/types";
import { startWatchtower } from "../../src/channel/watchtower";
import type { Watchtower, WatchtowerEvent } from "../../src/channel/watchtowerTypes";
import { startDevnode, type Devnode } from "../../src/devnode";
import { MemoryStore } from "../../src/store/memoryStore";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../../src/voucher/typedData";
import { BTT, until } from "../lib/chain/adapterSuite";
import { deployEscrowOn, TOKEN, tronWebFor, waitForInfo } from "./helpers";

/** POSTs to the devnode's HTTP API. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(node: Devnode, path: string, body: Record<string, unknown> = {}): Promise<any> {
  const answer = await fetch(`${node.url}/${path}`, { method: "POST", body: JSON.stringify(body) });
  return answer.json();
}

/**
 * A devnode whose block time (an hour) never comes during a test: blocks are made by
 * `POST /admin/mine`, which packs what is pending. While `auto` is on, a block every 100 ms (for
 * set-up); off, the test alone decides which broadcasts share a block.
 */
class Miner {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly node: Devnode) {}

  auto(): void {
    this.timer ??= setInterval(() => {
      this.inFlight = post(this.node, "admin/mine").catch(() => undefined);
    }, 100);
  }

  /** Stops the automatic blocks, and waits for one being made. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Waits until `count` transactions are pending (so the next one is broadcast after them). */
  async pending(count: number): Promise<void> {
    await until(() => this.node.pendingTransactions >= count, 20_000);
  }

  async block(): Promise<number> {
    return (await post(this.node, "admin/mine")).blockNumber;
  }
}

/** A signed TRC-20 transfer (not broadcast). */
async function signedTransfer(tw: TronWeb, token: string, to: string, amount: bigint) {
  const from = tw.defaultAddress.base58 as string;
  const { transaction } = await tw.transactionBuilder.triggerSmartContract(
    token,
    "transfer(address,uint256)",
    { feeLimit: 100_000_000 },
    [
      { type: "address", value: to },
      { type: "uint256", value: amount.toString() },
    ],
    from,
  );
  return tw.trx.sign(transaction);
}

describe("devnode: several transactions per block", function () {
  this.timeout(120_000);
  let node: Devnode;
  let miner: Miner;
  let tower: Watchtower | undefined;
  const unwatch: (() => void)[] = [];

  beforeEach(async () => {
    node = await startDevnode({ port: 0, accounts: 6, blockTime: 3_600_000 });
    miner = new Miner(node);
    miner.auto();
  });
  afterEach(async () => {
    await miner.stop();
    for (const u of unwatch.splice(0)) u();
    await tower?.stop();
    tower = undefined;
    await node.close();
  });

  it("packs what was broadcast between blocks into one block, in order, each transaction on the state the earlier ones left", async () => {
    const [a0, a1, a2, a3, a4, a5] = node.accounts;
    const { token } = await deployEscrowOn(node, a1.address);
    await miner.stop();
    const head = (await post(node, "wallet/getblock", { detail: false })).block_header.raw_data.number as number;

    // a2 and a3 hold no tokens yet: each transfer can only succeed after the one before it.
    const txs = [
      await signedTransfer(tronWebFor(node, 1), token, a2.address, 10n),
      await signedTransfer(tronWebFor(node, 2), token, a3.address, 10n),
      await signedTransfer(tronWebFor(node, 3), token, a4.address, 4n),
      await tronWebFor(node, 0).trx.sign(
        await tronWebFor(node, 0).transactionBuilder.sendTrx(a5.address, 7, a0.address),
      ),
      // a3 has 6 left: this one reverts, and a failed transaction still takes its place in the block.
      await signedTransfer(tronWebFor(node, 3), token, a4.address, 7n),
    ];
    for (const tx of txs) expect((await post(node, "wallet/broadcasttransaction", tx as never)).result).to.equal(true);
    expect(node.pendingTransactions).to.equal(txs.length);
    // Nothing is in a block before the block is made.
    expect(await post(node, "wallet/gettransactioninfobyid", { value: txs[0].txID })).to.deep.equal({});

    const number = await miner.block();
    expect(number).to.equal(head + 1);
    expect(node.pendingTransactions).to.equal(0);
    const ids = txs.map((t) => t.txID);
    const block = await post(node, "wallet/getblockbynum", { num: number });
    expect(block.transactions.map((t: { txID: string }) => t.txID)).to.deep.equal(ids);
    expect(block.transactions.map((t: { ret: { contractRet: string }[] }) => t.ret[0].contractRet)).to.deep.equal([
      "SUCCESS",
      "SUCCESS",
      "SUCCESS",
      "SUCCESS",
      "REVERT",
    ]);
    const infos = await post(node, "wallet/gettransactioninfobyblocknum", { num: number });
    expect(infos.map((i: { id: string }) => i.id)).to.deep.equal(ids);
    for (const id of ids) {
      const info = await post(node, "wallet/gettransactioninfobyid", { value: id });
      expect(info.blockNumber).to.equal(number);
      expect(info.blockTimeStamp).to.equal(block.block_header.raw_data.timestamp);
    }
    expect(infos[4].receipt.result).to.equal("REVERT");

    const tw = tronWebFor(node, 0);
    const tokenContract = tw.contract(TOKEN().abi as never, token);
    const balance = async (who: string) => BigInt(await tokenContract.balanceOf(who).call());
    expect([await balance(a2.address), await balance(a3.address), await balance(a4.address)]).to.deep.equal([
      0n,
      6n,
      4n,
    ]);

    // The event API orders them by position in the block; event_index counts within a transaction.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const page: any = await (
      await fetch(`${node.url}/v1/contracts/${token}/events?block_number=${number}&order_by=block_timestamp,asc`)
    ).json();
    expect(page.data.map((e: { transaction_id: string }) => e.transaction_id)).to.deep.equal(ids.slice(0, 3));
    expect(page.data.map((e: { event_index: number }) => e.event_index)).to.deep.equal([0, 0, 0]);
    expect(new Set(page.data.map((e: { block_number: number }) => e.block_number))).to.deep.equal(new Set([number]));

    // TronGrid orders only by block_timestamp: with ties reversed, pages (followed by fingerprint)
    // still give every event once, in the reversed order.
    node.setFaults({ reverseTies: true });
    const paged: string[] = [];
    let url = `${node.url}/v1/contracts/${token}/events?block_number=${number}&order_by=block_timestamp,asc&limit=1`;
    for (;;) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const p: any = await (await fetch(url)).json();
      paged.push(...p.data.map((e: { transaction_id: string }) => e.transaction_id));
      if (!p.meta.links?.next) break;
      url = p.meta.links.next;
    }
    expect(paged).to.deep.equal(ids.slice(0, 3).reverse());
    node.setFaults({});

    // The chain goes on from there: parent links hold, and an empty block follows.
    const next = await post(node, "wallet/getblockbynum", { num: await miner.block() });
    expect(next.block_header.raw_data.parentHash).to.equal(block.blockID);
    expect(next.transactions).to.equal(undefined);
  });

  it("delivers channel operations sharing a block by (block, position, event_index), and the tower acts on them correctly", async () => {
    const [, payer1, payee, signer, payer2, towerAccount] = node.accounts;
    const { escrow, token } = await deployEscrowOn(node, payer1.address);
    const web = tronWebFor(node, 0);
    await waitForInfo(
      web,
      await web
        .contract(TOKEN().abi as never, token)
        .mint(payer2.address, 100n * BTT)
        .send({ feeLimit: 100_000_000 }),
    );
    const chainOf = (privateKey: string) =>
      new TronChain({ fullHost: node.url, privateKey, escrow, pollingInterval: 50 });
    const [chain1, chain2, payeeChain] = [
      chainOf(payer1.privateKey),
      chainOf(payer2.privateKey),
      chainOf(payee.privateKey),
    ];
    const keyX: ChannelKey = { payer: payer1.evm, payee: payee.evm, signer: signer.evm, disputeWindow: 3600, salt: 1n };
    const keyY: ChannelKey = { payer: payer2.evm, payee: payee.evm, signer: signer.evm, disputeWindow: 3600, salt: 2n };
    const [x, y] = [channelId(keyX), channelId(keyY)];
    await chain1.approve(100n * BTT);
    await chain1.open(keyX, 10n * BTT);
    await chain2.approve(100n * BTT);
    await chain2.open(keyY, 10n * BTT);
    const domain = escrowDomain(await chain1.chainId(), chain1.escrow);
    const voucher = (id: string, amount: bigint) =>
      Trx._signTypedData(
        domain as never,
        VOUCHER_TYPES,
        { channelId: id, cumulativeAmount: amount },
        signer.privateKey,
      );
    const x6 = { key: keyX, amount: 6n * BTT, signature: await voucher(x, 6n * BTT) };
    const y3 = { key: keyY, amount: 3n * BTT, signature: await voucher(y, 3n * BTT) };
    const y4 = { key: keyY, amount: 4n * BTT, signature: await voucher(y, 4n * BTT) };

    // The payee's watchtower holds a newer voucher for Y (4) than the one claimed in the block (3).
    const store = new MemoryStore();
    for (const [key, best] of [
      [keyX, x6],
      [keyY, y4],
    ] as const) {
      store.upsertChannel({
        chainId: 2494104990,
        escrow: chain1.escrow,
        role: "payee",
        key,
        status: "open",
        deposit: 10n * BTT,
      });
      store.recordReceivedVoucher({
        channelId: channelId(key),
        cumulativeAmount: best.amount,
        signature: best.signature,
      });
    }
    const towerEvents: WatchtowerEvent[] = [];
    tower = await startWatchtower({
      chain: chainOf(towerAccount.privateKey),
      store,
      pollingInterval: 50,
      retryDelay: 100,
      onEvent: (e) => void towerEvents.push(e),
    });
    await until(() => towerEvents.some((e) => e.type === "started"), 20_000);
    const from = (await payeeChain.latestBlock()).number + 1n;
    const seen: EscrowEvent[] = [];
    unwatch.push(
      payeeChain.watchEvents({ fromBlock: from, pollingInterval: 50, onEvents: (e) => void seen.push(...e) }),
    );

    // The event API returns one block's events in reverse: only the follower's own ordering (by the
    // transaction's position, read from the block, then event_index) can put them right.
    node.setFaults({ reverseTies: true });
    await miner.stop();
    // Four transactions, broadcast one after another, all for the next block.
    const sends: Promise<TxResult & { credited?: bigint }>[] = [];
    sends.push(chain1.topUp(x, 2n * BTT));
    await miner.pending(1);
    sends.push(payeeChain.claimMany([x6, y3]));
    await miner.pending(2);
    // Estimated on the head, this claim would credit 6; in the block it comes after the one above and credits 0.
    sends.push(payeeChain.claimMany([x6]));
    await miner.pending(3);
    sends.push(chain2.startClose(keyY));
    await miner.pending(4);
    const number = await miner.block();
    miner.auto();
    const [toppedUp, claimedBoth, claimedAgain, closeStarted] = await Promise.all(sends);

    for (const r of [toppedUp, claimedBoth, claimedAgain, closeStarted]) expect(r.blockNumber).to.equal(BigInt(number));
    expect(claimedBoth.credited).to.equal(9n * BTT);
    expect(claimedAgain.credited).to.equal(0n);

    await until(() => seen.some((e) => e.type === "ChannelCloseStarted"), 20_000);
    const inBlock = seen.filter((e) => e.blockNumber === BigInt(number));
    expect(inBlock.map((e) => [e.type, e.txHash, e.logIndex])).to.deep.equal([
      ["ChannelToppedUp", toppedUp.hash, 0],
      ["ChannelClaimed", claimedBoth.hash, 0],
      ["ChannelClaimed", claimedBoth.hash, 1],
      ["ChannelCloseStarted", closeStarted.hash, 0],
    ]);
    expect(inBlock.map((e) => ("channelId" in e ? e.channelId : undefined))).to.deep.equal([x, x, y, y]);

    // The tower saw Y's close after Y's claim of 3 in the same block: it claims the 1 left of its voucher of 4.
    await until(() => towerEvents.some((e) => e.type === "claimed"), 30_000);
    const claimed = towerEvents.find((e) => e.type === "claimed") as Extract<WatchtowerEvent, { type: "claimed" }>;
    expect(claimed.channels.map((c) => [c.channelId, c.claimed, c.paid])).to.deep.equal([[y, 4n * BTT, 1n * BTT]]);
    expect(await payeeChain.escrowBalance(payee.evm)).to.equal(10n * BTT);
    expect((await payeeChain.getChannel(x)).claimed).to.equal(6n * BTT);
    expect((await payeeChain.getChannel(y)).claimed).to.equal(4n * BTT);
  });
});
