import { expect } from "chai";
import { SeedpayError } from "../../../src/errors/base";
import { EscrowRevertedError, TransactionFailedError } from "../../../src/chain/escrowErrors";
import type {
  ChainAdapter,
  EscrowEvent,
  TxResult,
  Unwatch,
  WatchEscrowEventsParameters,
} from "../../../src/chain/types";
import { channelId, type ChannelKey } from "../../../src/voucher/typedData";

export const BTT = 10n ** 18n;

/** One escrow (fresh per test) and the parties around it, on one chain. Addresses are 0x-hex. */
export type AdapterFixture = {
  payerChain: ChainAdapter;
  payeeChain: ChainAdapter;
  payer: string;
  payee: string;
  /** The channels' voucher signer (a hot key distinct from the payer). */
  signer: string;
  /** A voucher signed by `signer`, with the chain's own tooling (ethers on EVM, TronWeb on TRON). */
  signVoucher(key: ChannelKey, amount: bigint): Promise<string>;
  /** The payee's consent to close at `finalAmount`. */
  signConsent(key: ChannelKey, finalAmount: bigint, deadline: bigint): Promise<string>;
  /** Moves the chain clock forward. */
  increaseTime(seconds: number): Promise<void>;
  /** Watches the escrow through a node connection that fails every third event read, starting with the first. */
  watchFlaky(parameters: WatchEscrowEventsParameters): Unwatch;
  /** The current block number. */
  blockNumber(): Promise<bigint>;
  /** An adapter for this escrow whose node is unreachable. */
  unreachable(): Promise<ChainAdapter>;
};

/** Waits until `check` holds, polling every 20 ms, for at most `ms`. */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What each operation cost (gas or energy), by adapter, for the report printed after the suites. */
export const measuredCosts: Record<string, Record<string, bigint>> = {};

/**
 * The ChainAdapter contract, run against every adapter: a behaviour that differs between them is
 * a bug in one of them.
 */
export function describeChainAdapter(name: string, setup: () => Promise<AdapterFixture>): void {
  describe(`${name} (ChainAdapter suite)`, function () {
    this.timeout(60_000);
    let salt = 1n;
    const costs = (measuredCosts[name] ??= {});
    const record = <T extends TxResult>(op: string, result: T): T => {
      costs[op] ??= result.gasUsed;
      return result;
    };
    after(() => {
      // SEEDPAY_PRINT_COSTS=1 prints what each operation cost on this chain (gas or energy).
      if (process.env.SEEDPAY_PRINT_COSTS)
        console.log(`      ${name}: ${JSON.stringify(costs, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    });
    const keyOf = (f: AdapterFixture): ChannelKey => ({
      payer: f.payer,
      payee: f.payee,
      signer: f.signer,
      disputeWindow: 3600,
      salt: salt++,
    });

    it("walks channels through approve, open, openMany, claim, claimMany, withdraw, start-close, settle, close and closeWithConsent", async () => {
      const f = await setup();
      const { payerChain, payeeChain } = f;
      expect(payerChain.account).to.equal(f.payer);
      expect(await payerChain.chainId()).to.equal(await payeeChain.chainId());
      record("approve", await payerChain.approve(300n * BTT));
      expect(await payerChain.allowance(f.payer)).to.equal(300n * BTT);

      const k1 = keyOf(f);
      const opened = record("open", await payerChain.open(k1, 100n * BTT));
      expect(opened.channelId).to.equal(channelId(k1));
      expect(opened.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(opened.gasUsed).to.be.greaterThan(0n);
      expect(opened.blockNumber).to.be.greaterThan(0n);
      expect(await payerChain.getChannel(opened.channelId)).to.deep.equal({
        status: "open",
        deposit: 100n * BTT,
        claimed: 0n,
        closesAt: 0n,
      });
      record("topUp", await payerChain.topUp(opened.channelId, 10n * BTT));
      expect((await payerChain.getChannel(opened.channelId)).deposit).to.equal(110n * BTT);

      const [k2, k3] = [keyOf(f), keyOf(f)];
      const many = record(
        "openMany(2)",
        await payerChain.openMany([
          { key: k2, amount: 50n * BTT },
          { key: k3, amount: 50n * BTT },
        ]),
      );
      expect(many.channelIds).to.deep.equal([channelId(k2), channelId(k3)]);

      record(
        "claim (first)",
        await payeeChain.claim({ key: k1, amount: 10n * BTT, signature: await f.signVoucher(k1, 10n * BTT) }),
      );
      record(
        "claim (second)",
        await payeeChain.claim({ key: k1, amount: 12n * BTT, signature: await f.signVoucher(k1, 12n * BTT) }),
      );
      const batch = record(
        "claimMany(2)",
        await payeeChain.claimMany([
          { key: k3, amount: 7n * BTT, signature: await f.signVoucher(k3, 7n * BTT) },
          { key: k2, amount: 5n * BTT, signature: await f.signVoucher(k2, 5n * BTT) },
        ]),
      );
      expect(batch.credited).to.equal(12n * BTT);
      expect(await payeeChain.escrowBalance(f.payee)).to.equal(24n * BTT);
      record("withdraw", await payeeChain.withdraw(f.payee, 24n * BTT));
      expect(await payeeChain.tokenBalance(f.payee)).to.equal(24n * BTT);
      expect(await payeeChain.escrowBalance(f.payee)).to.equal(0n);

      record("startClose", await payerChain.startClose(k1));
      const closing = await payerChain.getChannel(opened.channelId);
      expect(closing.status).to.equal("closing");
      expect(closing.closesAt).to.be.greaterThan(0n);
      const early = await payerChain.settle(k1).catch((e: unknown) => e);
      expect((early as EscrowRevertedError).errorName).to.equal("DisputeWindowNotOver");
      await f.increaseTime(3600);
      const before = await payerChain.tokenBalance(f.payer);
      record("settle", await payerChain.settle(k1));
      expect(await payerChain.getChannel(opened.channelId)).to.deep.include({ status: "closed", claimed: 12n * BTT });
      expect(await payerChain.tokenBalance(f.payer)).to.equal(before + 98n * BTT);

      record("close by payee", await payeeChain.close({ key: k2 }));
      expect((await payeeChain.getChannel(channelId(k2))).status).to.equal("closed");
      const deadline = (await payerChain.latestBlock()).timestamp + 3600n;
      const payeeSignature = await f.signConsent(k3, 9n * BTT, deadline);
      record(
        "closeWithConsent",
        await payerChain.closeWithConsent({ key: k3, finalAmount: 9n * BTT, deadline, payeeSignature }),
      );
      expect(await payerChain.getChannel(channelId(k3))).to.deep.include({ status: "closed", claimed: 9n * BTT });
      expect(await payeeChain.escrowBalance(f.payee)).to.equal(2n * BTT);
    });

    it("decodes contract errors into errors with the values and a hint", async () => {
      const f = await setup();
      const { payerChain, payeeChain } = f;
      const k = keyOf(f);
      const noAllowance = await payerChain.open(k, 10n * BTT).catch((e: unknown) => e);
      expect(noAllowance).to.be.instanceOf(EscrowRevertedError);
      expect((noAllowance as EscrowRevertedError).errorName).to.equal("ERC20InsufficientAllowance");
      expect((noAllowance as EscrowRevertedError).args).to.deep.equal([payerChain.escrow, 0n, 10n * BTT]);
      expect((noAllowance as Error).message).to.contain("Approve the escrow for the deposit first");

      await payerChain.approve(10n * BTT);
      await payerChain.open(k, 10n * BTT);
      await payeeChain.claim({ key: k, amount: 4n * BTT, signature: await f.signVoucher(k, 4n * BTT) });
      const again = await payeeChain
        .claim({ key: k, amount: 4n * BTT, signature: await f.signVoucher(k, 4n * BTT) })
        .catch((e: unknown) => e);
      expect(again).to.be.instanceOf(EscrowRevertedError);
      expect((again as EscrowRevertedError).shortMessage).to.equal(
        `claim refused: channel ${channelId(k)} has 6.0 BTT left (4.0 BTT of 10.0 BTT claimed); a voucher for 4.0 BTT pays nothing new`,
      );
      expect((again as EscrowRevertedError).args).to.deep.equal([channelId(k), 4n * BTT, 10n * BTT, 4n * BTT]);

      const notPayer = await payeeChain.startClose(k).catch((e: unknown) => e);
      expect(notPayer).to.be.instanceOf(EscrowRevertedError);
      expect((notPayer as EscrowRevertedError).errorName).to.equal("NotPayer");
      expect((notPayer as EscrowRevertedError).args).to.deep.equal([channelId(k), f.payee, f.payer]);

      const tooMuch = await payeeChain.withdraw(f.payee, 5n * BTT).catch((e: unknown) => e);
      expect((tooMuch as EscrowRevertedError).errorName).to.equal("InsufficientBalance");
      expect((tooMuch as EscrowRevertedError).args).to.deep.equal([f.payee, 4n * BTT, 5n * BTT]);
    });

    it("reads the newest block and the chain's clock, which moves with a transaction and with time", async () => {
      const f = await setup();
      const before = await f.payerChain.latestBlock();
      expect(before.number).to.equal(await f.blockNumber());
      await f.payerChain.approve(1n);
      const after = await f.payerChain.latestBlock();
      expect(after.number > before.number).to.equal(true);
      expect(after.timestamp >= before.timestamp).to.equal(true);
      await f.increaseTime(7200);
      await f.payerChain.approve(2n); // a block after the jump
      expect((await f.payerChain.latestBlock()).timestamp - after.timestamp >= 7200n).to.equal(true);
      const down = await f.unreachable();
      expect(await down.latestBlock().catch((e: unknown) => e)).to.be.instanceOf(SeedpayError);
    });

    it("reports an unreachable node as a TransactionFailedError", async () => {
      const f = await setup();
      const chain = await f.unreachable();
      const error = await chain.settle(keyOf(f)).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransactionFailedError);
      expect((error as Error).message).to.contain("settle failed");
      // Reads fail the same way: a typed error naming what was being read.
      const read = await chain.getChannel("0x" + "00".repeat(32)).catch((e: unknown) => e);
      expect(read).to.be.instanceOf(SeedpayError);
    });

    it("watches from where it is told: nothing before fromBlock, only new events without one", async () => {
      const f = await setup();
      const { payerChain, payeeChain } = f;
      await payerChain.approve(100n * BTT);
      const k = keyOf(f);
      await payerChain.open(k, 10n * BTT); // within the blocks a watcher re-reads for reorgs
      const from = (await f.blockNumber()) + 1n;
      const fromGiven: EscrowEvent[] = [];
      const fromNow: EscrowEvent[] = [];
      const unwatch = [
        payerChain.watchEvents({ fromBlock: from, pollingInterval: 10, onEvents: (b) => void fromGiven.push(...b) }),
        payerChain.watchEvents({ pollingInterval: 10, onEvents: (b) => void fromNow.push(...b) }),
      ];
      try {
        await new Promise((r) => setTimeout(r, 300)); // both watchers have polled at least once
        await payeeChain.claim({ key: k, amount: 1n * BTT, signature: await f.signVoucher(k, 1n * BTT) });
        await until(() => fromGiven.length > 0 && fromNow.length > 0);
        await new Promise((r) => setTimeout(r, 200)); // and polled again over the same blocks
      } finally {
        for (const stop of unwatch) stop();
      }
      expect(fromGiven.map((e) => e.type)).to.deep.equal(["ChannelClaimed"]);
      expect(fromNow.map((e) => e.type)).to.deep.equal(["ChannelClaimed"]);
    });

    it("delivers a batch again when the handler throws, and never after it returned", async () => {
      const f = await setup();
      const { payerChain } = f;
      await payerChain.approve(100n * BTT);
      const from = await f.blockNumber();
      const taken: EscrowEvent[] = [];
      const errors: Error[] = [];
      let failures = 0;
      const unwatch = payerChain.watchEvents({
        fromBlock: from,
        pollingInterval: 10,
        onEvents: (batch) => {
          if (failures < 2) {
            failures++;
            throw new Error("the handler's database is down");
          }
          taken.push(...batch);
        },
        onError: (e) => void errors.push(e),
      });
      const k = keyOf(f);
      try {
        await payerChain.open(k, 10n * BTT);
        await until(() => taken.length > 0);
        await new Promise((r) => setTimeout(r, 200)); // more polls over the same blocks
      } finally {
        unwatch();
      }
      expect(errors.map((e) => e.message)).to.deep.equal(Array(2).fill("the handler's database is down"));
      expect(taken.map((e) => e.type)).to.deep.equal(["ChannelOpened"]);
      expect(taken[0]).to.deep.include({ channelId: channelId(k) });
    });

    it("watches events: each delivered once, in order, across a failing node and re-reads", async () => {
      const f = await setup();
      const { payerChain, payeeChain } = f;
      await payerChain.approve(100n * BTT);
      const from = await f.blockNumber();
      const events: EscrowEvent[] = [];
      const errors: Error[] = [];
      const unwatch = f.watchFlaky({
        fromBlock: from,
        pollingInterval: 10,
        onEvents: (batch) => void events.push(...batch),
        onError: (e) => void errors.push(e),
      });
      const k = keyOf(f);
      let opened: TxResult | undefined;
      try {
        opened = await payerChain.open(k, 10n * BTT);
        await payeeChain.claim({ key: k, amount: 1n * BTT, signature: await f.signVoucher(k, 1n * BTT) });
        await payeeChain.claim({ key: k, amount: 2n * BTT, signature: await f.signVoucher(k, 2n * BTT) });
        await payeeChain.close({ key: k });
        await until(() => events.some((e) => e.type === "ChannelClosed") && errors.length > 0);
        // Let several more polls re-read the same blocks.
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        unwatch();
      }
      expect(events.map((e) => e.type)).to.deep.equal([
        "ChannelOpened",
        "ChannelClaimed",
        "ChannelClaimed",
        "ChannelClosed",
      ]);
      expect(new Set(events.map((e) => e.id)).size).to.equal(events.length);
      const [open, , claimed, closed] = events;
      expect(open).to.deep.include({
        type: "ChannelOpened",
        channelId: channelId(k),
        payer: f.payer,
        payee: f.payee,
        signer: f.signer,
        disputeWindow: 3600,
        salt: k.salt,
        deposit: 10n * BTT,
        txHash: opened!.hash,
        blockNumber: opened!.blockNumber,
      });
      expect(open.blockHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(claimed).to.deep.include({ type: "ChannelClaimed", claimed: 2n * BTT });
      expect(closed).to.deep.include({ type: "ChannelClosed", claimed: 2n * BTT, refunded: 8n * BTT });
      expect(errors.length).to.be.greaterThan(0);
    });
  });
}
