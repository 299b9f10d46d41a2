import type { ContractTransactionResponse, Overrides, Provider } from "ethers";
import { TransactionUnconfirmedError, toSeedpayError } from "../escrowErrors";
import type { TxResult } from "../types";

/**
 * Sends one account's transactions one at a time with explicit nonces, waits for each, and turns
 * failures into SeedpayErrors.
 *
 * ethers' JsonRpcProvider caches identical requests for 250 ms, so two transactions sent in a row
 * (approve, then open) can both be given the same "pending" nonce; this keeps the next nonce itself
 * and re-reads the chain's after any failure (a failed send may or may not have used its nonce).
 */
export class TxSender {
  private nextNonce?: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly provider: Provider,
    private readonly account: string,
    private readonly confirmations = 1,
  ) {}

  send(action: string, submit: (overrides: Overrides) => Promise<ContractTransactionResponse>): Promise<TxResult> {
    const run = async (): Promise<TxResult> => {
      try {
        const pending = await this.provider.getTransactionCount(this.account, "pending");
        const nonce = Math.max(pending, this.nextNonce ?? 0);
        const tx = await submit({ nonce });
        this.nextNonce = nonce + 1;
        let receipt;
        try {
          receipt = await tx.wait(this.confirmations);
        } catch (error) {
          // A revert has a receipt and is final; anything else leaves the outcome unknown.
          if ((error as { code?: string }).code === "CALL_EXCEPTION") throw error;
          throw new TransactionUnconfirmedError(action, tx.hash, error);
        }
        if (!receipt) throw new Error(`transaction ${tx.hash} was dropped`);
        return { hash: receipt.hash, blockNumber: BigInt(receipt.blockNumber), gasUsed: receipt.gasUsed };
      } catch (error) {
        this.nextNonce = undefined;
        throw toSeedpayError(action, error);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
