import { Contract, Interface, VoidSigner, Wallet, getAddress, type Result } from "ethers";
import type { BondAdapter } from "../chain/bondTypes";
import type { ChainAdapter } from "../chain/types";
import type { ConnectedNode } from "./connectNode";

/** The chain's head: what `status` shows and what dispute windows are measured against. */
export type ChainHead = { number: number; timestamp: number };

/** A log as both chains report it: emitter as 0x-hex, topics and data as 0x-hex. */
export type RawLog = { address: string; topics: string[]; data: string };

/**
 * The node a command talks to, EVM (JSON-RPC) or TRON (HTTP API), behind what the commands need
 * besides the escrow adapter: the head, code checks, view calls, a transaction's logs and how
 * addresses are shown on that chain.
 */
export interface ChainNode {
  readonly kind: "evm" | "tron";
  readonly url: string;
  readonly chainId: bigint;
  head(): Promise<ChainHead>;
  hasCode(address: string): Promise<boolean>;
  /** A view call; `signature` is one human-readable ABI function ("function token() view returns (address)"). */
  view(address: string, signature: string, args?: unknown[]): Promise<Result>;
  /** The escrow through a wallet that sends transactions. */
  connect(privateKey: string, escrow: string): Promise<ChainAdapter>;
  /** The escrow for reading only, as `account` (sending anything through it fails). */
  readOnly(account: string, escrow: string): Promise<ChainAdapter>;
  /** The StorageBond at `bond`: through a wallet that sends transactions, or for reading only without a key. */
  bond(bond: string, privateKey?: string): Promise<BondAdapter>;
  /** The logs of a mined transaction (`hash` as a TxResult gives it). */
  logs(hash: string): Promise<RawLog[]>;
  /** An address as people see it on this chain: EIP-55 0x on EVM, base58 T… on TRON. */
  formatAddress(address: string): string;
  close(): void;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const loadEvmChain = () => (require("../chain/evm/EvmChain") as typeof import("../chain/evm/EvmChain")).EvmChain;
const loadEvmBond = () => (require("../chain/evm/EvmBond") as typeof import("../chain/evm/EvmBond")).EvmBond;
/* eslint-enable @typescript-eslint/no-require-imports */

/** An EVM JSON-RPC node (Hardhat, `seedpay node`, BTTC) through ethers. */
export class EvmNode implements ChainNode {
  readonly kind = "evm";
  private wallets = new Map<string, Wallet>();

  constructor(readonly connected: ConnectedNode) {}

  get url(): string {
    return this.connected.url;
  }
  get chainId(): bigint {
    return this.connected.chainId;
  }
  get provider(): ConnectedNode["provider"] {
    return this.connected.provider;
  }

  /** One Wallet per key, so two sends in a run share ethers' nonce tracking. */
  wallet(privateKey: string): Wallet {
    let wallet = this.wallets.get(privateKey);
    if (!wallet) {
      wallet = new Wallet(privateKey, this.provider);
      this.wallets.set(privateKey, wallet);
    }
    return wallet;
  }

  async head(): Promise<ChainHead> {
    const block = (await this.provider.getBlock("latest"))!;
    return { number: block.number, timestamp: block.timestamp };
  }

  async hasCode(address: string): Promise<boolean> {
    return (await this.provider.getCode(address)) !== "0x";
  }

  async view(address: string, signature: string, args: unknown[] = []): Promise<Result> {
    const iface = new Interface([signature]);
    const fragment = iface.fragments[0] as import("ethers").FunctionFragment;
    const contract = new Contract(address, iface, this.provider);
    return contract.getFunction(fragment.name).staticCallResult(...args);
  }

  connect(privateKey: string, escrow: string): Promise<ChainAdapter> {
    return loadEvmChain().connect({ signer: this.wallet(privateKey), escrow });
  }

  readOnly(account: string, escrow: string): Promise<ChainAdapter> {
    return loadEvmChain().connect({ signer: new VoidSigner(account, this.provider), escrow });
  }

  bond(bond: string, privateKey?: string): Promise<BondAdapter> {
    // A VoidSigner reads; anything sent through it fails before reaching the node.
    const signer = privateKey ? this.wallet(privateKey) : new VoidSigner(bond, this.provider);
    return loadEvmBond().connect({ signer, bond });
  }

  async logs(hash: string): Promise<RawLog[]> {
    const receipt = await this.provider.getTransactionReceipt(hash);
    return (receipt?.logs ?? []).map((l) => ({ address: l.address, topics: [...l.topics], data: l.data }));
  }

  formatAddress(address: string): string {
    return getAddress(address);
  }

  close(): void {
    this.provider.destroy();
  }
}
