import { expect } from "chai";
import type { TronWeb } from "tronweb";
import { startDevnode, type Devnode } from "../../src/devnode";
import { deploy, deployEscrowOn, TOKEN, tronWebFor, waitForInfo } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** POSTs to the devnode's HTTP API. */
async function post(node: Devnode, path: string, body: Record<string, unknown> = {}): Promise<Json> {
  const answer = await fetch(`${node.url}/${path}`, { method: "POST", body: JSON.stringify(body) });
  return answer.json();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Blocks every 100 ms until stopped (for set-up); then the test alone makes blocks (`POST /admin/mine`). */
function autoMine(node: Devnode): () => Promise<void> {
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = post(node, "admin/mine").catch(() => undefined);
  }, 100);
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}

/** A signed TRC-20 transfer (not broadcast). */
async function signedTransfer(tw: TronWeb, token: string, to: string, amount: bigint) {
  const { transaction } = await tw.transactionBuilder.triggerSmartContract(
    token,
    "transfer(address,uint256)",
    { feeLimit: 100_000_000 },
    [
      { type: "address", value: to },
      { type: "uint256", value: amount.toString() },
    ],
    tw.defaultAddress.base58 as string,
  );
  return tw.trx.sign(transaction);
}

describe("devnode: reorganisations (POST /admin/reorg)", function () {
  this.timeout(120_000);

  describe("with a block time (blocks made by the test), solidified 5 blocks behind", () => {
    let node: Devnode;
    let token: string;

    beforeEach(async () => {
      node = await startDevnode({
        port: 0,
        accounts: 4,
        blockTime: 3_600_000,
        solidityDelay: 5,
        bandwidth: true,
        reorgs: true,
      });
      const stop = autoMine(node);
      try {
        ({ token } = await deployEscrowOn(node, node.accounts[1].address));
      } finally {
        await stop();
      }
      await post(node, "admin/mine", { blocks: 6 });
    });
    afterEach(() => node.close());

    const head = async () => (await post(node, "wallet/getblock", { detail: false })) as Json;
    const tokenBalance = async (api: string, who: string) => {
      const answer = await post(node, `${api}/triggerconstantcontract`, {
        owner_address: node.accounts[0].hex,
        contract_address: tronWebFor(node).address.toHex(token),
        function_selector: "balanceOf(address)",
        parameter: who.slice(2).padStart(64, "0"),
      });
      return BigInt("0x" + answer.constant_result[0]);
    };
    const trx = async (hex: string) => (await post(node, "wallet/getaccount", { address: hex })).balance as number;
    const eventsOf = async (query: string) =>
      ((await (await fetch(`${node.url}/v1/contracts/${token}/events?${query}`)).json()) as Json).data as Json[];

    it("a transfer reorganised away is re-included in a later block with a new block id; balances and events follow", async () => {
      const [, a1, a2] = node.accounts;
      const trxBefore = await trx(a1.hex);
      const tx = await signedTransfer(tronWebFor(node, 1), token, a2.address, 10n);
      expect((await post(node, "wallet/broadcasttransaction", tx as never)).result).to.equal(true);
      const { blockNumber: n } = await post(node, "admin/mine");
      const old = await post(node, "wallet/getblockbynum", { num: n });
      expect(old.transactions.map((t: Json) => t.txID)).to.deep.equal([tx.txID]);
      await post(node, "admin/mine");
      expect(await tokenBalance("wallet", a2.evm)).to.equal(10n);
      expect(await trx(a1.hex)).to.be.lessThan(trxBefore); // energy and bandwidth burnt
      expect((await eventsOf("event_name=Transfer&only_unconfirmed=true")).map((e) => e.transaction_id)).to.deep.equal([
        tx.txID,
      ]);

      // Reads keep being answered while the node rewrites its head.
      const reads = Array.from({ length: 20 }, () => head());
      const reorg = await post(node, "admin/reorg", { depth: 2, reincludeAfterMs: 300 });
      const during = await Promise.all(reads);
      for (const b of during) expect(b.blockID).to.match(/^[0-9a-f]{64}$/);

      expect(reorg.removed.map((b: Json) => b.number)).to.deep.equal([n, n + 1]);
      expect(reorg.removed[0].id).to.equal(old.blockID);
      expect(reorg.reincluded).to.deep.equal([tx.txID]);
      expect(reorg.head.number).to.equal(n + 2); // the winning fork is one block longer
      // Everything the dropped blocks made is gone: receipt, block body, events, balances, fees.
      expect(await post(node, "wallet/gettransactioninfobyid", { value: tx.txID })).to.deep.equal({});
      expect(await post(node, "wallet/gettransactionbyid", { value: tx.txID })).to.deep.equal({});
      const fork = await post(node, "wallet/getblockbynum", { num: n });
      expect(fork.blockID).to.not.equal(old.blockID);
      expect(fork.transactions).to.equal(undefined);
      expect(await post(node, "wallet/getblockbyid", { value: old.blockID })).to.deep.equal({});
      expect((await eventsOf("event_name=Transfer")).filter((e) => e.transaction_id === tx.txID)).to.deep.equal([]);
      expect(await tokenBalance("wallet", a2.evm)).to.equal(0n);
      expect(await trx(a1.hex)).to.equal(trxBefore);
      // Held for re-inclusion, the node still knows it: the same bytes broadcast again are a duplicate.
      expect((await post(node, "wallet/broadcasttransaction", tx as never)).code).to.equal("DUP_TRANSACTION_ERROR");

      while (node.pendingTransactions === 0) await sleep(20);
      const { blockNumber: m } = await post(node, "admin/mine");
      expect(m).to.equal(n + 3);
      const info = await post(node, "wallet/gettransactioninfobyid", { value: tx.txID });
      expect(info.blockNumber).to.equal(m);
      expect(info.receipt.result).to.equal("SUCCESS");
      const again = await post(node, "wallet/getblockbynum", { num: m });
      expect(again.transactions.map((t: Json) => t.txID)).to.deep.equal([tx.txID]);
      const ids = [old.blockID, fork.blockID, ...reorg.removed.map((b: Json) => b.id), again.blockID];
      expect(new Set(ids).size).to.equal(4, "a block id never names two blocks");
      expect(await tokenBalance("wallet", a2.evm)).to.equal(10n);
      expect(await trx(a1.hex)).to.be.lessThan(trxBefore);
      const events = await eventsOf("event_name=Transfer&only_unconfirmed=true");
      expect(events.map((e) => [e.transaction_id, e.block_number])).to.deep.equal([[tx.txID, m]]);
      // Solidified 5 blocks later, like any block; and then out of any reorg's reach.
      await post(node, "admin/mine", { blocks: 5 });
      expect((await eventsOf("event_name=Transfer&only_confirmed=true")).map((e) => e.transaction_id)).to.include(
        tx.txID,
      );
      expect(await tokenBalance("walletsolidity", a2.evm)).to.equal(10n);
    });

    it("a dropped transaction never comes back, and the account it created is forgotten", async () => {
      const [a0, , , a3] = node.accounts;
      const web = tronWebFor(node, 0);
      const fresh = web.utils.accounts.generateAccount();
      const freshHex = fresh.address.hex as string;
      const send = await web.trx.sign(await web.transactionBuilder.sendTrx(fresh.address.base58, 2_000_000));
      const kept = await signedTransfer(tronWebFor(node, 1), token, a3.address, 5n);
      const a0Before = await trx(a0.hex);
      for (const t of [send, kept])
        expect((await post(node, "wallet/broadcasttransaction", t as never)).result).to.equal(true);
      await post(node, "admin/mine");
      expect((await post(node, "wallet/getaccount", { address: freshHex })).balance).to.equal(2_000_000);
      expect(await trx(a0.hex)).to.be.lessThan(a0Before - 2_000_000); // and its bandwidth, paid in TRX

      const waiting = await tronWebFor(node, 2).trx.sign(
        await tronWebFor(node, 2).transactionBuilder.sendTrx(node.accounts[3].address, 9),
      );
      expect((await post(node, "wallet/broadcasttransaction", waiting as never)).result).to.equal(true);
      const reorg = await post(node, "admin/reorg", { depth: 1, drop: [send.txID], dropPending: true });
      expect(reorg.dropped).to.deep.equal([send.txID, waiting.txID]);
      expect(reorg.reincluded).to.deep.equal([kept.txID]);
      expect(await post(node, "wallet/getaccount", { address: freshHex })).to.deep.equal({});
      expect(await trx(a0.hex)).to.equal(a0Before);

      await post(node, "admin/mine", { blocks: 3 });
      expect(await post(node, "wallet/gettransactioninfobyid", { value: send.txID })).to.deep.equal({});
      expect(await post(node, "wallet/gettransactioninfobyid", { value: waiting.txID })).to.deep.equal({});
      expect(await post(node, "wallet/getaccount", { address: freshHex })).to.deep.equal({});
      expect((await post(node, "wallet/gettransactioninfobyid", { value: kept.txID })).receipt.result).to.equal(
        "SUCCESS",
      );
      expect(await tokenBalance("wallet", a3.evm)).to.equal(5n);
    });

    it("refuses a depth that reaches a solidified block, and bad parameters, saying what to ask", async () => {
      const before = await head();
      const deep = await post(node, "admin/reorg", { depth: 6 });
      expect(deep.Error).to.match(
        /replace block \d+, which is solidified \(solidityDelay 5: blocks up to \d+ are final\)/,
      );
      expect(deep.Error).to.contain("at most 5");
      expect((await post(node, "admin/reorg", { depth: 0 })).Error).to.contain("positive integer");
      expect((await post(node, "admin/reorg", {})).Error).to.contain("depth is required");
      expect((await post(node, "admin/reorg", { depth: 1, drop: "abc" })).Error).to.contain("list of transaction ids");
      expect((await post(node, "admin/reorg", { depth: 1, drop: ["abc"] })).Error).to.contain("not a transaction id");
      expect((await post(node, "admin/reorg", { depth: 1, reincludeAfterMs: -1 })).Error).to.contain("non-negative");
      const moved = await post(node, "admin/reorg", { depth: 1, ifHead: "00".repeat(32) });
      expect(moved.Error).to.contain(
        `the head is now block ${before.block_header.raw_data.number} (${before.blockID})`,
      );
      expect((await head()).blockID).to.equal(before.blockID); // nothing changed
      // The deepest allowed reorg works, and the node goes on serving transactions.
      expect((await post(node, "admin/reorg", { depth: 5 })).removed).to.have.length(5);
      const sent = await tronWebFor(node, 2).trx.sign(
        await tronWebFor(node, 2).transactionBuilder.sendTrx(node.accounts[3].address, 7),
      );
      expect((await post(node, "wallet/broadcasttransaction", sent as never)).result).to.equal(true);
      await post(node, "admin/mine");
      expect((await post(node, "wallet/gettransactioninfobyid", { value: sent.txID })).blockNumber).to.equal(
        (await head()).block_header.raw_data.number,
      );
    });
  });

  it("a block per transaction: a reorganised contract creation is undone and, re-included, created again", async () => {
    const node = await startDevnode({ port: 0, accounts: 2, solidityDelay: 3, reorgs: true });
    try {
      const web = tronWebFor(node, 0);
      const created = await deploy(web, TOKEN(), ["t", "t"]);
      const hex = web.address.toHex(created.address);
      expect((await post(node, "wallet/getcontract", { value: hex })).contract_address).to.equal(hex);
      const reorg = await post(node, "admin/reorg", { depth: 1, reincludeAfterMs: 200 });
      expect(reorg.reincluded).to.deep.equal([created.txID]);
      expect(await post(node, "wallet/getcontract", { value: hex })).to.deep.equal({});
      expect(await post(node, "wallet/getaccount", { address: hex })).to.deep.equal({});
      // Without a pool, a re-included transaction is executed in a block of its own when it comes back.
      const info = await waitForInfo(web, created.txID);
      expect(info.blockNumber).to.be.greaterThan(reorg.head.number);
      expect((await post(node, "wallet/getcontract", { value: hex })).contract_address).to.equal(hex);
    } finally {
      await node.close();
    }
  });

  it("a devnode started without reorgs refuses, saying how to start it", async () => {
    const node = await startDevnode({ port: 0, accounts: 1, solidityDelay: 3 });
    try {
      await post(node, "admin/mine", { blocks: 4 });
      expect((await post(node, "admin/reorg", { depth: 1 })).Error).to.contain("reorgs: true");
    } finally {
      await node.close();
    }
  });
});
