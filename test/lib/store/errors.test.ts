import { expect } from "chai";
import {
  ChannelConflictError,
  ClaimConflictError,
  InvalidStoreInputError,
  IssuedVoucherNotIncreasingError,
  StoreClosedError,
  StoreError,
  StoreOpenError,
  StoreVersionError,
  StoreWriteError,
  UnknownChannelError,
  WrongChannelRoleError,
} from "../../../src/store";
import { SeedpayError } from "../../../src/errors/base";

const ID = "0x" + "ab".repeat(32);

// The exact text a user reads: what went wrong with the values, what to do, then details.
describe("store error messages", () => {
  const cases: [StoreError, string][] = [
    [
      new StoreVersionError("/data/seedpay.db", 3, 1),
      "database at /data/seedpay.db has schema version 3; this seedpay supports up to 1 — upgrade seedpay or use another database\n\n" +
        "Details: the database was not modified",
    ],
    [
      new StoreOpenError("/data/seedpay.db", "cannot read its schema version", {
        metaMessages: ["Is it a database seedpay created?"],
        cause: new Error("file is not a database"),
      }),
      "cannot open database at /data/seedpay.db: cannot read its schema version\n\n" +
        "Is it a database seedpay created?\n\n" +
        "Details: file is not a database",
    ],
    [
      new StoreWriteError("/data/seedpay.db", "SQLITE_BUSY", new Error("database is locked")),
      "writing to database at /data/seedpay.db failed (SQLITE_BUSY); nothing was written\n\n" +
        "Another connection held the write lock longer than busyTimeoutMs: retry, or raise busyTimeoutMs.\n\n" +
        "Details: database is locked",
    ],
    [
      new StoreWriteError("/data/seedpay.db", "SQLITE_FULL", new Error("database or disk is full")),
      "writing to database at /data/seedpay.db failed (SQLITE_FULL); nothing was written\n\n" +
        "Check the disk (space, permissions, health); the call can be retried.\n\n" +
        "Details: database or disk is full",
    ],
    [new StoreClosedError(), "the store is closed\n\nOpen a new store; a closed one cannot be reused."],
    [
      new InvalidStoreInputError("cumulativeAmount", -5n, "a bigint from 1 to 2^256 - 1"),
      "invalid cumulativeAmount: expected a bigint from 1 to 2^256 - 1\n\nDetails: cumulativeAmount = -5n",
    ],
    [
      new UnknownChannelError(ID),
      `channel ${ID} is not in the store\n\n` +
        "Add it with upsertChannel (after checking its key and escrow) before recording vouchers or claims for it.",
    ],
    [
      new WrongChannelRoleError(ID, "reserveIssuedVoucher", "payer", "payee"),
      `reserveIssuedVoucher needs a channel where we are the payer; we are the payee of ${ID}\n\n` +
        "Payees record received vouchers; payers reserve the vouchers they issue.",
    ],
    [
      new ChannelConflictError(ID, "escrow", "0x01", "0x02"),
      `channel ${ID} is stored with a different escrow\n\n` +
        "A channel's chain, escrow, role and key never change; a different channel needs another salt.\n\n" +
        'Details: stored "0x01", given "0x02"',
    ],
    [
      new IssuedVoucherNotIncreasingError(ID, 5n, 7n),
      `refusing to issue a voucher for 5 on channel ${ID}: 7 was already issued\n\n` +
        "Issue more than 7, or re-send the voucher for 7 (getHighestIssuedVoucher)",
    ],
    [
      new ClaimConflictError("0xfeed", ID, 5n, 6n),
      `claim 0xfeed on channel ${ID} is stored with amount 5, not 6\n\n` +
        "A claim transaction's amount never changes: record a new transaction as a new claim.",
    ],
  ];
  for (const [error, text] of cases) {
    it(`${error.name}: ${error.shortMessage.slice(0, 70)}`, () => {
      expect(error.message).to.equal(text);
      expect(error).to.be.instanceOf(StoreError).and.instanceOf(SeedpayError);
      expect(error.shortMessage).to.equal(text.split("\n")[0]);
    });
  }

  it("keeps the cause", () => {
    const cause = new Error("disk I/O error");
    const error = new StoreOpenError("/x.db", undefined, { cause });
    expect(error.cause).to.equal(cause);
    expect(error.message).to.equal("cannot open database at /x.db\n\nDetails: disk I/O error");
  });

  it("cuts huge values short in details", () => {
    const error = new InvalidStoreInputError("signature", "0x" + "ab".repeat(500), "0x + 128 or 130 hex");
    expect(error.details).to.have.length(`signature = `.length + 200);
    expect(error.details!.endsWith("...")).to.equal(true);
  });
});
