import type { BandwidthLedger } from "./bandwidth";

/** What `DevChain.reorg` (and `POST /admin/reorg`) is asked to do. */
export interface ReorgParameters {
  /** Blocks at the head replaced by the fork: at least 1, at most `solidityDelay` (a solidified block is final). */
  depth: number;
  /**
   * Milliseconds before the dropped blocks' transactions are back in the pending pool (the winning
   * fork's producer did not have them yet); default 0, the pool at once.
   */
  reincludeAfterMs?: number;
  /** Transaction ids of the dropped blocks that the pool loses instead (they never come back unless broadcast again). */
  drop?: string[];
  /** The pool also loses every transaction waiting for a block (the winning fork's producer never saw them). */
  dropPending?: boolean;
  /**
   * Only if the head is still this block id (compare-and-swap): a test that read the chain to choose
   * `depth` and `drop` is refused, rather than reorganising other blocks, when a block came in between.
   */
  ifHead?: string;
}

export interface ReorgResult {
  /** The blocks replaced, oldest first. */
  removed: { number: number; id: string }[];
  /** The new head: the fork is one block longer than what it replaced (java-tron switches only to a longer fork). */
  head: { number: number; id: string };
  /** Transactions going back to the pool (after `reincludeAfterMs`), in their old chain order. */
  reincluded: string[];
  /** Transactions the pool lost: of the dropped blocks, listed in `drop`; pending ones, with `dropPending`. */
  dropped: string[];
}

/** A reorg the node cannot do; the message says why and what to ask instead. */
export class ReorgError extends Error {
  override name = "ReorgError";
}

/** The state to go back to for a fork from a block: an EVM snapshot of its end, and the bandwidth ledger then. */
export interface ForkPoint {
  snapshot: string;
  bandwidth: ReturnType<BandwidthLedger["save"]>;
}

/** Checks a reorg's parameters against the chain: throws ReorgError with what to ask instead. */
export function checkReorg(
  p: ReorgParameters,
  chain: { head: number; headId: string; solidityDelay: number; reorgs: boolean },
): void {
  if (!chain.reorgs) {
    throw new ReorgError(
      "this devnode keeps no fork points: start it with `reorgs: true` (startDevnode) to reorganise its chain",
    );
  }
  if (!Number.isSafeInteger(p.depth) || p.depth < 1) {
    throw new ReorgError(`depth must be a positive integer (blocks replaced at the head), not ${p.depth}`);
  }
  if (p.ifHead !== undefined && String(p.ifHead).toLowerCase() !== chain.headId) {
    throw new ReorgError(
      `the head is now block ${chain.head} (${chain.headId}), not ${p.ifHead}: read the chain again and choose the depth anew`,
    );
  }
  const delay = chain.solidityDelay;
  if (p.depth > delay || p.depth > chain.head) {
    const oldest = chain.head - p.depth + 1;
    throw new ReorgError(
      `a reorg of ${p.depth} blocks would replace block ${oldest}, which is ` +
        (oldest <= 0
          ? "the genesis block"
          : `solidified (solidityDelay ${delay}: blocks up to ${chain.head - delay} are final)`) +
        `: ask for a depth of at most ${Math.min(delay, chain.head)}`,
    );
  }
  const after = p.reincludeAfterMs ?? 0;
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new ReorgError(`reincludeAfterMs must be a non-negative integer of milliseconds, not ${after}`);
  }
  for (const id of p.drop ?? []) {
    if (typeof id !== "string" || !/^[0-9a-fA-F]{64}$/.test(id)) {
      throw new ReorgError(`drop: ${JSON.stringify(id)} is not a transaction id (64 hex digits)`);
    }
  }
}
