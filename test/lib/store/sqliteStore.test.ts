import { expect } from "chai";
import Database from "better-sqlite3";
import { IssuedVoucherNotIncreasingError, SqliteStore, StoreWriteError } from "../../../src/store";
import { catchError, describeVoucherStore } from "./storeSuite";
import { BIG, channelParams, manualClock, sig, tempDir } from "./helpers";

let tmp: ReturnType<typeof tempDir>;
describeVoucherStore("SqliteStore", {
  create: (now) => {
    tmp = tempDir();
    return new SqliteStore(tmp.file("store.db"), { now });
  },
  cleanup: () => tmp.remove(),
});

describe("SqliteStore: durability", () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it("keeps everything across close and reopen", () => {
    const clock = manualClock();
    const path = dir.file("s.db");
    let store = new SqliteStore(path, { now: clock });
    const payee = store.upsertChannel(channelParams("payee", { deposit: BIG, openedTx: "ab".repeat(32) }));
    const payer = store.upsertChannel(channelParams("payer", { status: "closing", closesAt: 1_800_000_000 }));
    store.recordReceivedVoucher({ channelId: payee.id, cumulativeAmount: BIG, signature: sig(BIG) });
    store.reserveIssuedVoucher(payer.id, 2n ** 70n);
    store.upsertClaim({ txRef: "0x" + "11".repeat(32), channelId: payee.id, amount: 9n, status: "confirmed" });
    store.setMeta("cursor", "123");
    const snapshot = (s: SqliteStore) => ({
      channels: s.listChannels(),
      best: s.getBestReceivedVoucher(payee.id),
      issued: s.getHighestIssuedVoucher(payer.id),
      claims: s.listClaims(),
      unclaimed: s.listUnclaimedChannels(),
      closing: s.listChannelsClosingBefore(2_000_000_000),
      meta: s.getMeta("cursor"),
    });
    const before = snapshot(store);
    store.close();

    store = new SqliteStore(path, { now: clock });
    expect(snapshot(store)).to.deep.equal(before);
    expect(() => store.reserveIssuedVoucher(payer.id, 2n ** 70n)).to.throw(IssuedVoucherNotIncreasingError);
    expect(
      store.recordReceivedVoucher({ channelId: payee.id, cumulativeAmount: BIG, signature: sig(1) }).stored,
    ).to.equal(false);
    store.close();
  });

  it("keeps reserveIssuedVoucher atomic across two connections to one file", () => {
    const path = dir.file("s.db");
    const a = new SqliteStore(path);
    const b = new SqliteStore(path);
    const c = a.upsertChannel(channelParams("payer"));
    a.reserveIssuedVoucher(c.id, 5n);
    expect(() => b.reserveIssuedVoucher(c.id, 5n)).to.throw(IssuedVoucherNotIncreasingError);
    b.reserveIssuedVoucher(c.id, 6n);
    expect(() => a.reserveIssuedVoucher(c.id, 6n)).to.throw(IssuedVoucherNotIncreasingError);
    expect(a.getHighestIssuedVoucher(c.id)!.cumulativeAmount).to.equal(6n);
    a.close();
    b.close();
  });

  it("throws StoreWriteError, having written nothing, when another connection holds the lock too long", () => {
    const path = dir.file("s.db");
    const store = new SqliteStore(path, { busyTimeoutMs: 50 });
    const c = store.upsertChannel(channelParams("payee"));
    const other = new Database(path);
    other.prepare("BEGIN IMMEDIATE").run();
    const err = catchError(() =>
      store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 1n, signature: sig(1) }),
    );
    expect(err).to.be.instanceOf(StoreWriteError);
    expect(err).to.include({ path, code: "SQLITE_BUSY" });
    other.prepare("ROLLBACK").run();
    other.close();
    expect(store.getBestReceivedVoucher(c.id)).to.equal(undefined);
    expect(store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 1n, signature: sig(1) }).stored).to.equal(
      true,
    );
    store.close();
  });

  it("stores amounts as canonical decimal text", () => {
    const path = dir.file("s.db");
    const store = new SqliteStore(path);
    const c = store.upsertChannel(channelParams("payee", { deposit: BIG }));
    store.recordReceivedVoucher({ channelId: c.id, cumulativeAmount: 2n ** 255n, signature: sig(1) });
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT deposit, typeof(deposit) t FROM channels").get()).to.deep.equal({
      deposit: BIG.toString(),
      t: "text",
    });
    expect(db.prepare("SELECT amount FROM received_vouchers").pluck().get()).to.equal((2n ** 255n).toString());
    db.close();
  });
});
