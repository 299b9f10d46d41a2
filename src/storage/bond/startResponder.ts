import type { BondAdapter, DealTerms } from "../../chain/bondTypes";
import type { TxResult, Unwatch } from "../../chain/types";
import { checkDealFile, proveDealBlock, type DealFile } from "./dealFile";

export { WrongFileError } from "./dealFile";

export type StartResponderParameters = {
  bond: BondAdapter;
  /** The deals this provider holds, each with the path of the file it stores for it. */
  deals: { terms: DealTerms; path: string }[];
  /** First block to watch; default: the current block. */
  fromBlock?: bigint;
  pollingInterval?: number;
  onAnswered?: (answer: { dealId: string; index: bigint; tx: TxResult }) => void;
  /**
   * A challenge could not be answered (yet): it is retried on the next poll while its window runs.
   * A file whose root or length is not its deal's is reported here as a WrongFileError at start,
   * before any challenge, and nothing is ever sent for that deal from it.
   */
  onError?: (error: Error) => void;
};

/**
 * The provider's side of storage deals: answers every challenge on its deals from the files on
 * disk, before the deadline. Challenges left open while it was not running are answered at start.
 * Returns a function that stops it.
 */
export function startResponder(parameters: StartResponderParameters): Unwatch {
  const { bond, onAnswered, onError } = parameters;
  const byId = new Map(parameters.deals.map((d) => [bond.dealId(d.terms).toLowerCase(), d]));
  /** Each deal's file, hashed once and checked against the terms (root and length); retried after a failure. */
  const files = new Map<string, Promise<DealFile>>();
  const fileOf = (id: string, deal: { terms: DealTerms; path: string }): Promise<DealFile> => {
    if (!files.has(id)) {
      const checked = checkDealFile(deal.path, deal.terms);
      files.set(id, checked);
      checked.catch(() => files.delete(id));
    }
    return files.get(id)!;
  };
  let queue: Promise<void> = Promise.resolve();
  /** Deals whose last answer failed: tried again every polling interval until answered or closed. */
  const retry = new Set<string>();

  // Answers are serialised: one transaction at a time from the provider's account.
  const answer = (dealId: string): Promise<void> =>
    (queue = queue.then(async () => {
      const deal = byId.get(dealId.toLowerCase());
      if (!deal) return;
      try {
        // The file is checked (root and length) before the chain is even asked.
        const file = await fileOf(dealId.toLowerCase(), deal);
        const state = await bond.getDeal(deal.terms);
        if (state.status !== "challenged") return; // answered meanwhile, or no longer open
        const index = state.challengedIndex;
        const proof = await proveDealBlock(file, Number(index));
        const tx = await bond.respond(deal.terms, proof.block, proof.proof);
        onAnswered?.({ dealId, index, tx });
      } catch (error) {
        retry.add(dealId);
        try {
          onError?.(error instanceof Error ? error : new Error(String(error)));
        } catch {
          // A throwing listener would reject the answer queue and so skip every later answer.
        }
      }
    }));

  for (const id of byId.keys()) void answer(id);
  const timer = setInterval(() => {
    for (const id of retry) {
      retry.delete(id);
      void answer(id);
    }
  }, parameters.pollingInterval ?? 1000);
  const unwatch = bond.watchChallenges({
    fromBlock: parameters.fromBlock,
    pollingInterval: parameters.pollingInterval,
    onError,
    onChallenge: (challenge) => answer(challenge.dealId),
  });
  return () => {
    clearInterval(timer);
    unwatch();
  };
}
