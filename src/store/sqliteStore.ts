import Database from "better-sqlite3";
import {
  IssuedVoucherNotIncreasingError,
  StoreClosedError,
  StoreError,
  StoreWriteError,
  UnknownChannelError,
} from "./errors";
import { GroupCommit } from "./groupCommit";
import { MIGRATIONS } from "./migrations";
import { openDatabase } from "./openDatabase";
import { assertRole, compareUnclaimed, patchedChannel, upsertedChannel, upsertedClaim } from "./rules";
import {
  channelFromRow,
  channelToRow,
  claimFromRow,
  issuedFromRow,
  receivedFromRow,
  type ChannelRow,
  type ClaimRow,
  type IssuedVoucherRow,
  type ReceivedVoucherRow,
} from "./sqliteRows";
import type {
  ChannelId,
  ChannelRecord,
  ChannelRole,
  ChannelStatePatch,
  ClaimRecord,
  IssuedVoucherRecord,
  ListChannelsParameters,
  ListClaimsParameters,
  ListUnclaimedChannelsParameters,
  ReceivedVoucherRecord,
  RecordReceivedVoucherReturnType,
  UnclaimedChannel,
  UpsertChannelParameters,
  UpsertClaimParameters,
  Voucher,
  VoucherStore,
} from "./types";
import {
  toAmount,
  toChannelId,
  toChannelIdentity,
  toChannelStatePatch,
  toChannelStatus,
  toClaimStatus,
  toMetaKey,
  toMetaValue,
  toRole,
  toSignature,
  toStatusList,
  toTxRef,
  toUint,
} from "./validate";

/** Options of {@link SqliteStore}: how long to wait for another process's lock, and the clock. */
export type SqliteStoreOptions = {
  /** How long a write waits for another process's lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Local clock in unix milliseconds (default `Date.now`). */
  now?: () => number;
  /**
   * How long the first voucher write of a group commit waits for others, in ms (default 10; 0:
   * until the end of the current event-loop turn). See {@link SqliteStore.recordReceivedVoucherAsync}.
   * On a paid transfer (bench/wire.json) 10 ms made about a third fewer commits than 0 and halved
   * the time the event loop spent in them: each fsync also flushes the torrent data written since
   * the last one. It delays each acknowledgement by up to that much, well inside a seller's credit.
   */
  groupCommitWindowMs?: number;
};

const { SqliteError } = Database;

/** Default of {@link SqliteStoreOptions.groupCommitWindowMs}. */
const GROUP_COMMIT_WINDOW_MS = 10;

/** `status IN (...)` over a JSON list, so one prepared statement serves every filter. */
const STATUS_FILTER = "(@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))";
/** amount > claimed for canonical decimal TEXT: longer is larger, equal lengths compare as text. */
const ABOVE_CLAIMED =
  "(length(v.amount) > length(c.claimed) OR (length(v.amount) = length(c.claimed) AND v.amount > c.claimed))";

/**
 * The durable store: one SQLite file in WAL mode with synchronous FULL, so every write is on disk
 * when its call returns. Several processes may share the file; writes take the lock up front
 * (BEGIN IMMEDIATE), so reserveIssuedVoucher stays atomic across them.
 */
export class SqliteStore implements VoucherStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #s: ReturnType<typeof prepare>;
  readonly #transaction: Database.Transaction<(fn: () => unknown) => unknown>;
  readonly #group: GroupCommit;

  constructor(
    path: string,
    { busyTimeoutMs, now = Date.now, groupCommitWindowMs = GROUP_COMMIT_WINDOW_MS }: SqliteStoreOptions = {},
  ) {
    this.path = path;
    this.#db = openDatabase(path, { migrations: MIGRATIONS, busyTimeoutMs });
    this.#now = now;
    this.#s = prepare(this.#db);
    this.#transaction = this.#db.transaction((fn: () => unknown) => fn());
    // The outer #write is the group's transaction; each write's own #write nests as a savepoint.
    this.#group = new GroupCommit(
      (fn) => this.#write(fn),
      (fn) => this.#write(fn),
      { windowMs: groupCommitWindowMs },
    );
  }

  upsertChannel(parameters: UpsertChannelParameters): ChannelRecord {
    this.#open();
    const identity = toChannelIdentity(parameters);
    const patch = toChannelStatePatch(parameters);
    return this.#write(() => {
      const row = this.#s.getChannel.get(identity.id) as ChannelRow | undefined;
      const channel = upsertedChannel(row && channelFromRow(row), identity, patch, this.#now());
      this.#s.putChannel.run(channelToRow(channel));
      return channel;
    });
  }

  updateChannel(id: ChannelId, patch: ChannelStatePatch): ChannelRecord {
    this.#open();
    const channelId = toChannelId(id);
    const checked = toChannelStatePatch(patch);
    return this.#write(() => {
      const row = this.#s.getChannel.get(channelId) as ChannelRow | undefined;
      if (!row) throw new UnknownChannelError(channelId);
      const channel = patchedChannel(channelFromRow(row), checked, this.#now());
      this.#s.putChannel.run(channelToRow(channel));
      return channel;
    });
  }

  getChannel(id: ChannelId): ChannelRecord | undefined {
    this.#open();
    const row = this.#s.getChannel.get(toChannelId(id)) as ChannelRow | undefined;
    return row && channelFromRow(row);
  }

  listChannels({ role, status }: ListChannelsParameters = {}): ChannelRecord[] {
    this.#open();
    const rows = this.#s.listChannels.all({
      role: role === undefined ? null : toRole(role),
      statuses: jsonList(toStatusList(status, toChannelStatus)),
    }) as ChannelRow[];
    return rows.map(channelFromRow);
  }

  listUnclaimedChannels({ above = 0n, status }: ListUnclaimedChannelsParameters = {}): UnclaimedChannel[] {
    this.#open();
    const threshold = toAmount("above", above);
    const rows = this.#s.listUnclaimed.all({
      statuses: jsonList(toStatusList(status, toChannelStatus)),
    }) as (ChannelRow & { v_amount: string; v_signature: string; v_received_at: number })[];
    const out: UnclaimedChannel[] = [];
    for (const row of rows) {
      const channel = channelFromRow(row);
      const voucher = receivedFromRow({
        channel_id: row.id,
        amount: row.v_amount,
        signature: row.v_signature,
        received_at: row.v_received_at,
      });
      const unclaimed = voucher.cumulativeAmount - channel.claimed;
      if (unclaimed > threshold) out.push({ channel, voucher, unclaimed });
    }
    return out.sort(compareUnclaimed);
  }

  listChannelsClosingBefore(time: number): ChannelRecord[] {
    this.#open();
    const rows = this.#s.listClosingBefore.all(toUint("time", time)) as ChannelRow[];
    return rows.map(channelFromRow);
  }

  recordReceivedVoucher(voucher: Voucher): RecordReceivedVoucherReturnType {
    this.#open();
    const channelId = toChannelId(voucher.channelId);
    const amount = toAmount("cumulativeAmount", voucher.cumulativeAmount, 1n);
    const signature = toSignature(voucher.signature);
    return this.#write(() => {
      const head = this.#s.receivedHead.get(channelId) as
        | { role: ChannelRole; amount: string | null; signature: string; received_at: number }
        | undefined;
      assertRole(channelId, head?.role, "payee", "recordReceivedVoucher");
      const previous =
        head?.amount == null ? undefined : receivedFromRow({ ...head, channel_id: channelId, amount: head.amount });
      if (previous && amount <= previous.cumulativeAmount) return { stored: false, previous };
      this.#s.putReceived.run(channelId, amount.toString(), signature, this.#now());
      return { stored: true, previous };
    });
  }

  /**
   * recordReceivedVoucher through a group commit: every voucher queued within `groupCommitWindowMs`
   * of the first one is written in one transaction, one fsync for all of them. Resolves
   * once that transaction is on disk, so acknowledging on resolution keeps "acknowledged ⇒ durable".
   */
  recordReceivedVoucherAsync(voucher: Voucher): Promise<RecordReceivedVoucherReturnType> {
    this.#open();
    return this.#group.enqueue(() => this.recordReceivedVoucher(voucher));
  }

  getBestReceivedVoucher(channelId: ChannelId): ReceivedVoucherRecord | undefined {
    this.#open();
    const row = this.#s.getReceived.get(toChannelId(channelId)) as ReceivedVoucherRow | undefined;
    return row && receivedFromRow(row);
  }

  reserveIssuedVoucher(channelId: ChannelId, amount: bigint): IssuedVoucherRecord {
    this.#open();
    const id = toChannelId(channelId);
    const checked = toAmount("amount", amount, 1n);
    return this.#write(() => {
      const head = this.#s.issuedHead.get(id) as { role: ChannelRole; amount: string | null } | undefined;
      assertRole(id, head?.role, "payer", "reserveIssuedVoucher");
      if (head?.amount != null) {
        const highest = BigInt(head.amount);
        if (checked <= highest) throw new IssuedVoucherNotIncreasingError(id, checked, highest);
      }
      const record = { channelId: id, cumulativeAmount: checked, reservedAt: this.#now() };
      this.#s.putIssued.run(id, checked.toString(), record.reservedAt);
      return record;
    });
  }

  /**
   * reserveIssuedVoucher through the group commit of {@link recordReceivedVoucherAsync}: resolves
   * once the reservation is on disk; sign and send the voucher only then. Until it resolves,
   * getHighestIssuedVoucher does not include it: a caller issuing several at once tracks them.
   */
  reserveIssuedVoucherAsync(channelId: ChannelId, amount: bigint): Promise<IssuedVoucherRecord> {
    this.#open();
    return this.#group.enqueue(() => this.reserveIssuedVoucher(channelId, amount));
  }

  getHighestIssuedVoucher(channelId: ChannelId): IssuedVoucherRecord | undefined {
    this.#open();
    const row = this.#s.getIssued.get(toChannelId(channelId)) as IssuedVoucherRow | undefined;
    return row && issuedFromRow(row);
  }

  upsertClaim(parameters: UpsertClaimParameters): ClaimRecord {
    this.#open();
    const checked = {
      txRef: toTxRef("txRef", parameters.txRef),
      channelId: toChannelId(parameters.channelId),
      amount: toAmount("amount", parameters.amount, 1n),
      status: toClaimStatus(parameters.status),
    };
    return this.#write(() => {
      if (!this.#s.hasChannel.get(checked.channelId)) throw new UnknownChannelError(checked.channelId);
      const row = this.#s.getClaim.get(checked.txRef, checked.channelId) as ClaimRow | undefined;
      const stored = row && claimFromRow(row);
      const claim = upsertedClaim(stored, checked, this.#now());
      if (claim !== stored) {
        this.#s.putClaim.run(
          claim.txRef,
          claim.channelId,
          claim.amount.toString(),
          claim.status,
          claim.createdAt,
          claim.updatedAt,
        );
      }
      return claim;
    });
  }

  getClaim(txRef: string, channelId: ChannelId): ClaimRecord | undefined {
    this.#open();
    const row = this.#s.getClaim.get(toTxRef("txRef", txRef), toChannelId(channelId)) as ClaimRow | undefined;
    return row && claimFromRow(row);
  }

  listClaims({ channelId, status }: ListClaimsParameters = {}): ClaimRecord[] {
    this.#open();
    const rows = this.#s.listClaims.all({
      channel_id: channelId === undefined ? null : toChannelId(channelId),
      statuses: jsonList(toStatusList(status, toClaimStatus)),
    }) as ClaimRow[];
    return rows.map(claimFromRow);
  }

  getMeta(key: string): string | undefined {
    this.#open();
    return (this.#s.getMeta.get(toMetaKey(key)) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#open();
    const k = toMetaKey(key);
    const v = toMetaValue(value);
    this.#write(() => this.#s.setMeta.run(k, v));
  }

  deleteMeta(key: string): void {
    this.#open();
    const k = toMetaKey(key);
    this.#write(() => this.#s.deleteMeta.run(k));
  }

  transaction<T>(fn: () => T): T {
    this.#open();
    return this.#write(() => {
      const result = fn();
      if (isThenable(result)) {
        throw new StoreError("a store transaction callback must be synchronous", {
          metaMessages: ["Do the asynchronous work before or after the transaction; nothing was written."],
        });
      }
      return result;
    });
  }

  close(): void {
    if (!this.#db.open) return;
    // Queued group-commit writes are committed first: a caller awaiting one is answered, not dropped.
    this.#group.flush();
    this.#db.close();
  }

  /** Runs `fn` in a transaction that takes the write lock at once; nests as a savepoint. */
  #write<T>(fn: () => T): T {
    try {
      return this.#transaction.immediate(fn) as T;
    } catch (error) {
      if (error instanceof SqliteError) throw new StoreWriteError(this.path, error.code, error);
      throw error;
    }
  }

  #open(): void {
    if (!this.#db.open) throw new StoreClosedError();
  }
}

function prepare(db: Database.Database) {
  return {
    getChannel: db.prepare("SELECT * FROM channels WHERE id = ?"),
    hasChannel: db.prepare("SELECT 1 FROM channels WHERE id = ?").pluck(),
    putChannel: db.prepare(
      `INSERT INTO channels (id, chain_id, escrow, role, payer, payee, signer, dispute_window, salt, status, deposit,
         claimed, closes_at, opened_tx, created_at, updated_at)
       VALUES (@id, @chain_id, @escrow, @role, @payer, @payee, @signer, @dispute_window, @salt, @status, @deposit,
         @claimed, @closes_at, @opened_tx, @created_at, @updated_at)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, deposit = excluded.deposit, claimed = excluded.claimed,
         closes_at = excluded.closes_at, opened_tx = excluded.opened_tx, updated_at = excluded.updated_at`,
    ),
    listChannels: db.prepare(
      `SELECT * FROM channels WHERE (@role IS NULL OR role = @role) AND ${STATUS_FILTER} ORDER BY id`,
    ),
    listUnclaimed: db.prepare(
      `SELECT c.*, v.amount AS v_amount, v.signature AS v_signature, v.received_at AS v_received_at
       FROM channels c JOIN received_vouchers v ON v.channel_id = c.id
       WHERE ${ABOVE_CLAIMED} AND ${STATUS_FILTER.replace("status IN", "c.status IN")}`,
    ),
    listClosingBefore: db.prepare(
      "SELECT * FROM channels WHERE status = 'closing' AND closes_at < ? ORDER BY closes_at, id",
    ),
    receivedHead: db.prepare(
      `SELECT c.role, v.amount, v.signature, v.received_at
       FROM channels c LEFT JOIN received_vouchers v ON v.channel_id = c.id WHERE c.id = ?`,
    ),
    putReceived: db.prepare(
      `INSERT INTO received_vouchers (channel_id, amount, signature, received_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel_id) DO UPDATE
       SET amount = excluded.amount, signature = excluded.signature, received_at = excluded.received_at`,
    ),
    getReceived: db.prepare("SELECT * FROM received_vouchers WHERE channel_id = ?"),
    issuedHead: db.prepare(
      "SELECT c.role, i.amount FROM channels c LEFT JOIN issued_vouchers i ON i.channel_id = c.id WHERE c.id = ?",
    ),
    putIssued: db.prepare(
      `INSERT INTO issued_vouchers (channel_id, amount, reserved_at) VALUES (?, ?, ?)
       ON CONFLICT (channel_id) DO UPDATE SET amount = excluded.amount, reserved_at = excluded.reserved_at`,
    ),
    getIssued: db.prepare("SELECT * FROM issued_vouchers WHERE channel_id = ?"),
    getClaim: db.prepare("SELECT * FROM claims WHERE tx_ref = ? AND channel_id = ?"),
    putClaim: db.prepare(
      `INSERT INTO claims (tx_ref, channel_id, amount, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tx_ref, channel_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
    ),
    listClaims: db.prepare(
      `SELECT * FROM claims WHERE (@channel_id IS NULL OR channel_id = @channel_id) AND ${STATUS_FILTER}
       ORDER BY created_at, tx_ref, channel_id`,
    ),
    getMeta: db.prepare("SELECT value FROM meta WHERE key = ?"),
    setMeta: db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    deleteMeta: db.prepare("DELETE FROM meta WHERE key = ?"),
  };
}

function jsonList(list: string[] | undefined): string | null {
  return list === undefined ? null : JSON.stringify(list);
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
