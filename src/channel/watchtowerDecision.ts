import type { ChannelRecord } from "../store/types";
import type { WatchtowerGiveUpReason, WatchtowerSkipReason } from "./watchtowerTypes";

/** What the tower does with one channel, given its state freshly read from the chain. */
export type WatchtowerDecision =
  /** Claim: the escrow's claimed total becomes `claimed` (the voucher, capped at the deposit). */
  | { action: "claim"; claimed: bigint }
  | { action: "skip"; reason: WatchtowerSkipReason; detail: string }
  | { action: "giveUp"; reason: WatchtowerGiveUpReason; unclaimed: bigint; detail: string };

/**
 * Decides for a channel synced from the chain and its best stored voucher amount. A claim is sent
 * only while the channel is closing and the voucher pays more than the escrow has credited: a
 * claim that pays nothing new would still cost a transaction (claimMany skips it without reverting).
 */
export function decideWatchtowerClaim(channel: ChannelRecord, best: bigint | undefined): WatchtowerDecision {
  // A claim never pays more than the channel holds.
  const payable = best === undefined ? 0n : best < channel.deposit ? best : channel.deposit;
  if (channel.status === "closed") {
    if (payable > channel.claimed) {
      return {
        action: "giveUp",
        reason: "settled-unclaimed",
        unclaimed: payable - channel.claimed,
        detail: `channel ${channel.id} was settled with ${channel.claimed} claimed; the best voucher pays ${payable}`,
      };
    }
    return { action: "skip", reason: "settled", detail: `channel ${channel.id} is closed; nothing is left unpaid` };
  }
  if (channel.status !== "closing") {
    return {
      action: "skip",
      reason: "not-closing",
      detail: `the chain says channel ${channel.id} is ${channel.status}: no close to answer (reorganised away?)`,
    };
  }
  if (best === undefined) {
    return { action: "skip", reason: "no-voucher", detail: `the store holds no voucher for channel ${channel.id}` };
  }
  if (payable <= channel.claimed) {
    return {
      action: "skip",
      reason: "already-claimed",
      detail: `the escrow credited ${channel.claimed}; the best voucher pays ${payable}`,
    };
  }
  return { action: "claim", claimed: payable };
}

export type RetryDelayParameters = {
  /** Consecutive failures, counting the one just seen (1 or more). */
  attempts: number;
  /** The dispute window's end, unix seconds, if known. */
  closesAt: bigint | undefined;
  /** Unix milliseconds by the chain's clock (the one `closesAt` is measured by). */
  now: number;
  retryDelay: number;
  maxRetryDelay: number;
};

/**
 * Milliseconds before the next attempt: `retryDelay` doubled per failure up to `maxRetryDelay`,
 * but never more than half the time left in the window (so a long backoff cannot sleep through
 * the deadline). The window is in chain time, compared with the local clock: close enough on a
 * live chain, whose block timestamps follow real time.
 */
export function nextRetryDelay({ attempts, closesAt, now, retryDelay, maxRetryDelay }: RetryDelayParameters): number {
  const delay = Math.min(retryDelay * 2 ** Math.min(attempts - 1, 30), maxRetryDelay);
  if (closesAt === undefined) return delay;
  const left = Number(closesAt) * 1000 - now;
  return left > 0 ? Math.max(retryDelay, Math.min(delay, Math.floor(left / 2))) : delay;
}
