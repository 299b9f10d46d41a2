/**
 * A buyer's bidding across the sellers of one torrent that sell slots by auction: bids the user's
 * value per MiB as is (truthful: the uniform price makes that the best bid), to several sellers
 * at once, moving demand to where it wins (the pure strategy is `planBids` in src/market/), and
 * never spends more than the budget. Each seller's `round` message triggers the plan for that
 * seller, so every seller gets a fresh bid once per round of its own.
 */
import { InvalidBiddingStrategyError } from "../market/errors";
import { planBids, type SeederView } from "../market/planBids";
import type { BuyerSession } from "./buyerSession";

/** The buyer's bidding (`AttachPaymentsParameters.buyer.bidding`): the user's "speed boost". */
export type BiddingOptions = {
  /** The most a MiB is worth to the user (base units): bid as is to every seller. */
  maxPricePerMiB: bigint;
  /** The most to spend on this torrent through auctions (base units). */
  budget: bigint;
  /** Most sellers bid to at once (default 4). */
  maxSeeders?: number;
};

/**
 * Rounds one bid stands for. Ten, not one: the seller's `round` message, which prompts the next
 * bid, queues behind the data already written to a winner's connection: in the real-peer test
 * (768 KiB/s shared, 1 s rounds) that is several seconds, and bids of 2 or 3 rounds still lapsed.
 * A new bid replaces the standing one, so only one bid counts in any round, and the buyer
 * withdraws a bid by bidding 0 (its own upload direction is not congested, so that is prompt): a
 * zero bid never pays anything (it wins only where nobody else bids, at price 0).
 */
export const BID_ROUNDS = 10;

/** What one seller looks like to the plan, kept by its BuyerSession. */
export type BidderView = {
  /** The seller's latest round number. */
  round: number;
  /** The outcome of the last round our bid stood in, with that round's number. */
  last?: { round: number; won: boolean; clearingPrice: bigint };
  /** Most MiB received in one won round so far. */
  bestMiBPerRound?: number;
};

/** Without an observation of a seller's slot, the plan assumes it delivers this much per round. */
export const DEFAULT_MIB_PER_ROUND = 1;

export class Bidder {
  private maxPricePerMiB: bigint;
  readonly budget: bigint;
  private readonly maxSeeders: number;
  /** Paid (signed) through auctions so far. */
  spent = 0n;
  private readonly sessions = new Set<BuyerSession>();

  constructor(
    options: BiddingOptions,
    private readonly log?: (line: string) => void,
  ) {
    // planBids checks the same fields; checked here too so a bad setting fails at attach time.
    planBids({ maxPricePerMiB: options.maxPricePerMiB, budget: options.budget, round: 0, seeders: [] });
    if (options.maxSeeders !== undefined && (!Number.isSafeInteger(options.maxSeeders) || options.maxSeeders < 1)) {
      throw new InvalidBiddingStrategyError("maxSeeders", options.maxSeeders, "an integer >= 1");
    }
    this.maxPricePerMiB = options.maxPricePerMiB;
    this.budget = options.budget;
    this.maxSeeders = options.maxSeeders ?? 4;
  }

  get valuePerMiB(): bigint {
    return this.maxPricePerMiB;
  }

  /** The user changed the "speed boost": the new value is bid to every seller the plan keeps, at once. */
  setMaxPrice(maxPricePerMiB: bigint): void {
    planBids({ maxPricePerMiB, budget: 0n, round: 0, seeders: [] });
    this.maxPricePerMiB = maxPricePerMiB;
    for (const session of this.sessions) this.bidTo(session);
  }

  /** A seller connection can bid (its channel was accepted). */
  add(session: BuyerSession): void {
    this.sessions.add(session);
    this.bidTo(session);
  }

  remove(session: BuyerSession): void {
    this.sessions.delete(session);
  }

  /** A seller told us its round's outcome: bid there again if the plan keeps it. */
  onRound(session: BuyerSession): void {
    if (this.sessions.has(session)) this.bidTo(session);
  }

  /**
   * Asks to pay `amount` more through an auction; false (and nothing counted) when it would pass
   * the budget. The plan keeps the expected spend within budget; this is the hard stop.
   */
  spend(amount: bigint): boolean {
    if (this.spent + amount > this.budget) return false;
    this.spent += amount;
    return true;
  }

  /**
   * Plans across every seller, from `session`'s round, and sends `session` its bid if it is kept.
   * A seller the plan now keeps but that has no standing bid gets one at once too: a seller only
   * reports rounds to its bidders, so waiting for its round would wait for ever.
   */
  private bidTo(session: BuyerSession): void {
    const reference = session.bidderView.round + 1;
    const seeders: SeederView[] = [];
    for (const s of this.sessions) {
      const view = s.bidderView;
      // Each seller counts its own rounds: express each one's last outcome as "so many rounds ago".
      const shift = reference - (view.round + 1);
      seeders.push({
        seederId: s.id,
        expectedMiBPerRound: view.bestMiBPerRound ?? DEFAULT_MIB_PER_ROUND,
        ...(view.last && { last: { ...view.last, round: view.last.round + shift } }),
      });
    }
    const plan = planBids({
      maxPricePerMiB: this.maxPricePerMiB,
      budget: this.budget - this.spent,
      round: reference,
      seeders,
      maxSeeders: this.maxSeeders,
    });
    const kept = new Set(plan.bids.map((b) => b.seederId));
    for (const s of this.sessions) {
      const keep = kept.has(s.id);
      if (s !== session && (!keep || s.roundsSinceBid < BID_ROUNDS)) continue;
      if (keep) {
        s.sendBid(this.maxPricePerMiB, BID_ROUNDS);
        continue;
      }
      // Dropped by the plan: withdraw a bid that may still stand there.
      if (s.roundsSinceBid < BID_ROUNDS && s.lastBid !== 0n) s.sendBid(0n, 1);
      if (plan.skipped.find((x) => x.seederId === s.id)?.reason === "budget" && this.spent > 0n) {
        this.log?.(`not bidding to ${s.id}: the budget left cannot pay for a won round there`);
      }
    }
  }
}
