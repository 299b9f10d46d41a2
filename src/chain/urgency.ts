/** Most a deadline speeds up replacements and multiplies their fee raise. */
export const URGENCY_CAP = 4;

/**
 * How hard to push a transaction with `left` ms until its deadline: 1 while more than three
 * `period`s are left, rising as 3 × period / left to URGENCY_CAP (at 3/4 of a period left, and
 * after the deadline). On EVM the period is TxSender's replaceAfter: replacements then come every
 * replaceAfter / urgency with a fee raise of feeBumpPercent × urgency, so the last chances cost
 * more and come faster. On TRON (no fee market) it widens the fee limit (TronChain.claimMany).
 */
export function urgencyOf(left: number | undefined, period: number): number {
  if (left === undefined) return 1;
  if (left <= 0) return URGENCY_CAP;
  return Math.min(URGENCY_CAP, Math.max(1, (3 * period) / left));
}
