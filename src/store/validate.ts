import type { ChannelKey } from "../voucher/typedData";
import { channelId as computeChannelId } from "../voucher/typedData";
import { ChannelConflictError, InvalidStoreInputError } from "./errors";
import type {
  ChannelRecord,
  ChannelRole,
  ChannelStatePatch,
  ChannelStatus,
  ClaimStatus,
  UpsertChannelParameters,
} from "./types";

// Checks and normalization shared by every store, so that all of them accept, refuse and
// return exactly the same values.

export const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT32 = 2 ** 32 - 1;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
/** 65 bytes (r, s, v) or 64 bytes (EIP-2098), as the escrow accepts. */
const SIGNATURE = /^0x(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/;
const HEX = /^(?:0x)?[0-9a-fA-F]+$/;
const TX_REF = /^[\x21-\x7e]{1,200}$/;

const ROLES: readonly string[] = ["payer", "payee"] satisfies ChannelRole[];
const CHANNEL_STATUSES: readonly string[] = ["opening", "open", "closing", "closed"] satisfies ChannelStatus[];
const CLAIM_STATUSES: readonly string[] = ["pending", "confirmed", "failed"] satisfies ClaimStatus[];

export function toAddress(field: string, value: unknown): string {
  if (typeof value !== "string" || !ADDRESS.test(value)) throw new InvalidStoreInputError(field, value, "0x + 40 hex");
  return value.toLowerCase();
}

export function toChannelId(value: unknown, field = "channelId"): string {
  if (typeof value !== "string" || !BYTES32.test(value)) throw new InvalidStoreInputError(field, value, "0x + 64 hex");
  return value.toLowerCase();
}

export function toSignature(value: unknown): string {
  if (typeof value !== "string" || !SIGNATURE.test(value)) {
    throw new InvalidStoreInputError("signature", value, "0x + 128 or 130 hex (64 or 65 bytes)");
  }
  return value.toLowerCase();
}

/** A uint256 at least `min`. */
export function toAmount(field: string, value: unknown, min = 0n): bigint {
  if (typeof value !== "bigint" || value < min || value > MAX_UINT256) {
    throw new InvalidStoreInputError(field, value, `a bigint from ${min} to 2^256 - 1`);
  }
  return value;
}

/** A non-negative safe integer at most `max`. */
export function toUint(field: string, value: unknown, max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidStoreInputError(field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** A transaction hash or TRON tx id; hex is lowercased so both spellings name one claim. */
export function toTxRef(field: string, value: unknown): string {
  if (typeof value !== "string" || !TX_REF.test(value)) {
    throw new InvalidStoreInputError(field, value, "1 to 200 printable characters without spaces");
  }
  return HEX.test(value) ? value.toLowerCase() : value;
}

export function toMetaKey(value: unknown): string {
  if (typeof value !== "string" || value.length === 0)
    throw new InvalidStoreInputError("key", value, "a non-empty string");
  return value;
}

export function toMetaValue(value: unknown): string {
  if (typeof value !== "string") throw new InvalidStoreInputError("value", value, "a string");
  return value;
}

export function toRole(value: unknown): ChannelRole {
  if (typeof value !== "string" || !ROLES.includes(value))
    throw new InvalidStoreInputError("role", value, "payer or payee");
  return value as ChannelRole;
}

export function toChannelStatus(value: unknown): ChannelStatus {
  if (typeof value !== "string" || !CHANNEL_STATUSES.includes(value)) {
    throw new InvalidStoreInputError("status", value, CHANNEL_STATUSES.join(", "));
  }
  return value as ChannelStatus;
}

export function toClaimStatus(value: unknown): ClaimStatus {
  if (typeof value !== "string" || !CLAIM_STATUSES.includes(value)) {
    throw new InvalidStoreInputError("status", value, CLAIM_STATUSES.join(", "));
  }
  return value as ClaimStatus;
}

/** A status filter as a list; undefined means any. */
export function toStatusList<T extends string>(
  value: T | readonly T[] | undefined,
  check: (v: unknown) => T,
): T[] | undefined {
  if (value === undefined) return undefined;
  return (typeof value === "string" ? [value] : [...value]).map(check);
}

export function toChannelKey(key: unknown): ChannelKey {
  if (typeof key !== "object" || key === null) throw new InvalidStoreInputError("key", key, "a ChannelKey");
  const k = key as Record<string, unknown>;
  const salt = k.salt;
  if (typeof salt !== "bigint" || salt < 0n || salt > MAX_UINT64) {
    throw new InvalidStoreInputError("key.salt", salt, "a bigint from 0 to 2^64 - 1");
  }
  return {
    payer: toAddress("key.payer", k.payer),
    payee: toAddress("key.payee", k.payee),
    signer: toAddress("key.signer", k.signer),
    disputeWindow: toUint("key.disputeWindow", k.disputeWindow, MAX_UINT32),
    salt,
  };
}

/** Checked copy of a state patch; absent fields stay absent. */
export function toChannelStatePatch(patch: ChannelStatePatch): ChannelStatePatch {
  const out: ChannelStatePatch = {};
  if (patch.status !== undefined) out.status = toChannelStatus(patch.status);
  if (patch.deposit !== undefined) out.deposit = toAmount("deposit", patch.deposit);
  if (patch.claimed !== undefined) out.claimed = toAmount("claimed", patch.claimed);
  if (patch.closesAt !== undefined) out.closesAt = patch.closesAt === null ? null : toUint("closesAt", patch.closesAt);
  if (patch.openedTx !== undefined) out.openedTx = patch.openedTx === null ? null : toTxRef("openedTx", patch.openedTx);
  return out;
}

/** The immutable fields of a channel, checked, with its id computed from the key. */
export type ChannelIdentity = Pick<ChannelRecord, "id" | "chainId" | "escrow" | "role" | "key">;

export function toChannelIdentity(parameters: UpsertChannelParameters): ChannelIdentity {
  const key = toChannelKey(parameters.key);
  return {
    id: computeChannelId(key).toLowerCase(),
    chainId: toUint("chainId", parameters.chainId, Number.MAX_SAFE_INTEGER, 1),
    escrow: toAddress("escrow", parameters.escrow),
    role: toRole(parameters.role),
    key,
  };
}

/** Throws `ChannelConflictError` unless the stored channel has the same immutable fields. */
export function assertSameChannel(stored: ChannelIdentity, given: ChannelIdentity): void {
  const pairs: [string, unknown, unknown][] = [
    ["chainId", stored.chainId, given.chainId],
    ["escrow", stored.escrow, given.escrow],
    ["role", stored.role, given.role],
  ];
  for (const [field, a, b] of pairs) {
    if (a !== b) throw new ChannelConflictError(stored.id, field, a, b);
  }
  // The key is fixed by the id (its hash); only a collision could differ here.
}
