import { expect } from "chai";
import Database from "better-sqlite3";
import {
  IssuedVoucherNotIncreasingError,
  MemoryStore,
  SqliteStore,
  StoreWriteError,
  WrongChannelRoleError,
  type VoucherStore,
} from "../../../src/store";
import { GroupCommit } from "../../../src/store/groupCommit";
import { BIG, channelParams, sig, tempDir } from "./helpers";

/** What another connection (another process, or the same file after a crash) sees of the payee channel. */
function committedBest(path: string, channelId: string): string | undefined {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare("SELECT amount FROM received_vouchers WHERE channel_id = ?").get(channelId) as
      | { amount: string }
      | undefined;
    return row?.amount;
  } finally {
    db.close();
  }
}

describe("SqliteStore: group commit of voucher writes", () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it("writes the vouchers of one event-loop turn in one transaction and resolves each only after it committed", async () => {
    const path = dir.file("g.db");
    // The clock is read inside each write: there, look at the file from a second connection.
    const seenDuringWrites: (string | undefined)[] = [];
    let channelId = "";
    const store = new SqliteStore(path, {
      now: () => {
        if (channelId) seenDuringWrites.push(committedBest(path, channelId));
        return 1_700_000_000_000;
      },
    });
    channelId = store.upsertChannel(channelParams("payee", { deposit: BIG })).id;
    store.recordReceivedVoucher({ channelId, cumulativeAmount: 1n, signature: sig(1) }); // committed alone
    seenDuringWrites.length = 0;

    const settled: bigint[] = [];
    const writes = [2n, 3n, 4n, 5n].map((amount) =>
      store.recordReceivedVoucherAsync({ channelId, cumulativeAmount: amount, signature: sig(amount) }).then((r) => {
        // Settled only once the whole group is visible to every other connection.
        expect(committedBest(path, channelId)).to.equal("5");
        settled.push(amount);
        return r;
      }),
    );
    expect(store.getBestReceivedVoucher(channelId)!.cumulativeAmount, "nothing written before the commit").to.equal(1n);
    const results = await Promise.all(writes);

    // While the group ran, no write of it was visible outside: one transaction, one commit.
    expect(seenDuringWrites).to.deep.equal(["1", "1", "1", "1"]);
    expect(settled).to.deep.equal([2n, 3n, 4n, 5n]);
    expect(results.map((r) => [r.stored, r.previous?.cumulativeAmount])).to.deep.equal([
      [true, 1n],
      [true, 2n],
      [true, 3n],
      [true, 4n],
    ]);
    store.close();
  });

  it("rejects a refused write alone: the rest of its group is committed", async () => {
    const path = dir.file("g.db");
    const store = new SqliteStore(path);
    const payer = store.upsertChannel(channelParams("payer")).id;
    const payee = store.upsertChannel(channelParams("payee")).id;
    const outcomes = await Promise.allSettled([
      store.reserveIssuedVoucherAsync(payer, 10n),
      store.reserveIssuedVoucherAsync(payer, 10n), // not above the first: refused
      store.reserveIssuedVoucherAsync(payee, 20n), // wrong role
      store.reserveIssuedVoucherAsync(payer, 30n),
      store.recordReceivedVoucherAsync({ channelId: payee, cumulativeAmount: 7n, signature: sig(7) }),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal([
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).to.be.instanceOf(IssuedVoucherNotIncreasingError);
    expect((outcomes[2] as PromiseRejectedResult).reason).to.be.instanceOf(WrongChannelRoleError);
    store.close();
    const reopened = new SqliteStore(path);
    expect(reopened.getHighestIssuedVoucher(payer)!.cumulativeAmount).to.equal(30n);
    expect(reopened.getHighestIssuedVoucher(payee)).to.equal(undefined);
    expect(reopened.getBestReceivedVoucher(payee)!.cumulativeAmount).to.equal(7n);
    reopened.close();
  });

  it("rejects every write of a group whose commit fails, and writes none of them", async () => {
    const path = dir.file("g.db");
    const store = new SqliteStore(path, { busyTimeoutMs: 10 });
    const payee = store.upsertChannel(channelParams("payee")).id;
    const other = new Database(path);
    other.prepare("BEGIN IMMEDIATE").run(); // another process holds the write lock
    const outcomes = await Promise.allSettled(
      [1n, 2n, 3n].map((n) =>
        store.recordReceivedVoucherAsync({ channelId: payee, cumulativeAmount: n, signature: sig(n) }),
      ),
    );
    other.prepare("ROLLBACK").run();
    other.close();
    for (const o of outcomes) {
      expect(o.status).to.equal("rejected");
      expect((o as PromiseRejectedResult).reason).to.be.instanceOf(StoreWriteError);
      expect((o as PromiseRejectedResult).reason.message).to.include("SQLITE_BUSY");
    }
    expect(store.getBestReceivedVoucher(payee)).to.equal(undefined);
    // The next group commits normally.
    await store.recordReceivedVoucherAsync({ channelId: payee, cumulativeAmount: 4n, signature: sig(4) });
    expect(committedBest(path, payee)).to.equal("4");
    store.close();
  });

  it("commits what is queued when the store is closed, and refuses new writes after", async () => {
    const path = dir.file("g.db");
    const store = new SqliteStore(path, { groupCommitWindowMs: 60_000 });
    const payer = store.upsertChannel(channelParams("payer")).id;
    const queued = store.reserveIssuedVoucherAsync(payer, BIG);
    store.close();
    expect((await queued).cumulativeAmount).to.equal(BIG);
    expect(() => store.reserveIssuedVoucherAsync(payer, BIG + 1n)).to.throw("closed");
    const reopened = new SqliteStore(path);
    expect(reopened.getHighestIssuedVoucher(payer)!.cumulativeAmount).to.equal(BIG);
    reopened.close();
  });

  it("with a window, groups writes from several event-loop turns", async () => {
    const path = dir.file("g.db");
    const seen: (string | undefined)[] = [];
    let payee = "";
    const store = new SqliteStore(path, {
      groupCommitWindowMs: 500, // far longer than the two turns below take, even on a loaded machine
      now: () => {
        if (payee) seen.push(committedBest(path, payee));
        return 1_700_000_000_000;
      },
    });
    payee = store.upsertChannel(channelParams("payee")).id;
    seen.length = 0;
    const first = store.recordReceivedVoucherAsync({ channelId: payee, cumulativeAmount: 1n, signature: sig(1) });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const second = store.recordReceivedVoucherAsync({ channelId: payee, cumulativeAmount: 2n, signature: sig(2) });
    await Promise.all([first, second]);
    expect(seen, "neither was committed while the group ran").to.deep.equal([undefined, undefined]);
    expect(committedBest(path, payee)).to.equal("2");
    store.close();
  });
});

describe("GroupCommit", () => {
  it("refuses a negative or infinite window", () => {
    for (const windowMs of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(
        () =>
          new GroupCommit(
            (fn) => fn(),
            (fn) => fn(),
            { windowMs },
          ),
      ).to.throw(RangeError, "windowMs");
    }
  });
});

describe("MemoryStore: the async voucher writes", () => {
  it("are queued to the end of the turn and settle in order, as SqliteStore's are", async () => {
    const store: VoucherStore = new MemoryStore();
    const payer = store.upsertChannel(channelParams("payer")).id;
    const a = store.reserveIssuedVoucherAsync(payer, 5n);
    const b = store.reserveIssuedVoucherAsync(payer, 5n);
    expect(store.getHighestIssuedVoucher(payer)).to.equal(undefined);
    expect((await a).cumulativeAmount).to.equal(5n);
    await b.then(
      () => expect.fail("a second reservation of the same amount must be refused"),
      (error) => expect(error).to.be.instanceOf(IssuedVoucherNotIncreasingError),
    );
    store.close();
  });
});
