import type { BondAdapter, DealState, DealTerms } from "../chain/bondTypes";
import type { TxResult, Unwatch } from "../chain/types";
import type { TxLog } from "./progressChain";

/**
 * A BondAdapter that reports each write on stderr as ProgressChain does for the escrow, so the
 * approve before an offer and every answer startResponder sends show up with their gas or energy.
 */
export class ProgressBond implements BondAdapter {
  constructor(
    private readonly inner: BondAdapter,
    readonly txs: TxLog,
  ) {}

  get bond(): string {
    return this.inner.bond;
  }
  get account(): string {
    return this.inner.account;
  }

  dealId(terms: DealTerms): string {
    return this.inner.dealId(terms);
  }
  getDeal(terms: DealTerms): Promise<DealState> {
    return this.inner.getDeal(terms);
  }

  approve(amount: bigint): Promise<TxResult> {
    return this.txs.track("approve", () => this.inner.approve(amount));
  }
  offer(terms: DealTerms): Promise<TxResult & { dealId: string }> {
    return this.txs.track("offer", () => this.inner.offer(terms));
  }
  cancel(terms: DealTerms): Promise<TxResult> {
    return this.txs.track("cancel", () => this.inner.cancel(terms));
  }
  accept(terms: DealTerms, lastBlock: Uint8Array, lastProof: readonly Uint8Array[]): Promise<TxResult> {
    return this.txs.track("accept", () => this.inner.accept(terms, lastBlock, lastProof));
  }
  withdrawEarnings(terms: DealTerms): Promise<TxResult> {
    return this.txs.track("withdrawEarnings", () => this.inner.withdrawEarnings(terms));
  }
  challenge(terms: DealTerms, index: bigint): Promise<TxResult> {
    return this.txs.track("challenge", () => this.inner.challenge(terms, index));
  }
  respond(terms: DealTerms, block: Uint8Array, proof: readonly Uint8Array[]): Promise<TxResult> {
    return this.txs.track("respond", () => this.inner.respond(terms, block, proof));
  }
  slash(terms: DealTerms): Promise<TxResult> {
    return this.txs.track("slash", () => this.inner.slash(terms));
  }
  finish(terms: DealTerms): Promise<TxResult> {
    return this.txs.track("finish", () => this.inner.finish(terms));
  }
  withdraw(to: string, amount: bigint): Promise<TxResult> {
    return this.txs.track("withdraw", () => this.inner.withdraw(to, amount));
  }
  watchChallenges(parameters: Parameters<BondAdapter["watchChallenges"]>[0]): Unwatch {
    return this.inner.watchChallenges(parameters);
  }
}
