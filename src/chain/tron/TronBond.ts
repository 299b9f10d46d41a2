import { hexlify, Interface, type Result } from "ethers";
import type { TronWeb } from "tronweb";
import { IERC20__factory, StorageBond__factory } from "../../../typechain-types";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import type { BondAdapter, ChallengeEvent, DealState, DealTerms } from "../bondTypes";
import { toDealState } from "../dealState";
import { dealId } from "../evm/EvmBond";
import type { TxResult, Unwatch } from "../types";
import { createTronClient, type TronClientParameters } from "./createTronClient";
import { constantCall, sendContractCall, toTronError, type TronClient } from "./sendContractCall";
import type { TronHttp } from "./tronHttp";
import { eventBytes32, watchTronEvents } from "./watchTronEvents";

const bondInterface = new Interface(StorageBond__factory.abi);
const tokenInterface = new Interface(IERC20__factory.abi);

export type TronBondParameters = TronClientParameters & {
  /** The StorageBond's address: base58 `T…`, `41…` hex or 0x-hex. */
  bond: string;
};

/**
 * The BondAdapter for TRON, through TronWeb and the node's HTTP API, as TronChain is for the
 * escrow: calldata encoded with the compiled ABI (TRON's stored ABI lacks the DealTerms tuple's
 * components), every write estimated with a constant call first so a refused call is reported
 * with the bond's decoded error before any fee is spent, and the fee limit set from that estimate.
 * Addresses in deal terms may be in any TRON or EVM form; addresses out are 0x-hex.
 */
export class TronBond implements BondAdapter {
  readonly bond: string;
  readonly account: string;
  readonly tronWeb: TronWeb;
  private readonly client: TronClient;
  private tokenAddress?: string;

  /** Every request this adapter makes goes through it (hosts, API key, retries, request count). */
  get http(): TronHttp {
    return this.client.http;
  }

  constructor(parameters: TronBondParameters) {
    const { tronWeb, account, client } = createTronClient("TronBond", parameters);
    this.tronWeb = tronWeb;
    this.account = account;
    this.client = client;
    this.bond = normalizeAddress(parameters.bond);
  }

  /** Connects to a bond contract (the same as the constructor; async to match EvmBond.connect). */
  static async connect(parameters: TronBondParameters): Promise<TronBond> {
    return new TronBond(parameters);
  }

  dealId(terms: DealTerms): string {
    return dealId(evmTerms(terms));
  }

  async getDeal(terms: DealTerms): Promise<DealState> {
    const [s] = await this.read("getDeal", [evmTerms(terms)]);
    return toDealState(s);
  }

  /** The bond's token (0x-hex). */
  async token(): Promise<string> {
    this.tokenAddress ??= normalizeAddress((await this.read("token", []))[0] as string);
    return this.tokenAddress;
  }

  async approve(amount: bigint): Promise<TxResult> {
    const token = await this.token();
    return sendContractCall(this.client, {
      action: "approve",
      iface: tokenInterface,
      contract: token,
      args: [this.bond, amount],
    });
  }

  async offer(terms: DealTerms): Promise<TxResult & { dealId: string }> {
    const t = evmTerms(terms);
    return { ...(await this.send("offer", [t])), dealId: dealId(t) };
  }

  async cancel(terms: DealTerms): Promise<TxResult> {
    return this.send("cancel", [evmTerms(terms)]);
  }

  async accept(terms: DealTerms, lastBlock: Uint8Array, lastProof: readonly Uint8Array[]): Promise<TxResult> {
    return this.send("accept", [evmTerms(terms), lastBlock, lastProof.map((p) => hexlify(p))]);
  }

  async withdrawEarnings(terms: DealTerms): Promise<TxResult> {
    return this.send("withdrawEarnings", [evmTerms(terms)]);
  }

  async challenge(terms: DealTerms, index: bigint): Promise<TxResult> {
    return this.send("challenge", [evmTerms(terms), index]);
  }

  async respond(terms: DealTerms, block: Uint8Array, proof: readonly Uint8Array[]): Promise<TxResult> {
    // On TRON calldata costs bandwidth, not energy: the 16 KiB block is cheap in energy.
    return this.send("respond", [evmTerms(terms), block, proof.map((p) => hexlify(p))]);
  }

  async slash(terms: DealTerms): Promise<TxResult> {
    return this.send("slash", [evmTerms(terms)]);
  }

  async finish(terms: DealTerms): Promise<TxResult> {
    return this.send("finish", [evmTerms(terms)]);
  }

  async withdraw(to: string, amount: bigint): Promise<TxResult> {
    return this.send("withdraw", [normalizeAddress(to), amount]);
  }

  watchChallenges({ onChallenge, ...rest }: Parameters<BondAdapter["watchChallenges"]>[0]): Unwatch {
    return watchTronEvents(
      this.client.http,
      this.bond,
      {
        ...rest,
        decode: (event, meta): ChallengeEvent | undefined =>
          event.event_name === "BlockChallenged"
            ? {
                dealId: eventBytes32(event.result.id),
                index: BigInt(event.result.index),
                deadline: BigInt(event.result.deadline),
                txHash: meta.txHash,
                blockNumber: meta.blockNumber,
              }
            : undefined,
        onEvents: async (challenges) => {
          for (const challenge of challenges) await onChallenge(challenge);
        },
        // An open challenge is answered against its deadline: follow the chain closely until then.
        urgentUntil: (challenge) => challenge.deadline,
      },
      // Only challenges: the bond's other events (offers, payouts) need not be paged through.
      { eventName: "BlockChallenged" },
    );
  }

  /** A constant call (no transaction); contract errors decoded. */
  private async read(method: string, args: unknown[]): Promise<Result> {
    try {
      return (await constantCall(this.client, method, method, bondInterface, this.bond, args)).output;
    } catch (error) {
      throw toTronError(this.client, method, error);
    }
  }

  private send(action: string, args: unknown[]): Promise<TxResult> {
    return sendContractCall(this.client, { action, iface: bondInterface, contract: this.bond, args });
  }
}

/** Deal terms with their addresses as the ABI encoder and the deal id expect them (0x-hex; TRON forms accepted). */
function evmTerms(terms: DealTerms): DealTerms {
  return { ...terms, client: normalizeAddress(terms.client), provider: normalizeAddress(terms.provider) };
}
