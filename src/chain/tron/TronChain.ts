import { Interface, type Result } from "ethers";
import type { TronWeb } from "tronweb";
import { ChannelEscrow__factory, IERC20__factory } from "../../../typechain-types";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import { channelId, type ChannelKey } from "../../voucher/typedData";
import { constantCall, sendContractCall, toTronError, type ReadAt, type TronClient } from "./sendContractCall";
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
import { watchTronEscrowEvents } from "./watchTronEscrowEvents";
import { createTronClient, type TronClientParameters } from "./createTronClient";
import { headerOf } from "./trackTransaction";
import { urgencyOf } from "../urgency";
import type { TronHttp } from "./tronHttp";
import { chainIdOfGenesis } from "./tronConnection";

/** A TRON block. */
const TRON_BLOCK_MS = 3000;
const STATUSES: ChannelStatus[] = ["none", "open", "closing", "closed"];
const escrowInterface = new Interface(ChannelEscrow__factory.abi);
const tokenInterface = new Interface(IERC20__factory.abi);

/**
 * Options of TronChain's reads. `at: "solidified"` reads the state of the newest solidified block
 * through the solidity node: what can no longer change (a payee counting what a claim settled, a
 * payer deciding a close is final). Default "head": the newest block, what the next transaction
 * will see.
 */
export type TronReadOptions = { at?: ReadAt };

/** Where {@link TronChain} connects: the node (TronWeb's `fullHost`), the key that sends, and the escrow. */
export type TronChainParameters = TronClientParameters & {
  /** The ChannelEscrow's address: base58 `T…`, `41…` hex or 0x-hex. */
  escrow: string;
};

/**
 * The ChainAdapter for TRON, through TronWeb and the node's HTTP API. Calldata is encoded with the
 * compiled ABI (TRON's stored ABI lacks tuple components); every write is estimated with a
 * constant call first, so a call the escrow refuses is reported with the decoded error before
 * any fee is spent.
 */
export class TronChain implements ChainAdapter {
  readonly escrow: string;
  readonly account: string;
  readonly tronWeb: TronWeb;
  private readonly client: TronClient;
  private tokenAddress?: string;
  private chainIdValue?: bigint;

  /** Every request this adapter makes goes through it (hosts, API key, retries, request count). */
  get http(): TronHttp {
    return this.client.http;
  }

  constructor(parameters: TronChainParameters) {
    const { tronWeb, account, client } = createTronClient("TronChain", parameters);
    this.tronWeb = tronWeb;
    this.account = account;
    this.client = client;
    this.escrow = normalizeAddress(parameters.escrow);
  }

  /** Connects to an escrow (the same as the constructor; async to match EvmChain.connect). */
  static async connect(parameters: TronChainParameters): Promise<TronChain> {
    return new TronChain(parameters);
  }

  /** TRON's chain id: the low 4 bytes of the genesis block id (what `block.chainid` returns). */
  async chainId(): Promise<bigint> {
    // Several nodes: the chain they are checked against (re-read as they fail over), never a cached first answer.
    if (this.client.http.nodes) return this.client.http.nodes.chainId();
    if (this.chainIdValue === undefined) {
      try {
        const genesis = await this.client.http.wallet("wallet/getblockbynum", { num: 0 });
        if (typeof genesis?.blockID !== "string") throw new Error("the node has no genesis block: not a TRON node?");
        this.chainIdValue = chainIdOfGenesis(genesis.blockID);
      } catch (error) {
        throw toTronError(this.client, "chainId", error);
      }
    }
    return this.chainIdValue;
  }

  /** TRON block headers carry milliseconds; `block.timestamp` in the TVM is seconds. */
  async latestBlock(): Promise<{ number: bigint; timestamp: bigint }> {
    try {
      // Header only: getnowblock would carry every transaction of the block (hundreds of KB on mainnet).
      const header = await headerOf(this.client, "wallet/getblock");
      return { number: BigInt(header.number), timestamp: BigInt(header.timestamp) / 1000n };
    } catch (error) {
      throw toTronError(this.client, "latestBlock", error);
    }
  }

  async token(): Promise<string> {
    this.tokenAddress ??= normalizeAddress((await this.read("token", []))[0] as string);
    return this.tokenAddress;
  }

  async getChannel(id: string, { at }: TronReadOptions = {}): Promise<ChannelState> {
    const [s] = await this.read("getChannel", [id], this.escrow, at);
    return { status: STATUSES[Number(s.status)], deposit: s.deposit, claimed: s.claimed, closesAt: s.closesAt };
  }

  async escrowBalance(account: string, { at }: TronReadOptions = {}): Promise<bigint> {
    return (await this.read("balanceOf", [normalizeAddress(account)], this.escrow, at))[0] as bigint;
  }

  async tokenBalance(account: string, { at }: TronReadOptions = {}): Promise<bigint> {
    return (await this.read("balanceOf", [normalizeAddress(account)], await this.token(), at))[0] as bigint;
  }

  async allowance(owner: string): Promise<bigint> {
    return (await this.read("allowance", [normalizeAddress(owner), this.escrow], await this.token()))[0] as bigint;
  }

  async approve(amount: bigint): Promise<TxResult> {
    return this.send("approve", [this.escrow, amount], await this.token());
  }

  async open(key: ChannelKey, amount: bigint): Promise<TxResult & { channelId: string }> {
    const k = evmKey(key);
    const result = await this.send("open", [k, amount]);
    return { ...result, channelId: channelId(k) };
  }

  async openMany(deposits: { key: ChannelKey; amount: bigint }[]): Promise<TxResult & { channelIds: string[] }> {
    const list = deposits.map((d) => ({ key: evmKey(d.key), amount: d.amount }));
    const result = await this.send("openMany", [list]);
    return { ...result, channelIds: list.map((d) => channelId(d.key)) };
  }

  async topUp(id: string, amount: bigint): Promise<TxResult> {
    return this.send("topUp", [id, amount]);
  }

  async claim({ key, amount, signature }: ClaimRequest): Promise<TxResult> {
    return this.send("claim", [evmKey(key), amount, signature]);
  }

  async claimMany(requests: ClaimRequest[], options: ClaimOptions = {}): Promise<TxResult & { credited: bigint }> {
    // Sorting by payee lets the escrow write each payee's balance once.
    const claims = requests
      .map((r) => ({ key: evmKey(r.key), amount: r.amount, signature: r.signature }))
      .sort((a, b) => (a.key.payee.toLowerCase() < b.key.payee.toLowerCase() ? -1 : 1));
    // What the executed transaction returned, not the estimate: a claim that landed first in the
    // same block changes what this one credits.
    let credited = 0n;
    // TRON has no fee market to outbid: near the deadline the fee limit widens (an energy price
    // rise or a dynamic-energy surcharge must not fail the last attempt with OUT_OF_ENERGY) and
    // the same bytes are broadcast again every block.
    const urgency = urgencyOf(options.deadline === undefined ? undefined : options.deadline - Date.now(), 20_000);
    const result = await sendContractCall(this.client, {
      action: "claimMany",
      iface: escrowInterface,
      contract: this.escrow,
      args: [claims],
      onResult: (output) => {
        credited = output[0] as bigint;
      },
      ...(urgency > 1 && {
        feeLimitMargin: this.client.feeLimitMargin * urgency,
        rebroadcastAfterMs: TRON_BLOCK_MS,
      }),
    });
    return { ...result, credited };
  }

  async withdraw(to: string, amount: bigint): Promise<TxResult> {
    return this.send("withdraw", [normalizeAddress(to), amount]);
  }

  async close(request: ClaimRequest | { key: ChannelKey }): Promise<TxResult> {
    const { amount, signature } = "amount" in request ? request : { amount: 0n, signature: "0x" };
    return this.send("close", [evmKey(request.key), amount, signature]);
  }

  async closeWithConsent(r: CloseWithConsentRequest): Promise<TxResult> {
    return this.send("closeWithConsent", [
      evmKey(r.key),
      r.finalAmount,
      r.deadline,
      r.payeeSignature,
      r.authorization ?? "0x",
    ]);
  }

  async startClose(key: ChannelKey): Promise<TxResult> {
    return this.send("startClose", [evmKey(key)]);
  }

  async settle(key: ChannelKey): Promise<TxResult> {
    return this.send("settle", [evmKey(key)]);
  }

  watchEvents(parameters: WatchEscrowEventsParameters): Unwatch {
    return watchTronEscrowEvents(this.client.http, this.escrow, parameters);
  }

  /** A constant call (no transaction) on the head's or the solid block's state; contract errors decoded. */
  private async read(method: string, args: unknown[], contract = this.escrow, at: ReadAt = "head"): Promise<Result> {
    try {
      return (await constantCall(this.client, method, method, this.interfaceOf(contract), contract, args, at)).output;
    } catch (error) {
      throw toTronError(this.client, method, error);
    }
  }

  private async send(
    action: string,
    args: unknown[],
    contract = this.escrow,
    onResult?: (output: Result) => void,
  ): Promise<TxResult> {
    return sendContractCall(this.client, { action, iface: this.interfaceOf(contract), contract, args, onResult });
  }

  private interfaceOf(contract: string): Interface {
    return contract === this.escrow ? escrowInterface : tokenInterface;
  }
}

/** A channel key with its addresses as the ABI encoder expects them (0x-hex; TRON forms accepted). */
function evmKey(key: ChannelKey): ChannelKey {
  return {
    ...key,
    payer: normalizeAddress(key.payer),
    payee: normalizeAddress(key.payee),
    signer: normalizeAddress(key.signer),
  };
}
