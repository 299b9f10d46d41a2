import type { TxResult, Unwatch } from "./types";

/** The immutable terms of a storage deal (contracts/libraries/DealTerms.sol). Amounts in base units. */
export type DealTerms = {
  client: string;
  provider: string;
  /** BEP 52 pieces root, 0x + 64 hex. */
  piecesRoot: string;
  fileLength: bigint;
  price: bigint;
  bond: bigint;
  /** Seconds from acceptance to the end of the deal. */
  duration: number;
  /** Seconds the provider has to answer a challenge. */
  responseWindow: number;
  challengeFee: bigint;
  maxChallenges: number;
  /** The offer's last second (unix seconds): the provider cannot accept after it. */
  offerExpiresAt: bigint;
  salt: bigint;
};

export type DealStatus = "none" | "offered" | "active" | "challenged" | "slashed" | "finished" | "cancelled";

export type DealState = {
  status: DealStatus;
  acceptedAt: bigint;
  withdrawn: bigint;
  earned: bigint;
  challenges: bigint;
  challengedIndex: bigint;
  challengeDeadline: bigint;
};

/** A challenge seen on-chain. */
export type ChallengeEvent = { dealId: string; index: bigint; deadline: bigint; txHash: string; blockNumber: bigint };

/**
 * Everything seedpay does with a StorageBond, chain-neutral (EvmBond over ethers; a TRON
 * implementation follows the same interface). Every write waits for its transaction.
 */
export interface BondAdapter {
  readonly bond: string;
  readonly account: string;
  dealId(terms: DealTerms): string;
  getDeal(terms: DealTerms): Promise<DealState>;
  /** Approves the bond contract to pull `amount` from this account. */
  approve(amount: bigint): Promise<TxResult>;
  offer(terms: DealTerms): Promise<TxResult & { dealId: string }>;
  cancel(terms: DealTerms): Promise<TxResult>;
  /**
   * Accepts with the file's last block and its proof (`proveAcceptance` in src/storage/bond checks
   * the local file's root and length and builds them): the contract refuses terms whose length is
   * not the file's.
   */
  accept(terms: DealTerms, lastBlock: Uint8Array, lastProof: readonly Uint8Array[]): Promise<TxResult>;
  withdrawEarnings(terms: DealTerms): Promise<TxResult>;
  challenge(terms: DealTerms, index: bigint): Promise<TxResult>;
  respond(terms: DealTerms, block: Uint8Array, proof: readonly Uint8Array[]): Promise<TxResult>;
  slash(terms: DealTerms): Promise<TxResult>;
  finish(terms: DealTerms): Promise<TxResult>;
  withdraw(to: string, amount: bigint): Promise<TxResult>;
  /** Calls `onChallenge` for each new BlockChallenged event (each once), polling from `fromBlock`. */
  watchChallenges(parameters: {
    fromBlock?: bigint;
    onChallenge: (challenge: ChallengeEvent) => void | Promise<void>;
    onError?: (error: Error) => void;
    pollingInterval?: number;
  }): Unwatch;
}
