import type { ContractTransactionResponse, TransactionResponse } from "ethers";
import type {
  ChainAdapter,
  ChannelState,
  ClaimOptions,
  ClaimRequest,
  CloseWithConsentRequest,
  TxResult,
  Unwatch,
  WatchEscrowEventsParameters,
} from "../chain/types";
import type { ChannelKey } from "../voucher/typedData";
import { formatGas } from "./format";
import type { Output } from "./output";

/** A transaction a command sent, for its summary and `--json`. */
export type SentTransaction = { action: string; hash: string; blockNumber: number; gasUsed: string };

/**
 * Records every transaction and reports each on stderr: "sending open… confirmed in block 7, gas 69,122"
 * (on TRON "energy 53,664": what a TxResult's gasUsed counts there).
 */
export class TxLog {
  readonly sent: SentTransaction[] = [];
  /** What to tell a user who interrupts a send (Ctrl-C): how to find out whether it landed. */
  interruptHint = "Check with `seedpay status` (or the chain's explorer) before sending it again.";

  constructor(
    private readonly out: Output,
    readonly unit: "gas" | "energy" = "gas",
  ) {}

  async track<T extends TxResult>(action: string, send: () => Promise<T>): Promise<T> {
    this.out.begin(`sending ${action}… `);
    // Ctrl-C mid-send: the signed transaction may already be with the node. Node's default would
    // exit 130 silently; say so and how to check, then exit 130 all the same.
    const interrupted = (): void => {
      this.out.done("interrupted");
      this.out.note(`interrupted while sending ${action}: the transaction may still land.`);
      this.out.note(`  ${this.interruptHint}`);
      process.exit(130);
    };
    process.once("SIGINT", interrupted);
    let result: T;
    try {
      result = await send();
    } catch (error) {
      this.out.done("failed");
      throw error;
    } finally {
      process.off("SIGINT", interrupted);
    }
    this.out.done(`confirmed in block ${result.blockNumber}, ${this.unit} ${formatGas(result.gasUsed)}`);
    this.sent.push({
      action,
      hash: result.hash,
      blockNumber: Number(result.blockNumber),
      gasUsed: result.gasUsed.toString(),
    });
    return result;
  }

  /** Sends a raw ethers transaction (deployments, the test token) and waits for it. */
  async send(
    action: string,
    submit: () => Promise<ContractTransactionResponse | TransactionResponse>,
  ): Promise<TxResult> {
    return this.track(action, async () => {
      try {
        const tx = await submit();
        const receipt = await tx.wait();
        if (!receipt) throw new Error(`transaction ${tx.hash} was dropped`);
        return { hash: receipt.hash, blockNumber: BigInt(receipt.blockNumber), gasUsed: receipt.gasUsed };
      } catch (error) {
        // Loaded here, not at startup: it pulls in the contract bindings (see session.ts).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { toSeedpayError } = require("../chain/escrowErrors") as typeof import("../chain/escrowErrors");
        throw toSeedpayError(action, error);
      }
    });
  }

  /** Total gas of everything sent. */
  get gasUsed(): bigint {
    return this.sent.reduce((sum, tx) => sum + BigInt(tx.gasUsed), 0n);
  }
}

/**
 * A ChainAdapter that reports each write on stderr as it happens, so the library's state
 * machines (Payer.open, Payee.claimDue, ...) show their transactions without knowing about the CLI.
 */
export class ProgressChain implements ChainAdapter {
  constructor(
    private readonly inner: ChainAdapter,
    readonly txs: TxLog,
  ) {}

  get escrow(): string {
    return this.inner.escrow;
  }
  get account(): string {
    return this.inner.account;
  }

  chainId(): Promise<bigint> {
    return this.inner.chainId();
  }
  latestBlock(): Promise<{ number: bigint; timestamp: bigint }> {
    return this.inner.latestBlock();
  }
  token(): Promise<string> {
    return this.inner.token();
  }
  getChannel(channelId: string): Promise<ChannelState> {
    return this.inner.getChannel(channelId);
  }
  escrowBalance(account: string): Promise<bigint> {
    return this.inner.escrowBalance(account);
  }
  tokenBalance(account: string): Promise<bigint> {
    return this.inner.tokenBalance(account);
  }
  allowance(owner: string): Promise<bigint> {
    return this.inner.allowance(owner);
  }

  approve(amount: bigint): Promise<TxResult> {
    return this.txs.track("approve", () => this.inner.approve(amount));
  }
  open(key: ChannelKey, amount: bigint): Promise<TxResult & { channelId: string }> {
    return this.txs.track("open", () => this.inner.open(key, amount));
  }
  openMany(deposits: { key: ChannelKey; amount: bigint }[]): Promise<TxResult & { channelIds: string[] }> {
    return this.txs.track("openMany", () => this.inner.openMany(deposits));
  }
  topUp(channelId: string, amount: bigint): Promise<TxResult> {
    return this.txs.track("topUp", () => this.inner.topUp(channelId, amount));
  }
  claim(request: ClaimRequest): Promise<TxResult> {
    return this.txs.track("claim", () => this.inner.claim(request));
  }
  claimMany(requests: ClaimRequest[], options?: ClaimOptions): Promise<TxResult & { credited: bigint }> {
    const n = requests.length;
    return this.txs.track(`claimMany (${n} channel${n === 1 ? "" : "s"})`, () =>
      this.inner.claimMany(requests, options),
    );
  }
  withdraw(to: string, amount: bigint): Promise<TxResult> {
    return this.txs.track("withdraw", () => this.inner.withdraw(to, amount));
  }
  close(request: ClaimRequest | { key: ChannelKey }): Promise<TxResult> {
    return this.txs.track("close", () => this.inner.close(request));
  }
  closeWithConsent(request: CloseWithConsentRequest): Promise<TxResult> {
    return this.txs.track("closeWithConsent", () => this.inner.closeWithConsent(request));
  }
  startClose(key: ChannelKey): Promise<TxResult> {
    return this.txs.track("startClose", () => this.inner.startClose(key));
  }
  settle(key: ChannelKey): Promise<TxResult> {
    return this.txs.track("settle", () => this.inner.settle(key));
  }
  watchEvents(parameters: WatchEscrowEventsParameters): Unwatch {
    return this.inner.watchEvents(parameters);
  }
}
