import { expect } from "chai";
import { Wallet } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TransactionUnconfirmedError } from "../../../src/chain/escrowErrors";
import type { ChainAdapter, ClaimOptions, ClaimRequest } from "../../../src/chain/types";
import { startWatchtower } from "../../../src/channel/watchtower";
import type { StartWatchtowerParameters, Watchtower, WatchtowerEvent } from "../../../src/channel/watchtowerTypes";
import { MemoryStore } from "../../../src/store/memoryStore";
import { SqliteStore } from "../../../src/store/sqliteStore";
import type { VoucherStore } from "../../../src/store/types";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../../../src/voucher/typedData";
import { BTT, until } from "../chain/adapterSuite";

/** How the tower's node connection is broken: every request dropped, or only transaction broadcasts. */
/** `receipts`: transactions go through, but their outcome cannot be read (the node drops those reads). */
export type NodeFault = "none" | "all" | "broadcasts" | "receipts";

/** A fresh escrow (per test) and the parties around it. Addresses are 0x-hex. */
export type TowerFixture = {
  payerChain: ChainAdapter;
  payeeChain: ChainAdapter;
  /** A third account (neither payer nor payee) that runs the tower, through a connection `setFault` breaks. */
  towerChain: ChainAdapter;
  setFault(fault: NodeFault): void;
  payer: string;
  payees: [string, string];
  signer: string;
  signVoucher(key: ChannelKey, amount: bigint): Promise<string>;
  increaseTime(seconds: number): Promise<void>;
  blockNumber(): Promise<bigint>;
};

type Run = { tower: Watchtower; events: WatchtowerEvent[]; claims: ClaimRequest[][] };

/** The adapter with its claimMany calls recorded: a test can tell a claim was not sent. */
function recordClaims(chain: ChainAdapter, claims: ClaimRequest[][]): ChainAdapter {
  return new Proxy(chain, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "claimMany")
        return (requests: ClaimRequest[], options?: ClaimOptions) => {
          claims.push(requests);
          return target.claimMany(requests, options);
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const of = <T extends WatchtowerEvent["type"]>(events: WatchtowerEvent[], type: T) =>
  events.filter((e): e is Extract<WatchtowerEvent, { type: T }> => e.type === type);

/** The watchtower's behaviour, run against every ChainAdapter. */
export function describeWatchtower(name: string, setup: () => Promise<TowerFixture>): void {
  describe(`watchtower on ${name}`, function () {
    this.timeout(30_000);
    let salt = 1n;
    let f: TowerFixture;
    const towers: Watchtower[] = [];
    const costs: Record<string, bigint> = {};
    after(() => {
      // SEEDPAY_PRINT_COSTS=1 prints what the tower's claims cost on this chain (gas or energy).
      if (process.env.SEEDPAY_PRINT_COSTS)
        console.log(`      ${name}: ${JSON.stringify(costs, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    });

    beforeEach(async () => {
      f = await setup();
      await f.payerChain.approve(1000n * BTT);
    });
    afterEach(async () => {
      f.setFault("none");
      for (const t of towers.splice(0)) await t.stop();
    });

    const keyTo = (payee: string): ChannelKey => ({
      payer: f.payer,
      payee,
      signer: f.signer,
      disputeWindow: 3600,
      salt: salt++,
    });

    /** Opens a channel and hands the store (the payee's) `vouchers`, as Payee.receiveVoucher does once checked. */
    async function channel(store: VoucherStore, payee: string, deposit: bigint, vouchers: bigint[]) {
      const key = keyTo(payee);
      await f.payerChain.open(key, deposit);
      const chainId = Number(await f.payerChain.chainId());
      store.upsertChannel({ chainId, escrow: f.payerChain.escrow, role: "payee", key, status: "open", deposit });
      for (const amount of vouchers) {
        const signature = await f.signVoucher(key, amount);
        const { stored } = store.recordReceivedVoucher({
          channelId: channelId(key),
          cumulativeAmount: amount,
          signature,
        });
        expect(stored).to.equal(true);
      }
      return { key, id: channelId(key) };
    }

    async function start(
      store: VoucherStore,
      options: Partial<StartWatchtowerParameters> = {},
      onEvent?: (e: WatchtowerEvent) => void,
    ): Promise<Run> {
      const events: WatchtowerEvent[] = [];
      const claims: ClaimRequest[][] = [];
      const tower = await startWatchtower({
        chain: recordClaims(f.towerChain, claims),
        store,
        pollingInterval: 50,
        retryDelay: 100,
        maxRetryDelay: 400,
        onEvent: (e) => {
          events.push(e);
          onEvent?.(e);
        },
        ...options,
      });
      towers.push(tower);
      return { tower, events, claims };
    }

    /** Waits until the start-up scan has checked every stored channel (all open here, so all dropped). */
    const idle = (run: Run) => until(() => run.events.length > 0 && run.tower.status().pending.length === 0);

    it("claims the best voucher when the payer starts a close; settle pays the payee exactly that, the payer the rest", async () => {
      const store = new MemoryStore();
      const [payee] = f.payees;
      const { key, id } = await channel(store, payee, 10n * BTT, [1n * BTT, 3n * BTT]);
      const run = await start(store, { fromBlock: await f.blockNumber() });
      await idle(run);
      const payerTokens = await f.payerChain.tokenBalance(f.payer);

      await f.payerChain.startClose(key);
      await until(() => of(run.events, "claimed").length > 0);

      const [claimed] = of(run.events, "claimed");
      costs["claimMany(1)"] = claimed.tx.gasUsed;
      expect(claimed.channels).to.deep.equal([{ channelId: id, payee, claimed: 3n * BTT, paid: 3n * BTT }]);
      expect(claimed.credited).to.equal(3n * BTT);
      expect(of(run.events, "closeSeen")).to.deep.include({
        type: "closeSeen",
        channelId: id,
        payee,
        closesAt: (await f.payerChain.getChannel(id)).closesAt,
        source: "event",
      });
      // Landed inside the window, and the store knows it.
      expect(await f.payerChain.getChannel(id)).to.deep.include({ status: "closing", claimed: 3n * BTT });
      expect(store.getChannel(id)).to.deep.include({ status: "closing", claimed: 3n * BTT });
      expect(store.listClaims({ channelId: id }).map((c) => [c.txRef, c.amount])).to.deep.equal([
        [claimed.tx.hash, 3n * BTT],
      ]);
      expect(run.tower.status().pending).to.deep.equal([]);

      await f.increaseTime(3601);
      await f.payerChain.settle(key);
      expect(await f.payerChain.escrowBalance(payee)).to.equal(3n * BTT);
      expect((await f.payerChain.tokenBalance(f.payer)) - payerTokens).to.equal(7n * BTT);
    });

    it("on a first start without fromBlock, reads from the block newest at start (chain clock), not from its first poll", async () => {
      const store = new MemoryStore();
      await channel(store, f.payees[0], 1n * BTT, []);
      const head = await f.blockNumber();
      const run = await start(store);
      const [started] = of(run.events, "started");
      expect(started).to.deep.include({ fromBlock: head, resumed: false });
    });

    it("after a restart, claims a close it saw but could not claim (start-up scan) and one started while it was down (cursor)", async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), "seedpay-tower-")), "payee.db");
      let store = new SqliteStore(file);
      const [payee] = f.payees;
      const a = await channel(store, payee, 10n * BTT, [2n * BTT]);
      const b = await channel(store, payee, 10n * BTT, [4n * BTT]);
      // First run: sees A's close, then the node goes away before it can claim; then it stops.
      const first = await start(store, { fromBlock: await f.blockNumber() }, (e) => {
        if (e.type === "closeSeen") f.setFault("all");
      });
      await idle(first);
      await f.payerChain.startClose(a.key);
      await until(() => of(first.events, "claimFailed").length > 0);
      await first.tower.stop();
      store.close();
      f.setFault("none");

      // While it is down, B's close starts and other escrow activity moves the chain on.
      await f.payerChain.startClose(b.key);
      await channel(new MemoryStore(), payee, 1n * BTT, []);

      store = new SqliteStore(file);
      const second = await start(store);
      await until(() => of(second.events, "claimed").flatMap((e) => e.channels).length >= 2);

      const [started] = of(second.events, "started");
      expect(started.resumed).to.equal(true);
      // A was found in the store (closing, left by the first run); B only through the cursor's events.
      expect(started.scanning).to.equal(1);
      expect(of(second.events, "closeSeen").find((e) => e.channelId === b.id)?.source).to.equal("event");
      expect((await f.payerChain.getChannel(a.id)).claimed).to.equal(2n * BTT);
      expect((await f.payerChain.getChannel(b.id)).claimed).to.equal(4n * BTT);
      expect(await f.payerChain.escrowBalance(payee)).to.equal(6n * BTT);
      await second.tower.stop();
      store.close();
    });

    it("rides out a node that drops every request, then every broadcast, and still claims inside the window", async () => {
      const store = new MemoryStore();
      const { key, id } = await channel(store, f.payees[0], 10n * BTT, [5n * BTT]);
      let failures = 0;
      const run = await start(store, { fromBlock: await f.blockNumber() }, (e) => {
        if (e.type === "closeSeen") f.setFault("all");
        if (e.type !== "claimFailed") return;
        failures += 1;
        if (failures === 2) f.setFault("broadcasts");
        if (failures === 4) f.setFault("none");
      });
      await idle(run);
      await f.payerChain.startClose(key);
      await until(() => of(run.events, "claimed").length > 0);

      const failed = of(run.events, "claimFailed");
      expect(failed.map((e) => e.attempt)).to.deep.equal([1, 2, 3, 4]);
      // The first failures are reads of the channel, the later ones the claim transaction itself.
      expect(failed[3].error.message).to.contain("claimMany failed");
      // Reads are retried at least every max(pollingInterval, retryDelay); claims back off up to maxRetryDelay.
      expect(failed.map((e) => e.retryInMs)).to.deep.equal([100, 100, 400, 400]);
      expect(await f.payerChain.getChannel(id)).to.deep.include({ status: "closing", claimed: 5n * BTT });
      expect(of(run.events, "claimed")[0].channels.map((c) => c.paid)).to.deep.equal([5n * BTT]);
      expect(of(run.events, "gaveUp")).to.deep.equal([]);
    });

    it("keeps a claim whose outcome it could not read as pending, and confirms it from the chain on the retry", async () => {
      const store = new MemoryStore();
      const { key, id } = await channel(store, f.payees[0], 10n * BTT, [5n * BTT]);
      const run = await start(store, { fromBlock: await f.blockNumber() }, (e) => {
        if (e.type === "closeSeen") f.setFault("receipts");
        if (e.type === "claimFailed") f.setFault("none");
      });
      await idle(run);
      await f.payerChain.startClose(key);
      await until(() => store.listClaims({ channelId: id, status: "confirmed" }).length > 0, 30_000);

      const [failed] = of(run.events, "claimFailed");
      expect(failed.error).to.be.instanceOf(TransactionUnconfirmedError);
      const { hash } = failed.error as TransactionUnconfirmedError;
      // The claim had landed: the retry sends nothing and settles the record from the chain.
      expect(store.listClaims({ channelId: id }).map((c) => [c.txRef, c.amount, c.status])).to.deep.equal([
        [hash, 5n * BTT, "confirmed"],
      ]);
      expect(of(run.events, "claimed")).to.deep.equal([]);
      expect(of(run.events, "skipped").map((e) => [e.channelId, e.reason])).to.deep.equal([[id, "already-claimed"]]);
      expect(await f.payerChain.getChannel(id)).to.deep.include({ status: "closing", claimed: 5n * BTT });
    });

    it("sends no transaction for a channel whose best voucher is already claimed, and claims only the rest of another", async () => {
      const store = new MemoryStore();
      const [payee] = f.payees;
      const done = await channel(store, payee, 10n * BTT, [2n * BTT]);
      const part = await channel(store, payee, 10n * BTT, [5n * BTT]);
      // The payee claimed by itself, without telling this store.
      await f.payeeChain.claim({ key: done.key, amount: 2n * BTT, signature: await f.signVoucher(done.key, 2n * BTT) });
      await f.payeeChain.claim({ key: part.key, amount: 1n * BTT, signature: await f.signVoucher(part.key, 1n * BTT) });
      const run = await start(store, { fromBlock: await f.blockNumber() });
      await idle(run);

      await f.payerChain.startClose(done.key);
      await until(() => of(run.events, "skipped").length > 0);
      expect(of(run.events, "skipped")).to.deep.equal([
        {
          type: "skipped",
          channelId: done.id,
          reason: "already-claimed",
          detail: `the escrow credited ${2n * BTT}; the best voucher pays ${2n * BTT}`,
        },
      ]);
      expect(run.claims).to.deep.equal([]);
      expect(store.getChannel(done.id)).to.deep.include({ status: "closing", claimed: 2n * BTT });

      await f.payerChain.startClose(part.key);
      await until(() => of(run.events, "claimed").length > 0);
      expect(run.claims.map((batch) => batch.map((c) => c.amount))).to.deep.equal([[5n * BTT]]);
      expect(of(run.events, "claimed")[0].channels).to.deep.equal([
        { channelId: part.id, payee, claimed: 5n * BTT, paid: 4n * BTT },
      ]);
      expect(await f.payerChain.escrowBalance(payee)).to.equal(7n * BTT);
    });

    it("claims several channels closing together, for two payees, in one transaction", async () => {
      const store = new MemoryStore();
      const [p1, p2] = f.payees;
      const channels = [
        await channel(store, p1, 10n * BTT, [1n * BTT]),
        await channel(store, p2, 10n * BTT, [2n * BTT]),
        await channel(store, p1, 10n * BTT, [3n * BTT]),
      ];
      const run = await start(store, { fromBlock: await f.blockNumber() });
      await idle(run);
      // The closes land while the tower cannot read: it catches up on all three in one poll.
      f.setFault("all");
      for (const c of channels) await f.payerChain.startClose(c.key);
      f.setFault("none");
      await until(() => of(run.events, "claimed").length > 0);

      expect(run.claims).to.have.length(1);
      expect(run.claims[0].map((c) => channelId(c.key)).sort()).to.deep.equal(channels.map((c) => c.id).sort());
      const [claimed] = of(run.events, "claimed");
      costs["claimMany(3, 2 payees)"] = claimed.tx.gasUsed;
      expect(claimed.credited).to.equal(6n * BTT);
      expect(claimed.channels.map((c) => c.channelId).sort()).to.deep.equal(channels.map((c) => c.id).sort());
      expect(await f.payerChain.escrowBalance(p1)).to.equal(4n * BTT);
      expect(await f.payerChain.escrowBalance(p2)).to.equal(2n * BTT);
      for (const c of channels) expect(store.listClaims({ channelId: c.id })[0].txRef).to.equal(claimed.tx.hash);
    });

    it("gives up on a voucher the escrow refuses and still claims the rest of its batch", async () => {
      const store = new MemoryStore();
      const [payee] = f.payees;
      const good = await channel(store, payee, 10n * BTT, [3n * BTT]);
      const forged = keyTo(payee);
      await f.payerChain.open(forged, 10n * BTT);
      const chainId = await f.payerChain.chainId();
      store.upsertChannel({
        chainId: Number(chainId),
        escrow: f.payerChain.escrow,
        role: "payee",
        key: forged,
        status: "open",
        deposit: 10n * BTT,
      });
      // Signed by a stranger; the store does not check signatures (Payee does, before storing).
      const signature = await Wallet.createRandom().signTypedData(
        escrowDomain(chainId, f.payerChain.escrow),
        VOUCHER_TYPES,
        { channelId: channelId(forged), cumulativeAmount: 4n * BTT },
      );
      store.recordReceivedVoucher({ channelId: channelId(forged), cumulativeAmount: 4n * BTT, signature });
      const run = await start(store, { fromBlock: await f.blockNumber() });
      await idle(run);
      f.setFault("all");
      await f.payerChain.startClose(good.key);
      await f.payerChain.startClose(forged);
      f.setFault("none");
      await until(() => of(run.events, "claimed").length > 0);

      const [gaveUp] = of(run.events, "gaveUp");
      expect(gaveUp).to.include({ channelId: channelId(forged), reason: "voucher-refused", unclaimed: 4n * BTT });
      expect(gaveUp.detail).to.contain("not by");
      expect(run.claims.map((batch) => batch.length)).to.deep.equal([2, 1]);
      expect(of(run.events, "claimed")[0].channels.map((c) => c.channelId)).to.deep.equal([good.id]);
      expect((await f.payerChain.getChannel(good.id)).claimed).to.equal(3n * BTT);
      expect(run.tower.status().pending).to.deep.equal([]);
    });
  });
}
