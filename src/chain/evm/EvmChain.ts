import type { ContractTransactionResponse, Overrides, Provider, Signer } from "ethers";
import { ChannelEscrow__factory, IERC20__factory, type ChannelEscrow, type IERC20 } from "../../../typechain-types";
import { channelId, type ChannelKey } from "../../voucher/typedData";
import type {
  ChainAdapter,
  ChannelState,
  ChannelStatus,
  ClaimOptions,
  ClaimRequest,
  CloseWithConsentRequest,
  TxResult,
  Unwatch,
  WatchEscrowEventsParameters,
} from "../types";
import { toSeedpayError } from "../escrowErrors";
import { withDeadline } from "../withDeadline";
import { TxSender, type TxSenderOptions } from "./TxSender";
import { watchEscrowEvents } from "./watchEscrowEvents";

const STATUSES: ChannelStatus[] = ["none", "open", "closing", "closed"];

/** Where {@link EvmChain} connects: an ethers signer with its provider, and the escrow. */
export type EvmChainParameters = {
  /**
   * Signs and sends transactions; must be connected to a provider. With an ethers JsonRpcProvider,
   * create it with `cacheTimeout: -1`: its default 250 ms request cache would hand two transactions
   * sent in a row (approve, then open) the same "pending" nonce.
   */
  signer: Signer;
  /** The ChannelEscrow's address. */
  escrow: string;
  /** Blocks to wait for after inclusion before a write returns; default 1 (included). */
  confirmations?: number;
  /** Milliseconds one read may take before it fails; default 10000 (ethers' own timeout is 300 s). */
  requestTimeout?: number;
  /** How writes are followed until mined: re-broadcast, fee-bumped replacement, overall timeout (see TxSender). */
  transactions?: Omit<TxSenderOptions, "confirmations" | "requestTimeout">;
};

/**
 * The ChainAdapter for EVM chains (Hardhat's in-process network, BTTC, any JSON-RPC node),
 * through ethers v6 and the TypeChain bindings.
 */
export class EvmChain implements ChainAdapter {
  readonly escrow: string;
  readonly account: string;
  private readonly contract: ChannelEscrow;
  private readonly provider: Provider;
  private readonly sender: TxSender;
  private tokenContract?: IERC20;
  private readonly requestTimeout: number;

  private constructor(parameters: EvmChainParameters, account: string) {
    if (!parameters.signer.provider) throw new Error("EvmChain: the signer has no provider; connect it to one");
    this.escrow = parameters.escrow;
    this.account = account;
    this.provider = parameters.signer.provider;
    this.contract = ChannelEscrow__factory.connect(parameters.escrow, parameters.signer);
    this.requestTimeout = parameters.requestTimeout ?? 10_000;
    this.sender = new TxSender(this.provider, account, {
      ...parameters.transactions,
      confirmations: parameters.confirmations ?? 1,
      requestTimeout: this.requestTimeout,
    });
  }

  /** Connects to an escrow with a signer. */
  static async connect(parameters: EvmChainParameters): Promise<EvmChain> {
    return new EvmChain(parameters, await parameters.signer.getAddress());
  }

  chainId(): Promise<bigint> {
    return this.read("read the chain id", async () => (await this.provider.getNetwork()).chainId);
  }

  latestBlock(): Promise<{ number: bigint; timestamp: bigint }> {
    return this.read("read the latest block", async () => {
      const block = await this.provider.getBlock("latest");
      if (!block) throw new Error("the node has no latest block");
      return { number: BigInt(block.number), timestamp: BigInt(block.timestamp) };
    });
  }

  token(): Promise<string> {
    return this.read("read the escrow's token", () => this.contract.token());
  }

  getChannel(id: string): Promise<ChannelState> {
    return this.read(`read channel ${id}`, async () => {
      const s = await this.contract.getChannel(id);
      return { status: STATUSES[Number(s.status)], deposit: s.deposit, claimed: s.claimed, closesAt: s.closesAt };
    });
  }

  escrowBalance(account: string): Promise<bigint> {
    return this.read(`read ${account}'s escrow balance`, () => this.contract.balanceOf(account));
  }

  tokenBalance(account: string): Promise<bigint> {
    return this.read(`read ${account}'s token balance`, async () => (await this.erc20()).balanceOf(account));
  }

  allowance(owner: string): Promise<bigint> {
    return this.read(`read ${owner}'s allowance`, async () => (await this.erc20()).allowance(owner, this.escrow));
  }

  async approve(amount: bigint): Promise<TxResult> {
    const token = await this.erc20();
    return this.send("approve", (o) => token.approve(this.escrow, amount, o));
  }

  async open(key: ChannelKey, amount: bigint): Promise<TxResult & { channelId: string }> {
    const result = await this.send("open", (o) => this.contract.open(key, amount, o));
    return { ...result, channelId: channelId(key) };
  }

  async openMany(deposits: { key: ChannelKey; amount: bigint }[]): Promise<TxResult & { channelIds: string[] }> {
    const result = await this.send("openMany", (o) => this.contract.openMany(deposits, o));
    return { ...result, channelIds: deposits.map((d) => channelId(d.key)) };
  }

  async topUp(id: string, amount: bigint): Promise<TxResult> {
    return this.send("topUp", (o) => this.contract.topUp(id, amount, o));
  }

  async claim({ key, amount, signature }: ClaimRequest): Promise<TxResult> {
    return this.send("claim", (o) => this.contract.claim(key, amount, signature, o));
  }

  async claimMany(requests: ClaimRequest[], options: ClaimOptions = {}): Promise<TxResult & { credited: bigint }> {
    // Sorting by payee lets the escrow write each payee's balance once.
    const sorted = [...requests].sort((a, b) => (a.key.payee.toLowerCase() < b.key.payee.toLowerCase() ? -1 : 1));
    const claims = sorted.map((r) => ({ key: r.key, amount: r.amount, signature: r.signature }));
    let credited = 0n;
    // The claim path of a watchtower near a deadline: the static call (what it credits, and a
    // refusal decoded before any fee is spent), the gas estimate, the fees and the nonce are read
    // at once, so the signer sends with nothing left to read (one round trip instead of four).
    const prepare = async (): Promise<Overrides> => {
      const [result, gasLimit, fees] = await Promise.all([
        this.contract.claimMany.staticCall(claims),
        this.contract.claimMany.estimateGas(claims),
        this.provider.getFeeData(),
      ]);
      credited = result;
      if (fees.maxFeePerGas != null && fees.maxPriorityFeePerGas != null) {
        return { gasLimit, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
      }
      return fees.gasPrice != null ? { gasLimit, gasPrice: fees.gasPrice } : { gasLimit };
    };
    const result = await this.sender.send("claimMany", (o) => this.contract.claimMany(claims, o), {
      prepare,
      deadline: options.deadline,
    });
    return { ...result, credited };
  }

  async withdraw(to: string, amount: bigint): Promise<TxResult> {
    return this.send("withdraw", (o) => this.contract.withdraw(to, amount, o));
  }

  async close(request: ClaimRequest | { key: ChannelKey }): Promise<TxResult> {
    const { amount, signature } = "amount" in request ? request : { amount: 0n, signature: "0x" };
    return this.send("close", (o) => this.contract.close(request.key, amount, signature, o));
  }

  async closeWithConsent(r: CloseWithConsentRequest): Promise<TxResult> {
    return this.send("closeWithConsent", (o) =>
      this.contract.closeWithConsent(r.key, r.finalAmount, r.deadline, r.payeeSignature, r.authorization ?? "0x", o),
    );
  }

  async startClose(key: ChannelKey): Promise<TxResult> {
    return this.send("startClose", (o) => this.contract.startClose(key, o));
  }

  async settle(key: ChannelKey): Promise<TxResult> {
    return this.send("settle", (o) => this.contract.settle(key, o));
  }

  watchEvents(parameters: WatchEscrowEventsParameters): Unwatch {
    return watchEscrowEvents(this.provider, this.escrow, parameters);
  }

  private async erc20(): Promise<IERC20> {
    this.tokenContract ??= IERC20__factory.connect(await this.contract.token(), this.contract.runner);
    return this.tokenContract;
  }

  /** Runs a read, turning whatever fails (an unreachable node, a wrong address) into a SeedpayError. */
  private async read<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(run(), this.requestTimeout, action);
    } catch (error) {
      throw toSeedpayError(action, error);
    }
  }

  private send(
    action: string,
    submit: (overrides: Overrides) => Promise<ContractTransactionResponse>,
  ): Promise<TxResult> {
    return this.sender.send(action, submit);
  }
}
