import type { ChannelKey } from "../voucher/typedData";

/** A 20-byte address as 0x-prefixed hex. TRON addresses enter as their 20 bytes (no 0x41). Stored lowercase. */
export type Address = string;
/** A 32-byte channel id as 0x-prefixed hex, `channelId(key)`. Stored lowercase. */
export type ChannelId = string;
/** A 65-byte (r, s, v) or 64-byte (EIP-2098) signature as 0x-prefixed hex. Stored lowercase. */
export type Signature = string;

/** Which end of the channel this store's owner is. */
export type ChannelRole = "payer" | "payee";

/**
 * Where a channel is in its life: the escrow's Open / Closing / Closed, plus `opening` for a channel
 * whose opening transaction has been sent but not confirmed (ids are known before it confirms).
 */
export type ChannelStatus = "opening" | "open" | "closing" | "closed";

export type ClaimStatus = "pending" | "confirmed" | "failed";

/** A channel as last seen by this store's owner. */
export type ChannelRecord = {
  id: ChannelId;
  chainId: number;
  escrow: Address;
  role: ChannelRole;
  /** The immutable terms; `id === channelId(key)`. */
  key: ChannelKey;
  status: ChannelStatus;
  /** Total deposited on-chain, including top-ups. */
  deposit: bigint;
  /** Total claimed on-chain (credited to the payee). */
  claimed: bigint;
  /** Unix seconds (chain time) when a closing channel's dispute window ends; null unless closing. */
  closesAt: number | null;
  /** The opening transaction (hash or TRON tx id), once known. */
  openedTx: string | null;
  /** Unix milliseconds (local clock). */
  createdAt: number;
  /** Unix milliseconds (local clock). */
  updatedAt: number;
};

/** The mutable part of a channel: what the chain says now. */
export type ChannelStatePatch = {
  status?: ChannelStatus;
  deposit?: bigint;
  claimed?: bigint;
  closesAt?: number | null;
  openedTx?: string | null;
};

export type UpsertChannelParameters = ChannelStatePatch & {
  chainId: number;
  escrow: Address;
  role: ChannelRole;
  key: ChannelKey;
};

/** A signed cumulative voucher. The store does not verify signatures: verify before recording. */
export type Voucher = {
  channelId: ChannelId;
  cumulativeAmount: bigint;
  signature: Signature;
};

export type ReceivedVoucherRecord = Voucher & {
  /** Unix milliseconds (local clock). */
  receivedAt: number;
};

export type RecordReceivedVoucherReturnType = {
  /** True when the voucher was strictly higher than the best one before, and is now the best. */
  stored: boolean;
  /** The best voucher before this call (when not stored: still the best). */
  previous: ReceivedVoucherRecord | undefined;
};

/** The highest cumulative amount this store's owner may have signed on a channel. */
export type IssuedVoucherRecord = {
  channelId: ChannelId;
  cumulativeAmount: bigint;
  /** Unix milliseconds (local clock). */
  reservedAt: number;
};

export type ClaimRecord = {
  /** The claiming transaction (hash or TRON tx id). One transaction may claim several channels. */
  txRef: string;
  channelId: ChannelId;
  amount: bigint;
  status: ClaimStatus;
  /** Unix milliseconds (local clock). */
  createdAt: number;
  /** Unix milliseconds (local clock). */
  updatedAt: number;
};

export type UpsertClaimParameters = {
  txRef: string;
  channelId: ChannelId;
  amount: bigint;
  status: ClaimStatus;
};

export type ListChannelsParameters = {
  role?: ChannelRole;
  status?: ChannelStatus | readonly ChannelStatus[];
};

export type ListUnclaimedChannelsParameters = {
  /** Only channels whose unclaimed amount is strictly above this (default 0: anything unclaimed). */
  above?: bigint;
  status?: ChannelStatus | readonly ChannelStatus[];
};

export type UnclaimedChannel = {
  channel: ChannelRecord;
  voucher: ReceivedVoucherRecord;
  /** Best received voucher minus claimed on-chain. A claim pays at most `deposit - claimed`. */
  unclaimed: bigint;
};

export type ListClaimsParameters = {
  channelId?: ChannelId;
  status?: ClaimStatus | readonly ClaimStatus[];
};

/**
 * Durable channel and voucher state of one seedpay participant.
 *
 * Every method but the two `...Async` voucher writes is synchronous; every write is atomic and,
 * for a durable implementation, on disk when the call returns (or its promise resolves): acknowledge a voucher to its sender only after recordReceivedVoucher
 * returned, send one only after reserveIssuedVoucher returned. A durable store throws
 * `StoreWriteError` when the disk refuses a write (nothing of that call is written). Lists are
 * ordered by channel id unless stated otherwise. Inputs are checked (`InvalidStoreInputError`);
 * hex is returned lowercase.
 */
export interface VoucherStore {
  /** Inserts a channel, or updates its state if it exists; its id is `channelId(key)`. Throws `ChannelConflictError` if the immutable fields differ from the stored ones. New channels default to status `opening`, deposit and claimed 0. */
  upsertChannel(parameters: UpsertChannelParameters): ChannelRecord;
  /** Updates a channel's state. Throws `UnknownChannelError`. */
  updateChannel(id: ChannelId, patch: ChannelStatePatch): ChannelRecord;
  getChannel(id: ChannelId): ChannelRecord | undefined;
  listChannels(parameters?: ListChannelsParameters): ChannelRecord[];
  /** Channels whose best received voucher exceeds the claimed amount by more than `above`, largest first. */
  listUnclaimedChannels(parameters?: ListUnclaimedChannelsParameters): UnclaimedChannel[];
  /** Channels in status `closing` whose `closesAt` is before `time` (unix seconds), soonest first. */
  listChannelsClosingBefore(time: number): ChannelRecord[];

  /** Payee side: keeps the voucher if its amount is strictly above the best one so far. Throws `UnknownChannelError`, `WrongChannelRoleError`. */
  recordReceivedVoucher(voucher: Voucher): RecordReceivedVoucherReturnType;
  /**
   * recordReceivedVoucher, resolving once the write is durable. A durable store may commit the
   * writes queued close together in one transaction (a group commit: one fsync for many); the
   * write happens when that transaction runs, so reads before the promise settles may not show it.
   * Rejects with what recordReceivedVoucher throws.
   */
  recordReceivedVoucherAsync(voucher: Voucher): Promise<RecordReceivedVoucherReturnType>;
  getBestReceivedVoucher(channelId: ChannelId): ReceivedVoucherRecord | undefined;

  /**
   * Payer side: records `amount` as issued BEFORE the voucher is signed and sent. Throws
   * `IssuedVoucherNotIncreasingError` unless `amount` is strictly above every amount reserved
   * before, so the same or a lower cumulative amount is never signed twice, across restarts too.
   */
  reserveIssuedVoucher(channelId: ChannelId, amount: bigint): IssuedVoucherRecord;
  /**
   * reserveIssuedVoucher, resolving once the reservation is durable (group-committed as
   * recordReceivedVoucherAsync is): sign and send the voucher only after it resolves.
   */
  reserveIssuedVoucherAsync(channelId: ChannelId, amount: bigint): Promise<IssuedVoucherRecord>;
  getHighestIssuedVoucher(channelId: ChannelId): IssuedVoucherRecord | undefined;

  /** Inserts or updates the claim of `channelId` in transaction `txRef` (idempotent). Throws `ClaimConflictError` if the amount differs from the stored one. */
  upsertClaim(parameters: UpsertClaimParameters): ClaimRecord;
  getClaim(txRef: string, channelId: ChannelId): ClaimRecord | undefined;
  /** Ordered by creation time. */
  listClaims(parameters?: ListClaimsParameters): ClaimRecord[];

  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  deleteMeta(key: string): void;

  /** Runs `fn` atomically: if it throws, none of its writes happen. Nests. */
  transaction<T>(fn: () => T): T;
  /** Idempotent. Any other call after it throws `StoreClosedError`. */
  close(): void;
}
