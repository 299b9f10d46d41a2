import {
  AbiCoder,
  hexlify,
  Interface,
  keccak256,
  type ContractTransactionResponse,
  type Overrides,
  type Provider,
  type Signer,
} from "ethers";
import { IERC20__factory, StorageBond__factory, type StorageBond } from "../../../typechain-types";
import type { BondAdapter, ChallengeEvent, DealState, DealTerms } from "../bondTypes";
import { toDealState } from "../dealState";
import type { TxResult, Unwatch } from "../types";
import { toSeedpayError } from "../escrowErrors";
import { pollLogs } from "./pollLogs";
import { TxSender } from "./TxSender";

const bondInterface = new Interface(StorageBond__factory.abi);
const CHALLENGED_TOPIC = bondInterface.getEvent("BlockChallenged")!.topicHash;
const TERMS_ABI = [
  "tuple(address client, address provider, bytes32 piecesRoot, uint64 fileLength, uint256 price, uint256 bond, uint32 duration, uint32 responseWindow, uint256 challengeFee, uint16 maxChallenges, uint64 offerExpiresAt, uint64 salt)",
];

/** The deal id the StorageBond derives from its terms: keccak256(abi.encode(terms)). */
export function dealId(terms: DealTerms): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(TERMS_ABI, [terms]));
}

export type EvmBondParameters = {
  /** Signs and sends transactions; must be connected to a provider. */
  signer: Signer;
  /** The StorageBond's address. */
  bond: string;
};

/** The BondAdapter for EVM chains, through ethers v6 and the TypeChain bindings. */
export class EvmBond implements BondAdapter {
  readonly bond: string;
  readonly account: string;
  private readonly contract: StorageBond;
  private readonly provider: Provider;
  private readonly sender: TxSender;

  private constructor(parameters: EvmBondParameters, account: string) {
    if (!parameters.signer.provider) throw new Error("EvmBond: the signer has no provider; connect it to one");
    this.bond = parameters.bond;
    this.account = account;
    this.provider = parameters.signer.provider;
    this.sender = new TxSender(this.provider, account);
    this.contract = StorageBond__factory.connect(parameters.bond, parameters.signer);
  }

  static async connect(parameters: EvmBondParameters): Promise<EvmBond> {
    return new EvmBond(parameters, await parameters.signer.getAddress());
  }

  dealId(terms: DealTerms): string {
    return dealId(terms);
  }

  async getDeal(terms: DealTerms): Promise<DealState> {
    const s = await this.read("getDeal", () => this.contract.getDeal(terms));
    return toDealState(s);
  }

  async approve(amount: bigint): Promise<TxResult> {
    const token = IERC20__factory.connect(await this.read("token", () => this.contract.token()), this.contract.runner);
    return this.send("approve", (o) => token.approve(this.bond, amount, o));
  }

  async offer(terms: DealTerms): Promise<TxResult & { dealId: string }> {
    return { ...(await this.send("offer", (o) => this.contract.offer(terms, o))), dealId: dealId(terms) };
  }

  cancel(terms: DealTerms): Promise<TxResult> {
    return this.send("cancel", (o) => this.contract.cancel(terms, o));
  }

  accept(terms: DealTerms, lastBlock: Uint8Array, lastProof: readonly Uint8Array[]): Promise<TxResult> {
    return this.send("accept", (o) =>
      this.contract.accept(
        terms,
        lastBlock,
        lastProof.map((p) => hexlify(p)),
        o,
      ),
    );
  }

  withdrawEarnings(terms: DealTerms): Promise<TxResult> {
    return this.send("withdrawEarnings", (o) => this.contract.withdrawEarnings(terms, o));
  }

  challenge(terms: DealTerms, index: bigint): Promise<TxResult> {
    return this.send("challenge", (o) => this.contract.challenge(terms, index, o));
  }

  respond(terms: DealTerms, block: Uint8Array, proof: readonly Uint8Array[]): Promise<TxResult> {
    return this.send("respond", (o) =>
      this.contract.respond(
        terms,
        block,
        proof.map((p) => hexlify(p)),
        o,
      ),
    );
  }

  slash(terms: DealTerms): Promise<TxResult> {
    return this.send("slash", (o) => this.contract.slash(terms, o));
  }

  finish(terms: DealTerms): Promise<TxResult> {
    return this.send("finish", (o) => this.contract.finish(terms, o));
  }

  withdraw(to: string, amount: bigint): Promise<TxResult> {
    return this.send("withdraw", (o) => this.contract.withdraw(to, amount, o));
  }

  watchChallenges({ onChallenge, ...rest }: Parameters<BondAdapter["watchChallenges"]>[0]): Unwatch {
    return pollLogs(this.provider, {
      ...rest,
      address: this.bond,
      topics: [CHALLENGED_TOPIC],
      onLogs: async (logs) => {
        for (const { log } of logs) {
          const parsed = bondInterface.parseLog({ topics: [...log.topics], data: log.data });
          if (!parsed) continue;
          const challenge: ChallengeEvent = {
            dealId: parsed.args.id,
            index: parsed.args.index,
            deadline: parsed.args.deadline,
            txHash: log.transactionHash,
            blockNumber: BigInt(log.blockNumber),
          };
          await onChallenge(challenge);
        }
      },
    });
  }

  /** A contract read; failures (node unreachable, ...) become SeedpayErrors as writes' do. */
  private async read<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
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
