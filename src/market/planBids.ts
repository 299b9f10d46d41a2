import { InvalidBiddingStrategyError } from "./errors";

/** What a leecher knows of one seeder it could bid to. */
export type SeederView = {
  seederId: string;
  /** MiB this seeder is expected to deliver in one paid slot for one round (its rate × round). */
  expectedMiBPerRound: number;
  /** The last round outcome this seeder announced to us, if we bid there before. */
  last?: { round: number; won: boolean; clearingPrice: bigint };
};

export type PlanBidsParameters = {
  /** The user's "speed boost": the most a MiB is worth to them (their value, bid as is). */
  maxPricePerMiB: bigint;
  /** What is left to spend, in base units. */
  budget: bigint;
  /** The round the bids are for. */
  round: number;
  seeders: readonly SeederView[];
  /** Most seeders bid to at once (default 4). */
  maxSeeders?: number;
  /** Rounds to stay away from a seeder whose clearing price was above our value (default 3). */
  retryAfterRounds?: number;
};

export type PlannedBid = { seederId: string; pricePerMiB: bigint; fromRound: number; untilRound: number };

export type PlanBidsReturnType = {
  bids: PlannedBid[];
  /** Seeders not bid to this round, and why. */
  skipped: { seederId: string; reason: "priced-out" | "budget" | "limit" }[];
};

/**
 * Leecher side, once per round: bid the user's value per MiB (never shaded: the auction makes
 * that the best bid) to several seeders at once, one round at a time (unit demand per seeder and
 * round, where the uniform price is truthful), and move demand to where it wins:
 * 1. seeders where we won last round, cheapest first (keep what works);
 * 2. seeders never tried, fastest first;
 * 3. seeders where we lost: at once if the clearing price equalled our value (a tie or the
 *    reserve), after `retryAfterRounds` if it was above it (priced out: others value it more).
 * The budget bounds how many seeders: each one counted at its worst case (our full bid for its
 * expected MiB), so winning everywhere at once never spends more than is left.
 */
export function planBids(p: PlanBidsParameters): PlanBidsReturnType {
  const maxSeeders = p.maxSeeders ?? 4;
  const retryAfter = p.retryAfterRounds ?? 3;
  if (typeof p.maxPricePerMiB !== "bigint" || p.maxPricePerMiB < 0n) {
    throw new InvalidBiddingStrategyError("maxPricePerMiB", p.maxPricePerMiB, "a bigint >= 0n (base units per MiB)");
  }
  if (typeof p.budget !== "bigint" || p.budget < 0n) {
    throw new InvalidBiddingStrategyError("budget", p.budget, "a bigint >= 0n (base units)");
  }
  if (!Number.isSafeInteger(maxSeeders) || maxSeeders < 1) {
    throw new InvalidBiddingStrategyError("maxSeeders", maxSeeders, "an integer >= 1");
  }
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 0) {
    throw new InvalidBiddingStrategyError("retryAfterRounds", retryAfter, "an integer >= 0");
  }
  const value = p.maxPricePerMiB;
  const skipped: PlanBidsReturnType["skipped"] = [];
  const kept: SeederView[] = [];
  const fresh: SeederView[] = [];
  const retry: SeederView[] = [];
  for (const s of p.seeders) {
    if (!s.last) fresh.push(s);
    else if (s.last.won) kept.push(s);
    else if (s.last.clearingPrice <= value || p.round - s.last.round > retryAfter) retry.push(s);
    else skipped.push({ seederId: s.seederId, reason: "priced-out" });
  }
  kept.sort((a, b) =>
    a.last!.clearingPrice < b.last!.clearingPrice ? -1 : a.last!.clearingPrice > b.last!.clearingPrice ? 1 : 0,
  );
  fresh.sort((a, b) => b.expectedMiBPerRound - a.expectedMiBPerRound);
  retry.sort((a, b) =>
    a.last!.clearingPrice < b.last!.clearingPrice ? -1 : a.last!.clearingPrice > b.last!.clearingPrice ? 1 : 0,
  );

  const bids: PlannedBid[] = [];
  let committed = 0n;
  for (const s of [...kept, ...fresh, ...retry]) {
    if (bids.length >= maxSeeders) {
      skipped.push({ seederId: s.seederId, reason: "limit" });
      continue;
    }
    const worstCase = worstCaseCost(value, s.expectedMiBPerRound);
    if (committed + worstCase > p.budget) {
      skipped.push({ seederId: s.seederId, reason: "budget" });
      continue;
    }
    committed += worstCase;
    bids.push({ seederId: s.seederId, pricePerMiB: value, fromRound: p.round, untilRound: p.round });
  }
  return { bids, skipped };
}

/** Our bid for `mib` MiB, rounded up to 1/1024 MiB (KiB) so the bound is never low. */
function worstCaseCost(pricePerMiB: bigint, mib: number): bigint {
  if (!Number.isFinite(mib) || mib < 0)
    throw new InvalidBiddingStrategyError("expectedMiBPerRound", mib, "a finite number >= 0");
  return (pricePerMiB * BigInt(Math.ceil(mib * 1024)) + 1023n) / 1024n;
}
