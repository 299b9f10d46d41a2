import { IssuedVoucherNotIncreasingError, StoreClosedError, StoreError, UnknownChannelError } from "./errors";
import { GroupCommit } from "./groupCommit";
import { assertRole, compareUnclaimed, patchedChannel, upsertedChannel, upsertedClaim } from "./rules";
import type {
  ChannelId,
  ChannelRecord,
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

export type MemoryStoreOptions = {
  /** Local clock in unix milliseconds (default `Date.now`). */
  now?: () => number;
};

type Tables = {
  channels: Map<string, ChannelRecord>;
  received: Map<string, ReceivedVoucherRecord>;
  issued: Map<string, IssuedVoucherRecord>;
  claims: Map<string, ClaimRecord>;
  meta: Map<string, string>;
};

/**
 * A VoucherStore in memory, for tests and throwaway sessions: it behaves as SqliteStore does
 * (same checks, same errors, same order) but forgets everything when the process ends. Stored
 * records are never mutated; callers get copies.
 */
export class MemoryStore implements VoucherStore {
  #t: Tables = { channels: new Map(), received: new Map(), issued: new Map(), claims: new Map(), meta: new Map() };
  #closed = false;
  readonly #now: () => number;
  // Each write checks everything before it changes anything, so it needs no savepoint to be atomic.
  readonly #group = new GroupCommit(
    (fn) => fn(),
    (fn) => fn(),
  );

  constructor({ now = Date.now }: MemoryStoreOptions = {}) {
    this.#now = now;
  }

  upsertChannel(parameters: UpsertChannelParameters): ChannelRecord {
    this.#open();
    const identity = toChannelIdentity(parameters);
    const patch = toChannelStatePatch(parameters);
    const channel = upsertedChannel(this.#t.channels.get(identity.id), identity, patch, this.#now());
    this.#t.channels.set(channel.id, channel);
    return copyChannel(channel);
  }

  updateChannel(id: ChannelId, patch: ChannelStatePatch): ChannelRecord {
    this.#open();
    const channelId = toChannelId(id);
    const checked = toChannelStatePatch(patch);
    const stored = this.#t.channels.get(channelId);
    if (!stored) throw new UnknownChannelError(channelId);
    const channel = patchedChannel(stored, checked, this.#now());
    this.#t.channels.set(channelId, channel);
    return copyChannel(channel);
  }

  getChannel(id: ChannelId): ChannelRecord | undefined {
    this.#open();
    const channel = this.#t.channels.get(toChannelId(id));
    return channel && copyChannel(channel);
  }

  listChannels({ role, status }: ListChannelsParameters = {}): ChannelRecord[] {
    this.#open();
    const r = role === undefined ? undefined : toRole(role);
    const statuses = toStatusList(status, toChannelStatus);
    return this.#sortedChannels()
      .filter((c) => (r === undefined || c.role === r) && (statuses === undefined || statuses.includes(c.status)))
      .map(copyChannel);
  }

  listUnclaimedChannels({ above = 0n, status }: ListUnclaimedChannelsParameters = {}): UnclaimedChannel[] {
    this.#open();
    const threshold = toAmount("above", above);
    const statuses = toStatusList(status, toChannelStatus);
    const out: UnclaimedChannel[] = [];
    for (const voucher of this.#t.received.values()) {
      const channel = this.#t.channels.get(voucher.channelId)!;
      const unclaimed = voucher.cumulativeAmount - channel.claimed;
      if (unclaimed > threshold && (statuses === undefined || statuses.includes(channel.status))) {
        out.push({ channel: copyChannel(channel), voucher: { ...voucher }, unclaimed });
      }
    }
    return out.sort(compareUnclaimed);
  }

  listChannelsClosingBefore(time: number): ChannelRecord[] {
    this.#open();
    const t = toUint("time", time);
    return this.#sortedChannels()
      .filter((c) => c.status === "closing" && c.closesAt !== null && c.closesAt < t)
      .sort((a, b) => a.closesAt! - b.closesAt!)
      .map(copyChannel);
  }

  recordReceivedVoucher(voucher: Voucher): RecordReceivedVoucherReturnType {
    this.#open();
    const channelId = toChannelId(voucher.channelId);
    const amount = toAmount("cumulativeAmount", voucher.cumulativeAmount, 1n);
    const signature = toSignature(voucher.signature);
    assertRole(channelId, this.#t.channels.get(channelId)?.role, "payee", "recordReceivedVoucher");
    const stored = this.#t.received.get(channelId);
    const previous = stored && { ...stored };
    if (previous && amount <= previous.cumulativeAmount) return { stored: false, previous };
    this.#t.received.set(channelId, { channelId, cumulativeAmount: amount, signature, receivedAt: this.#now() });
    return { stored: true, previous };
  }

  /** Queued and written at the end of the event-loop turn, as SqliteStore's group commit does. */
  recordReceivedVoucherAsync(voucher: Voucher): Promise<RecordReceivedVoucherReturnType> {
    this.#open();
    return this.#group.enqueue(() => this.recordReceivedVoucher(voucher));
  }

  getBestReceivedVoucher(channelId: ChannelId): ReceivedVoucherRecord | undefined {
    this.#open();
    const voucher = this.#t.received.get(toChannelId(channelId));
    return voucher && { ...voucher };
  }

  reserveIssuedVoucher(channelId: ChannelId, amount: bigint): IssuedVoucherRecord {
    this.#open();
    const id = toChannelId(channelId);
    const checked = toAmount("amount", amount, 1n);
    assertRole(id, this.#t.channels.get(id)?.role, "payer", "reserveIssuedVoucher");
    const highest = this.#t.issued.get(id)?.cumulativeAmount;
    if (highest !== undefined && checked <= highest) throw new IssuedVoucherNotIncreasingError(id, checked, highest);
    const record = { channelId: id, cumulativeAmount: checked, reservedAt: this.#now() };
    this.#t.issued.set(id, record);
    return { ...record };
  }

  /** Queued and written at the end of the event-loop turn, as SqliteStore's group commit does. */
  reserveIssuedVoucherAsync(channelId: ChannelId, amount: bigint): Promise<IssuedVoucherRecord> {
    this.#open();
    return this.#group.enqueue(() => this.reserveIssuedVoucher(channelId, amount));
  }

  getHighestIssuedVoucher(channelId: ChannelId): IssuedVoucherRecord | undefined {
    this.#open();
    const record = this.#t.issued.get(toChannelId(channelId));
    return record && { ...record };
  }

  upsertClaim(parameters: UpsertClaimParameters): ClaimRecord {
    this.#open();
    const checked = {
      txRef: toTxRef("txRef", parameters.txRef),
      channelId: toChannelId(parameters.channelId),
      amount: toAmount("amount", parameters.amount, 1n),
      status: toClaimStatus(parameters.status),
    };
    if (!this.#t.channels.has(checked.channelId)) throw new UnknownChannelError(checked.channelId);
    const k = claimKey(checked.txRef, checked.channelId);
    const claim = upsertedClaim(this.#t.claims.get(k), checked, this.#now());
    this.#t.claims.set(k, claim);
    return { ...claim };
  }

  getClaim(txRef: string, channelId: ChannelId): ClaimRecord | undefined {
    this.#open();
    const claim = this.#t.claims.get(claimKey(toTxRef("txRef", txRef), toChannelId(channelId)));
    return claim && { ...claim };
  }

  listClaims({ channelId, status }: ListClaimsParameters = {}): ClaimRecord[] {
    this.#open();
    const id = channelId === undefined ? undefined : toChannelId(channelId);
    const statuses = toStatusList(status, toClaimStatus);
    return [...this.#t.claims.values()]
      .filter(
        (c) => (id === undefined || c.channelId === id) && (statuses === undefined || statuses.includes(c.status)),
      )
      .sort(
        (a, b) => a.createdAt - b.createdAt || compareText(a.txRef, b.txRef) || compareText(a.channelId, b.channelId),
      )
      .map((c) => ({ ...c }));
  }

  getMeta(key: string): string | undefined {
    this.#open();
    return this.#t.meta.get(toMetaKey(key));
  }

  setMeta(key: string, value: string): void {
    this.#open();
    this.#t.meta.set(toMetaKey(key), toMetaValue(value));
  }

  deleteMeta(key: string): void {
    this.#open();
    this.#t.meta.delete(toMetaKey(key));
  }

  transaction<T>(fn: () => T): T {
    this.#open();
    // Records are immutable, so copying the maps is a complete snapshot.
    const t = this.#t;
    const snapshot: Tables = {
      channels: new Map(t.channels),
      received: new Map(t.received),
      issued: new Map(t.issued),
      claims: new Map(t.claims),
      meta: new Map(t.meta),
    };
    try {
      const result = fn();
      if (typeof (result as { then?: unknown } | null)?.then === "function") {
        throw new StoreError("a store transaction callback must be synchronous", {
          metaMessages: ["Do the asynchronous work before or after the transaction; nothing was written."],
        });
      }
      return result;
    } catch (error) {
      this.#t = snapshot;
      throw error;
    }
  }

  close(): void {
    if (!this.#closed) this.#group.flush();
    this.#closed = true;
  }

  #sortedChannels(): ChannelRecord[] {
    return [...this.#t.channels.values()].sort((a, b) => compareText(a.id, b.id));
  }

  #open(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}

function copyChannel(c: ChannelRecord): ChannelRecord {
  return { ...c, key: { ...c.key } };
}

function claimKey(txRef: string, channelId: string): string {
  return `${txRef} ${channelId}`;
}

/** Byte order, as SQLite's BINARY collation (the strings compared here are ASCII). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
