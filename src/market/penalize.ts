import type { Penalties } from "./types";

/**
 * A winner that did not pay for what it received within its credit has its bids ignored for
 * `rounds` rounds after `round`. It still downloads through the optimistic slot like any unpaid
 * peer: the penalty takes away the paid slot, the one thing it did not pay for.
 */
export function penalize(penalties: Penalties, channelId: string, round: number, rounds: number): Penalties {
  const id = channelId.toLowerCase();
  const until = round + rounds;
  if ((penalties.get(id) ?? -1) >= until) return penalties;
  return new Map(penalties).set(id, until);
}

/** Whether a channel's bids are ignored in `round`. */
export function isPenalized(penalties: Penalties, channelId: string, round: number): boolean {
  return (penalties.get(channelId.toLowerCase()) ?? -1) >= round;
}

/** Drops penalties that ended before `round`. */
export function prunePenalties(penalties: Penalties, round: number): Penalties {
  let next: Map<string, number> | undefined;
  for (const [id, until] of penalties) {
    if (until < round) {
      next ??= new Map(penalties);
      next.delete(id);
    }
  }
  return next ?? penalties;
}
