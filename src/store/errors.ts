import { SeedpayError, type SeedpayErrorOptions } from "../errors/base";

/** Base of every error the store throws; a `SeedpayError` like the rest of the library. */
export class StoreError extends SeedpayError {
  override name = "StoreError";
  constructor(shortMessage: string, options: SeedpayErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** The database was written by a newer seedpay; it was left untouched. */
export class StoreVersionError extends StoreError {
  override name = "StoreVersionError";
  constructor(
    readonly path: string,
    readonly version: number,
    readonly supportedVersion: number,
  ) {
    super(
      `database at ${path} has schema version ${version}; this seedpay supports up to ${supportedVersion} — upgrade seedpay or use another database`,
      { details: "the database was not modified" },
    );
  }
}

/** The database could not be opened or migrated. */
export class StoreOpenError extends StoreError {
  override name = "StoreOpenError";
  constructor(
    readonly path: string,
    reason: string | undefined,
    options: SeedpayErrorOptions = {},
  ) {
    super(`cannot open database at ${path}${reason ? `: ${reason}` : ""}`, options);
  }
}

/** SQLite refused a write (lock held too long, disk full, I/O error); nothing of the call was written. */
export class StoreWriteError extends StoreError {
  override name = "StoreWriteError";
  constructor(
    readonly path: string,
    /** SQLite's extended result code, e.g. SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR_FSYNC. */
    readonly code: string,
    cause: unknown,
  ) {
    super(`writing to database at ${path} failed (${code}); nothing was written`, {
      metaMessages: [
        code.startsWith("SQLITE_BUSY")
          ? "Another connection held the write lock longer than busyTimeoutMs: retry, or raise busyTimeoutMs."
          : "Check the disk (space, permissions, health); the call can be retried.",
      ],
      cause,
    });
  }
}

export class StoreClosedError extends StoreError {
  override name = "StoreClosedError";
  constructor() {
    super("the store is closed", { metaMessages: ["Open a new store; a closed one cannot be reused."] });
  }
}

/** A value passed to the store is malformed or out of range. */
export class InvalidStoreInputError extends StoreError {
  override name = "InvalidStoreInputError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`invalid ${field}: expected ${expected}`, { details: `${field} = ${describe(value)}` });
  }
}

export class UnknownChannelError extends StoreError {
  override name = "UnknownChannelError";
  constructor(readonly channelId: string) {
    super(`channel ${channelId} is not in the store`, {
      metaMessages: [
        "Add it with upsertChannel (after checking its key and escrow) before recording vouchers or claims for it.",
      ],
    });
  }
}

/** A payer-side operation on a payee channel, or the reverse. */
export class WrongChannelRoleError extends StoreError {
  override name = "WrongChannelRoleError";
  constructor(
    readonly channelId: string,
    readonly operation: string,
    readonly expectedRole: string,
    readonly role: string,
  ) {
    super(`${operation} needs a channel where we are the ${expectedRole}; we are the ${role} of ${channelId}`, {
      metaMessages: ["Payees record received vouchers; payers reserve the vouchers they issue."],
    });
  }
}

/** upsertChannel found the id with different immutable fields. */
export class ChannelConflictError extends StoreError {
  override name = "ChannelConflictError";
  constructor(
    readonly channelId: string,
    readonly field: string,
    readonly stored: unknown,
    readonly given: unknown,
  ) {
    super(`channel ${channelId} is stored with a different ${field}`, {
      details: `stored ${describe(stored)}, given ${describe(given)}`,
      metaMessages: ["A channel's chain, escrow, role and key never change; a different channel needs another salt."],
    });
  }
}

/** The payer asked to sign a cumulative amount not above one it already issued. */
export class IssuedVoucherNotIncreasingError extends StoreError {
  override name = "IssuedVoucherNotIncreasingError";
  constructor(
    readonly channelId: string,
    readonly amount: bigint,
    readonly highestIssued: bigint,
  ) {
    super(`refusing to issue a voucher for ${amount} on channel ${channelId}: ${highestIssued} was already issued`, {
      metaMessages: [
        `Issue more than ${highestIssued}, or re-send the voucher for ${highestIssued} (getHighestIssuedVoucher)`,
      ],
    });
  }
}

/** upsertClaim found the transaction and channel with a different amount. */
export class ClaimConflictError extends StoreError {
  override name = "ClaimConflictError";
  constructor(
    readonly txRef: string,
    readonly channelId: string,
    readonly storedAmount: bigint,
    readonly amount: bigint,
  ) {
    super(`claim ${txRef} on channel ${channelId} is stored with amount ${storedAmount}, not ${amount}`, {
      metaMessages: ["A claim transaction's amount never changes: record a new transaction as a new claim."],
    });
  }
}

/** A caller's value for a message, cut short so a huge input does not flood a log. */
function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
