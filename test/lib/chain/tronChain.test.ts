import { expect } from "chai";
import { Trx, utils } from "tronweb";
import {
  EscrowRevertedError,
  TransactionFailedError,
  TransactionUnconfirmedError,
} from "../../../src/chain/escrowErrors";
import { TronChain } from "../../../src/chain/tron/TronChain";
import { watchTronEscrowEvents } from "../../../src/chain/tron/watchTronEscrowEvents";
import type { EscrowEvent } from "../../../src/chain/types";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { normalizeAddress } from "../../../src/voucher/normalizeAddress";
import {
  channelId,
  CLOSE_CONSENT_TYPES,
  escrowDomain,
  VOUCHER_TYPES,
  type ChannelKey,
} from "../../../src/voucher/typedData";
import { deploy, dropProxy, ESCROW, TOKEN, tronWebFor, waitForInfo } from "../../tron/helpers";
import { BTT, describeChainAdapter, until, type AdapterFixture } from "./adapterSuite";

const MAINNET_CHAIN_ID = 728126428;

/**
 * Drops two of every three event-API requests, the first two among them: an event read gets one
 * retry of its own, so only two failures in a row fail a poll (and reach onError).
 */
function twoOfThreeEventReads(): (url: string) => boolean {
  let calls = 0;
  return (url) => url.startsWith("/v1/") && ++calls % 3 !== 0;
}

describe("TronChain on the devnode", function () {
  this.timeout(60_000);
  let node: Devnode;
  const cleanup: (() => Promise<void>)[] = [];

  before(async () => {
    node = await startDevnode({ port: 0 });
  });
  after(async () => {
    for (const c of cleanup) await c();
    await node?.close();
  });

  const payer = () => node.accounts[1];
  const payee = () => node.accounts[2];
  const hotKey = () => node.accounts[3];

  /** A fresh TestToken and ChannelEscrow deployed with TronWeb by account 0; the payer holds 1000 BTT. */
  async function deployEscrow(): Promise<{ escrow: string; token: string }> {
    const web = tronWebFor(node, 0);
    const token = (await deploy(web, TOKEN(), ["Test BTT", "tBTT"])).address;
    const escrow = (await deploy(web, ESCROW(), [token, 3600, 30 * 24 * 3600])).address;
    const mint = await web
      .contract(TOKEN().abi as never, token)
      .mint(payer().address, 1000n * BTT)
      .send({ feeLimit: 100_000_000 });
    expect((await waitForInfo(web, mint)).receipt.result).to.equal("SUCCESS");
    return { escrow, token };
  }

  const chainFor = (escrow: string, account: { privateKey: string }, fullHost = node.url) =>
    new TronChain({ fullHost, privateKey: account.privateKey, escrow, pollingInterval: 20 });

  async function setup(): Promise<AdapterFixture> {
    const { escrow } = await deployEscrow();
    const payerChain = chainFor(escrow, payer());
    const payeeChain = chainFor(escrow, payee());
    const domain = escrowDomain(await payerChain.chainId(), payerChain.escrow);
    return {
      payerChain,
      payeeChain,
      payer: normalizeAddress(payer().address),
      payee: normalizeAddress(payee().address),
      signer: normalizeAddress(hotKey().address),
      signVoucher: async (key: ChannelKey, amount: bigint) =>
        Trx._signTypedData(
          domain as never,
          VOUCHER_TYPES,
          { channelId: channelId(key), cumulativeAmount: amount },
          hotKey().privateKey,
        ),
      signConsent: async (key: ChannelKey, finalAmount: bigint, deadline: bigint) =>
        Trx._signTypedData(
          domain as never,
          CLOSE_CONSENT_TYPES,
          { channelId: channelId(key), finalAmount, deadline },
          payee().privateKey,
        ),
      increaseTime: (seconds: number) => node.increaseTime(seconds),
      blockNumber: async () => BigInt((await tronWebFor(node).trx.getCurrentBlock()).block_header.raw_data.number),
      watchFlaky: (parameters) => {
        let unwatch: (() => void) | undefined;
        let stopped = false;
        void dropProxy(node.url, twoOfThreeEventReads()).then((proxy) => {
          cleanup.push(proxy.close);
          if (!stopped) unwatch = chainFor(escrow, payer(), proxy.url).watchEvents(parameters);
        });
        return () => {
          stopped = true;
          unwatch?.();
        };
      },
      unreachable: async () =>
        new TronChain({
          connection: { fullNode: "http://127.0.0.1:9", retries: 0 },
          privateKey: payer().privateKey,
          escrow,
        }),
    };
  }

  describeChainAdapter("TronChain", setup);

  describe("TRON specifics", () => {
    let escrow: string;
    let payerChain: TronChain;
    let payeeChain: TronChain;
    const key = (salt: bigint): ChannelKey => ({
      payer: payer().address,
      payee: payee().hex,
      signer: hotKey().evm,
      disputeWindow: 3600,
      salt,
    });
    const evmKey = (k: ChannelKey): ChannelKey => ({
      ...k,
      payer: normalizeAddress(k.payer),
      payee: normalizeAddress(k.payee),
      signer: normalizeAddress(k.signer),
    });
    const voucher = async (k: ChannelKey, amount: bigint, chainId?: number) =>
      Trx._signTypedData(
        escrowDomain(chainId ?? (await payerChain.chainId()), payerChain.escrow) as never,
        VOUCHER_TYPES,
        {
          channelId: channelId(evmKey(k)),
          cumulativeAmount: amount,
        },
        hotKey().privateKey,
      );

    before(async () => {
      escrow = (await deployEscrow()).escrow;
      payerChain = chainFor(escrow, payer());
      payeeChain = chainFor(escrow, payee());
      await payerChain.approve(100n * BTT);
    });

    it("reads the chain id from the genesis block (Shasta's on the devnode) and accepts TRON address forms", async () => {
      expect(await payerChain.chainId()).to.equal(2494104990n);
      expect(payerChain.escrow).to.equal(normalizeAddress(escrow));
      expect(payerChain.account).to.equal(normalizeAddress(payer().address));
      expect(await payerChain.escrowBalance(payee().address)).to.equal(0n);
    });

    it("claims with a voucher signed by TronWeb's Trx._signTypedData, keys in base58 and 41-hex", async () => {
      const k = key(1n);
      const opened = await payerChain.open(k, 10n * BTT);
      const claimed = await payeeChain.claim({ key: k, amount: 3n * BTT, signature: await voucher(k, 3n * BTT) });
      expect(claimed.gasUsed).to.be.greaterThan(0n);
      expect(await payeeChain.getChannel(opened.channelId)).to.deep.include({ status: "open", claimed: 3n * BTT });
    });

    it("refuses a voucher signed for another chain (mainnet's id) with WrongSigner", async () => {
      const k = key(2n);
      await payerChain.open(k, 10n * BTT);
      const error = await payeeChain
        .claim({ key: k, amount: 1n * BTT, signature: await voucher(k, 1n * BTT, MAINNET_CHAIN_ID) })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(EscrowRevertedError);
      expect((error as EscrowRevertedError).errorName).to.equal("WrongSigner");
      expect((error as EscrowRevertedError).args[1]).to.equal(normalizeAddress(hotKey().address));
      expect((error as Error).message).to.contain("not by");
    });

    it("surfaces a transaction signed by the wrong key, refused by the node (SIGERROR), as a TransactionFailedError", async () => {
      const wrongKey = node.accounts[5].privateKey;
      const chain = new TronChain({
        fullHost: node.url,
        privateKey: payer().privateKey,
        escrow,
        sign: async (tx) => utils.crypto.signTransaction(wrongKey, tx as never) as never,
      });
      const error = await chain.topUp(channelId(evmKey(key(1n))), 1n).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransactionFailedError);
      expect((error as Error).message).to.match(
        /topUp failed: the node refused transaction [0-9a-f]{64}: SIGERROR: Validate signature error/,
      );
    });

    it("decodes a REVERT receipt (state changed between estimate and inclusion) into the escrow's error", async () => {
      const k = key(4n);
      await payerChain.open(k, 10n * BTT);
      const request = { key: k, amount: 2n * BTT, signature: await voucher(k, 2n * BTT) };
      // The same voucher lands first, after this transaction was estimated: it reverts on chain.
      const racing = new TronChain({
        fullHost: node.url,
        privateKey: payee().privateKey,
        escrow,
        pollingInterval: 20,
        sign: async (tx) => {
          await payeeChain.claim(request);
          return utils.crypto.signTransaction(payee().privateKey, tx as never) as never;
        },
      });
      const error = await racing.claim(request).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(EscrowRevertedError);
      expect((error as EscrowRevertedError).errorName).to.equal("NothingToClaim");
      expect(((error as Error).cause as Error).message).to.match(/^transaction [0-9a-f]{64} reverted$/);
    });

    it("names the node when it is unreachable, and waits for solidification when asked", async () => {
      const down = new TronChain({
        connection: { fullNode: "http://127.0.0.1:9", retries: 0 },
        privateKey: payer().privateKey,
        escrow,
      });
      const error = await down.topUp(channelId(evmKey(key(1n))), 1n).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransactionFailedError);
      expect((error as Error).message).to.contain("the TRON node at http://127.0.0.1:9 is unreachable");
      const solid = new TronChain({
        fullHost: node.url,
        privateKey: payer().privateKey,
        escrow,
        confirm: "solidified",
      });
      const result = await solid.topUp(channelId(evmKey(key(1n))), 1n);
      expect(result.blockNumber).to.be.greaterThan(0n);
    });

    it("pages through the event API oldest first and restarts from a cursor with stable ids", async () => {
      const from = BigInt((await payerChain.tronWeb.trx.getCurrentBlock()).block_header.raw_data.number) + 1n;
      const k = key(5n);
      const opened = await payerChain.open(k, 10n * BTT);
      for (let i = 1n; i <= 4n; i++) {
        await payeeChain.claim({ key: k, amount: i * BTT, signature: await voucher(k, i * BTT) });
      }
      const collect = async (fromBlock: bigint, count: number): Promise<EscrowEvent[]> => {
        const events: EscrowEvent[] = [];
        const unwatch = watchTronEscrowEvents(
          payerChain.http,
          escrow,
          { fromBlock, pollingInterval: 10, onEvents: (batch) => void events.push(...batch) },
          { pageSize: 2 },
        );
        try {
          await until(() => events.length >= count);
          await new Promise((r) => setTimeout(r, 100));
        } finally {
          unwatch();
        }
        return events;
      };
      const first = await collect(from, 5);
      expect(first.map((e) => e.type)).to.deep.equal(["ChannelOpened", ...Array(4).fill("ChannelClaimed")]);
      expect(first.map((e) => (e.type === "ChannelClaimed" ? e.claimed : 0n))).to.deep.equal(
        [0n, 1n, 2n, 3n, 4n].map((n) => n * BTT),
      );
      expect(first[0].txHash).to.equal(opened.hash);
      // Re-reading gives the same ids; restarting after the third event's block gives only the rest.
      expect((await collect(from, 5)).map((e) => e.id)).to.deep.equal(first.map((e) => e.id));
      const rest = await collect(first[2].blockNumber + 1n, 2);
      expect(rest.map((e) => e.id)).to.deep.equal(first.slice(3).map((e) => e.id));
    });

    it("reports a broadcast transaction whose outcome cannot be read as unconfirmed, with its id; it did land", async () => {
      const proxy = await dropProxy(node.url, (url) => url.includes("gettransactioninfobyid"));
      try {
        const blind = new TronChain({
          connection: { fullNode: proxy.url, retries: 0 },
          privateKey: payer().privateKey,
          escrow,
          pollingInterval: 20,
          unansweredLimitMs: 1000,
        });
        const error = await blind.open(key(7n), 1n * BTT).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(TransactionUnconfirmedError);
        const hash = (error as TransactionUnconfirmedError).hash;
        expect(hash).to.match(/^0x[0-9a-f]{64}$/);
        expect((error as Error).message).to.contain(`sent as ${hash}, but its outcome could not be read`);
        // It was mined all the same: the channel is open, and the node knows the transaction.
        expect((await payerChain.getChannel(channelId(evmKey(key(7n))))).status).to.equal("open");
        const info = await waitForInfo(payerChain.tronWeb, hash.slice(2));
        expect(info.receipt.result).to.equal("SUCCESS");
      } finally {
        await proxy.close();
      }
    });

    it("reports a fee limit too low for the transaction as OUT_OF_ENERGY, with what to change", async () => {
      const chain = new TronChain({
        fullHost: node.url,
        privateKey: payer().privateKey,
        escrow,
        feeLimitMargin: 0.5,
        pollingInterval: 20,
      });
      // The EVM completes the open (its gas is ample); TRON's energy runs out: the devnode must
      // undo the open and the token pull nested in it, and charge the whole fee limit.
      const tokenBalance = await payerChain.tokenBalance(payerChain.account);
      const escrowTokens = await payerChain.tokenBalance(payerChain.escrow);
      const error = await chain.open(key(3n), 1n * BTT).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransactionFailedError);
      expect((error as Error).message).to.contain("ran out of energy");
      expect((error as Error).message).to.contain("raise feeLimitMargin");
      expect((await chain.getChannel(channelId(evmKey(key(3n))))).status).to.equal("none");
      expect(await payerChain.tokenBalance(payerChain.account)).to.equal(tokenBalance);
      expect(await payerChain.tokenBalance(payerChain.escrow)).to.equal(escrowTokens);
      // And the chain goes on: the same open with an adequate fee limit succeeds.
      await payerChain.open(key(3n), 1n * BTT);
      expect((await chain.getChannel(channelId(evmKey(key(3n))))).deposit).to.equal(1n * BTT);
    });
  });
});
