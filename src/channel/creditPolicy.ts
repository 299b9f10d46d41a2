/**
 * How a torrent client prices data and how much trust it extends, as pure functions: no chain,
 * no clock, no I/O. Amounts are token base units (BTT has 18 decimals).
 */

/** What data costs. A piece costs `perPiece` plus `perByte` for each of its bytes. */
export type Price = {
  perByte?: bigint;
  perPiece?: bigint;
};

/** How much a party lets run ahead: the price of data, the payee's unpaid credit and the payer's prepayment. */
export type CreditPolicy = {
  price: Price;
  /** Payee: the most unpaid work (priced) it serves ahead of vouchers. 0 = pay before each piece. */
  maxUnpaidCredit: bigint;
  /** Payer: the most it pays ahead of data received. */
  maxPrepayment: bigint;
};

/** The price of one piece of `bytes` bytes. */
export function priceOf(price: Price, bytes: number): bigint {
  if (!Number.isInteger(bytes) || bytes < 0)
    throw new RangeError(`piece size must be a non-negative integer, got ${bytes}`);
  return (price.perPiece ?? 0n) + (price.perByte ?? 0n) * BigInt(bytes);
}

export type ServeDecisionParameters = {
  /** Priced value of everything served on the channel so far. */
  served: bigint;
  /** The best voucher received (cumulative). */
  paid: bigint;
  /** Size of the piece the peer asks for next. */
  nextPieceBytes: number;
  /** The channel's deposit: vouchers above it cannot be claimed. */
  deposit: bigint;
};

export type ServeDecision =
  | { serve: true; unpaidAfter: bigint }
  | { serve: false; reason: "credit-exhausted" | "deposit-exhausted"; needed: bigint };

/**
 * Payee side: serve the next piece only if the unpaid work after serving it stays within the
 * credit extended, and the channel's deposit could still pay for it.
 */
export function decideServe(policy: CreditPolicy, p: ServeDecisionParameters): ServeDecision {
  const after = p.served + priceOf(policy.price, p.nextPieceBytes);
  if (after > p.deposit) return { serve: false, reason: "deposit-exhausted", needed: after - p.deposit };
  const unpaidAfter = after > p.paid ? after - p.paid : 0n;
  if (unpaidAfter > policy.maxUnpaidCredit) {
    return { serve: false, reason: "credit-exhausted", needed: unpaidAfter - policy.maxUnpaidCredit };
  }
  return { serve: true, unpaidAfter };
}

export type NextVoucherParameters = {
  /** Priced value of everything received on the channel so far. */
  received: bigint;
  /** The highest cumulative amount already signed for the channel. */
  issued: bigint;
  /** The channel's deposit. */
  deposit: bigint;
};

/**
 * Payer side: the cumulative amount to sign now, or undefined if nothing new is owed. Pays for
 * what was received plus up to `maxPrepayment` ahead, never above the deposit, never lower than
 * or equal to what was already signed.
 */
export function nextVoucherAmount(policy: CreditPolicy, p: NextVoucherParameters): bigint | undefined {
  let target = p.received + policy.maxPrepayment;
  if (target > p.deposit) target = p.deposit;
  return target > p.issued ? target : undefined;
}

/** Payer side: how much to top up so the deposit covers `upcoming` more value plus the prepayment. */
export function topUpNeeded(policy: CreditPolicy, p: { issued: bigint; deposit: bigint; upcoming: bigint }): bigint {
  const needed = p.issued + p.upcoming + policy.maxPrepayment;
  return needed > p.deposit ? needed - p.deposit : 0n;
}

/** When a {@link Payee} claims an open channel; a closing one is always claimed at once. */
export type ClaimPolicy = {
  /** Claim once this much is unclaimed. A closing channel is claimed at once, whatever the amount. */
  threshold: bigint;
};

export type ClaimDecisionParameters = {
  /** The best voucher held (cumulative). */
  best: bigint;
  /** What the escrow has already credited for the channel. */
  claimed: bigint;
  status: "open" | "closing" | "closed";
  /** When a closing channel's window ends (unix seconds). */
  closesAt: bigint;
  /** Now (unix seconds). */
  now: bigint;
};

export type ClaimDecision = { claim: false } | { claim: true; reason: "threshold" | "closing"; amount: bigint };

/**
 * Payee side: claim when enough is unclaimed, and always claim a closing channel before its window
 * ends (an offline payee's watchtower runs this on every channel it guards).
 */
export function decideClaim(policy: ClaimPolicy, p: ClaimDecisionParameters): ClaimDecision {
  if (p.status === "closed" || p.best <= p.claimed) return { claim: false };
  const amount = p.best - p.claimed;
  if (p.status === "closing") return { claim: true, reason: "closing", amount };
  if (amount >= policy.threshold) return { claim: true, reason: "threshold", amount };
  return { claim: false };
}
