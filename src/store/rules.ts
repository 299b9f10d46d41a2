import { ClaimConflictError, UnknownChannelError, WrongChannelRoleError } from "./errors";
import type { ChannelRecord, ChannelRole, ChannelStatePatch, ClaimRecord, UpsertClaimParameters } from "./types";
import { assertSameChannel, type ChannelIdentity } from "./validate";

// The decisions every store makes the same way, as pure functions over checked inputs: a store
// reads the current records, asks these, and writes the answer in one transaction.

/** The channel after an upsert: a new one with defaults, or the stored one with `patch` applied. */
export function upsertedChannel(
  stored: ChannelRecord | undefined,
  identity: ChannelIdentity,
  patch: ChannelStatePatch,
  now: number,
): ChannelRecord {
  if (stored) {
    assertSameChannel(stored, identity);
    return patchedChannel(stored, patch, now);
  }
  return {
    ...identity,
    status: patch.status ?? "opening",
    deposit: patch.deposit ?? 0n,
    claimed: patch.claimed ?? 0n,
    closesAt: patch.closesAt ?? null,
    openedTx: patch.openedTx ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

export function patchedChannel(stored: ChannelRecord, patch: ChannelStatePatch, now: number): ChannelRecord {
  return {
    ...stored,
    status: patch.status ?? stored.status,
    deposit: patch.deposit ?? stored.deposit,
    claimed: patch.claimed ?? stored.claimed,
    closesAt: patch.closesAt === undefined ? stored.closesAt : patch.closesAt,
    openedTx: patch.openedTx === undefined ? stored.openedTx : patch.openedTx,
    updatedAt: now,
  };
}

/** Throws unless the channel exists (`role` is its stored role) and we hold the `expected` role in it. */
export function assertRole(
  channelId: string,
  role: ChannelRole | undefined,
  expected: ChannelRole,
  operation: string,
): void {
  if (role === undefined) throw new UnknownChannelError(channelId);
  if (role !== expected) throw new WrongChannelRoleError(channelId, operation, expected, role);
}

/** The claim after an upsert; the amount of a known (txRef, channel) never changes. */
export function upsertedClaim(
  stored: ClaimRecord | undefined,
  parameters: UpsertClaimParameters,
  now: number,
): ClaimRecord {
  if (!stored) return { ...parameters, createdAt: now, updatedAt: now };
  if (stored.amount !== parameters.amount) {
    throw new ClaimConflictError(stored.txRef, stored.channelId, stored.amount, parameters.amount);
  }
  if (stored.status === parameters.status) return stored;
  return { ...stored, status: parameters.status, updatedAt: now };
}

export function compareUnclaimed(a: { unclaimed: bigint; channel: { id: string } }, b: typeof a): number {
  if (a.unclaimed !== b.unclaimed) return a.unclaimed > b.unclaimed ? -1 : 1;
  return a.channel.id < b.channel.id ? -1 : a.channel.id > b.channel.id ? 1 : 0;
}
