import { hexlify } from "ethers";
import type { BondAdapter, DealTerms } from "../../chain/bondTypes";
import type { TxResult, Unwatch } from "../../chain/types";
import { SeedpayError } from "../../errors/base";
import { proveBlockFromFile } from "../proveBlock";

/** A file on disk that is not the one a deal was made for (its pieces root differs). */
export class WrongFileError extends SeedpayError {
  override name = "WrongFileError";
}

export type StartResponderParameters = {
  bond: BondAdapter;
  /** The deals this provider holds, each with the path of the file it stores for it. */
  deals: { terms: DealTerms; path: string }[];
  /** First block to watch; default: the current block. */
  fromBlock?: bigint;
  pollingInterval?: number;
  onAnswered?: (answer: { dealId: string; index: bigint; tx: TxResult }) => void;
  /** A challenge could not be answered (yet): it is retried on the next poll while its window runs. */
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
  let queue: Promise<void> = Promise.resolve();
  /** Deals whose last answer failed: tried again every polling interval until answered or closed. */
  const retry = new Set<string>();

  // Answers are serialised: one transaction at a time from the provider's account.
  const answer = (dealId: string): Promise<void> =>
    (queue = queue.then(async () => {
      const deal = byId.get(dealId.toLowerCase());
      if (!deal) return;
      try {
        const state = await bond.getDeal(deal.terms);
        if (state.status !== "challenged") return; // answered meanwhile, or no longer open
        const index = state.challengedIndex;
        const proof = await proveBlockFromFile(deal.path, Number(index));
        if (hexlify(proof.piecesRoot) !== deal.terms.piecesRoot.toLowerCase()) {
          throw new WrongFileError(`${deal.path} is not the file of deal ${dealId}`, {
            details: `its pieces root is ${hexlify(proof.piecesRoot)}; the deal's is ${deal.terms.piecesRoot}`,
          });
        }
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
