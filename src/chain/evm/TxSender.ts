import {
  Transaction,
  type ContractTransactionResponse,
  type Overrides,
  type Provider,
  type TransactionReceipt,
} from "ethers";
import { TransactionUnconfirmedError, toSeedpayError } from "../escrowErrors";
import type { TxResult } from "../types";
import { urgencyOf } from "../urgency";
import { withDeadline } from "../withDeadline";

export type TxSenderOptions = {
  /** Blocks after inclusion before a send returns; default 1 (included). */
  confirmations?: number;
  /** Milliseconds between receipt reads while waiting; default 1000. */
  pollInterval?: number;
  /** Milliseconds without a receipt before the same signed transaction is broadcast again; default 6000. */
  rebroadcastAfter?: number;
  /**
   * Milliseconds without a receipt before it is replaced (same nonce) with fees raised by
   * `feeBumpPercent`; default 20000, and again after as long each time.
   */
  replaceAfter?: number;
  /** Fee raise of a replacement, percent; default 25 (nodes require at least 10). */
  feeBumpPercent?: number;
  /**
   * Milliseconds a send may wait for its receipt in all; default 60000. Then it throws
   * TransactionUnconfirmedError and the next send goes: one lost transaction does not hold up the
   * account's queue for ever, and the next one takes over its nonce.
   */
  timeout?: number;
  /** Milliseconds one request to the node may take; default 10000 (ethers' own is 300 s). */
  requestTimeout?: number;
};

type Sent = { response: ContractTransactionResponse; raw?: string };

/** One send's extras. */
export type SendOptions = {
  /**
   * Reads the transaction needs (gas limit, fees, a static call), run at the same time as the
   * nonce read; what it returns goes into every version's overrides. A claim whose reads run one
   * after another takes as many round trips, which a slow node turns into a lost window.
   */
  prepare?: () => Promise<Overrides>;
  /**
   * Unix ms (this machine's clock) by which it must be mined. Within 3 × replaceAfter of it, a
   * replacement comes sooner and raises fees more, up to URGENCY_CAP times (see urgencyOf in ../urgency).
   */
  deadline?: number;
};

/**
 * Sends one account's transactions one at a time with explicit nonces, follows each until mined,
 * and turns failures into SeedpayErrors.
 *
 * A transaction not seen in a block is broadcast again (a node may accept one and lose it), then
 * replaced with higher fees; after `timeout` the send gives up with TransactionUnconfirmedError
 * (its hashes may still be mined: callers read the chain before trying again).
 *
 * ethers' JsonRpcProvider caches identical requests for 250 ms, so two transactions sent in a row
 * (approve, then open) can both be given the same "pending" nonce; this keeps the next nonce itself
 * and re-reads the chain's after any failure (a failed send may or may not have used its nonce).
 */
export class TxSender {
  private nextNonce?: number;
  /** The last send was never seen mined: the next one reuses its nonce (replacing it if it still lingers). */
  private stuck = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly o: Required<TxSenderOptions>;

  constructor(
    private readonly provider: Provider,
    private readonly account: string,
    options: TxSenderOptions | number = {},
  ) {
    const given = typeof options === "number" ? { confirmations: options } : options;
    this.o = {
      confirmations: 1,
      pollInterval: 1000,
      rebroadcastAfter: 6000,
      replaceAfter: 20_000,
      feeBumpPercent: 25,
      timeout: 60_000,
      requestTimeout: 10_000,
      ...given,
    };
  }

  send(
    action: string,
    submit: (overrides: Overrides) => Promise<ContractTransactionResponse>,
    options: SendOptions = {},
  ): Promise<TxResult> {
    const run = async (): Promise<TxResult> => {
      try {
        const [pending, prepared] = await Promise.all([
          this.request("read the account's nonce", () => this.provider.getTransactionCount(this.account, "pending")),
          options.prepare ? this.request(`prepare ${action}`, options.prepare) : ({} as Overrides),
        ]);
        const withPrepared = (overrides: Overrides): Promise<ContractTransactionResponse> =>
          submit({ ...prepared, ...overrides });
        let nonce = Math.max(pending, this.nextNonce ?? 0);
        let first: ContractTransactionResponse | undefined;
        if (this.stuck) {
          // Take over the lost transaction's nonce; if it lingers in a mempool at a higher fee, queue behind it.
          const mined = await this.request("read the account's nonce", () =>
            this.provider.getTransactionCount(this.account, "latest"),
          );
          if (mined < nonce) first = await withPrepared({ nonce: mined }).catch(() => undefined);
          if (first) nonce = mined;
        }
        first ??= await withPrepared({ nonce });
        this.nextNonce = nonce + 1;
        const receipt = await this.follow(action, nonce, withPrepared, first, options.deadline);
        this.stuck = false;
        return { hash: receipt.hash, blockNumber: BigInt(receipt.blockNumber), gasUsed: receipt.gasUsed };
      } catch (error) {
        this.nextNonce = undefined;
        if (error instanceof TransactionUnconfirmedError) this.stuck = true;
        throw toSeedpayError(action, error);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Waits for any of the transaction's versions to be mined, re-broadcasting and replacing it meanwhile. */
  private async follow(
    action: string,
    nonce: number,
    submit: (overrides: Overrides) => Promise<ContractTransactionResponse>,
    first: ContractTransactionResponse,
    deadline: number | undefined,
  ): Promise<TransactionReceipt> {
    const sent: Sent[] = [{ response: first, raw: serialize(first) }];
    const start = Date.now();
    let lastBroadcast = start;
    let lastReplacement = start;
    let lastError: unknown;
    for (;;) {
      for (const { response } of sent) {
        let receipt: TransactionReceipt | null = null;
        try {
          receipt = await this.request(`read the receipt of ${response.hash}`, () =>
            this.provider.getTransactionReceipt(response.hash),
          );
        } catch (error) {
          lastError = error;
        }
        if (!receipt) continue;
        if (receipt.status === 0) {
          // Mined and reverted: ethers' wait turns the receipt into CALL_EXCEPTION with the reason.
          await this.request(`read the revert of ${response.hash}`, () => response.wait(0));
          throw new Error(`transaction ${response.hash} reverted`);
        }
        // A receipt is one confirmation: only deeper ones cost another read (a round trip that counts near a deadline).
        if (this.o.confirmations <= 1) return receipt;
        if ((await this.request("read the confirmations", () => receipt.confirmations())) >= this.o.confirmations) {
          return receipt;
        }
        lastBroadcast = lastReplacement = Date.now(); // mined: only confirmations are awaited now
      }
      const now = Date.now();
      const latest = sent[sent.length - 1];
      if (now - start >= this.o.timeout) {
        throw new TransactionUnconfirmedError(
          action,
          latest.response.hash,
          lastError ?? new Error(`not mined within ${this.o.timeout} ms (sent ${sent.length} version(s))`),
        );
      }
      const urgency = urgencyOf(deadline === undefined ? undefined : deadline - now, this.o.replaceAfter);
      if (now - lastReplacement >= this.o.replaceAfter / urgency) {
        lastReplacement = lastBroadcast = now;
        const bump = Math.ceil(this.o.feeBumpPercent * urgency);
        const replacement = await submit({ nonce, ...bumpedFees(latest.response, bump) }).catch((error: unknown) => {
          // Most often: the nonce is used (an earlier version was mined meanwhile): the receipts say.
          lastError = error;
          return undefined;
        });
        if (replacement) sent.push({ response: replacement, raw: serialize(replacement) });
      } else if (now - lastBroadcast >= this.o.rebroadcastAfter) {
        lastBroadcast = now;
        for (const { raw } of sent) {
          if (!raw) continue;
          await this.request("broadcast again", () => this.provider.broadcastTransaction(raw)).catch(() => {
            // "already known" or "nonce too low": nothing was lost.
          });
        }
      }
      await new Promise((r) => setTimeout(r, this.o.pollInterval));
    }
  }

  private request<T>(action: string, run: () => Promise<T>): Promise<T> {
    return withDeadline(run(), this.o.requestTimeout, action);
  }
}

/** The signed transaction as broadcast, to send it again unchanged; undefined if the node's answer lacks a field. */
function serialize(response: ContractTransactionResponse): string | undefined {
  try {
    return Transaction.from(response).serialized;
  } catch {
    return undefined;
  }
}

/** Fees `percent` above the transaction's own (EIP-1559 or legacy), as a replacement needs. */
function bumpedFees(response: ContractTransactionResponse, percent: number): Overrides {
  const up = (v: bigint) => (v * BigInt(100 + percent)) / 100n + 1n;
  if (response.maxFeePerGas != null && response.maxPriorityFeePerGas != null) {
    return { maxFeePerGas: up(response.maxFeePerGas), maxPriorityFeePerGas: up(response.maxPriorityFeePerGas) };
  }
  return response.gasPrice != null ? { gasPrice: up(response.gasPrice) } : {};
}
