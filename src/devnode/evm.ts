import { createHardhatNetworkProvider } from "hardhat/internal/hardhat-network/provider/provider";
import type { EvmAddress } from "./address";

/** The EIP-1193 surface the devnode and the energy estimator need from an EVM. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** One step of `debug_traceTransaction`'s structLogs (memory and storage disabled). */
export interface TraceStep {
  op: string;
  depth: number;
  pc: number;
  gas: number;
  gasCost: number;
  /** Bottom first: the top of the stack is the last element. Hex words without 0x. */
  stack?: string[];
}

export interface EvmTrace {
  failed: boolean;
  gas: number;
  /** 0x-prefixed, or "" when nothing was returned. */
  returnValue: string;
  structLogs: TraceStep[];
}

export interface EvmLog {
  address: string;
  topics: string[];
  data: string;
  logIndex: string;
}

export interface EvmReceipt {
  status: string;
  gasUsed: string;
  blockNumber: string;
  blockHash: string;
  transactionIndex: string;
  contractAddress: string | null;
  logs: EvmLog[];
}

export interface EvmBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  transactions: string[];
}

export const TRACE_OPTIONS = { disableMemory: true, disableStorage: true } as const;

/**
 * Gas is not energy: the EVM only needs enough of it to finish whatever TRON's energy limit
 * allows. TRON's cheapest-vs-EVM ratio is ~130x (BALANCE: 20 energy, 2,600 cold gas), hence the
 * multiplier; the cap keeps a runaway loop from spinning for minutes.
 */
export const MAX_TX_GAS = 10_000_000_000;
const BLOCK_GAS_LIMIT = 20_000_000_000;

export function gasForEnergy(energyLimit: number): number {
  return Math.min(MAX_TX_GAS, Math.max(1_000_000, energyLimit * 150 + 1_000_000));
}

const hex = (n: number | bigint) => "0x" + n.toString(16);

/** Typed helpers over an in-process Hardhat (EDR) provider. */
export class Evm {
  private readonly impersonated = new Set<string>();

  constructor(readonly provider: Eip1193Provider) {}

  request<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.provider.request({ method, params }) as Promise<T>;
  }

  async block(tag: string | number): Promise<EvmBlock> {
    const block = await this.request<EvmBlock | null>("eth_getBlockByNumber", [
      typeof tag === "number" ? hex(tag) : tag,
      false,
    ]);
    if (!block) throw new Error(`EVM block ${tag} not found`);
    return block;
  }

  async balance(address: EvmAddress, tag = "latest"): Promise<bigint> {
    return BigInt(await this.request<string>("eth_getBalance", [address, tag]));
  }

  async setBalance(address: EvmAddress, value: bigint): Promise<void> {
    await this.request("hardhat_setBalance", [address, hex(value)]);
  }

  async code(address: EvmAddress, tag = "latest"): Promise<string> {
    return this.request<string>("eth_getCode", [address, tag]);
  }

  async setCode(address: EvmAddress, code: string): Promise<void> {
    await this.request("hardhat_setCode", [address, code]);
  }

  async setStorageAt(address: string, slot: string, value: bigint): Promise<void> {
    await this.request("hardhat_setStorageAt", [address, slot, "0x" + value.toString(16).padStart(64, "0")]);
  }

  async storageAt(address: string, slot: string, tag: string): Promise<bigint> {
    return BigInt(await this.request<string>("eth_getStorageAt", [address, slot, tag]));
  }

  async snapshot(): Promise<string> {
    return this.request<string>("evm_snapshot");
  }

  async revert(id: string): Promise<void> {
    const ok = await this.request<boolean>("evm_revert", [id]);
    if (!ok) throw new Error(`evm_revert(${id}) failed`);
  }

  async mineEmpty(timestampSec: number): Promise<void> {
    await this.request("evm_mine", [timestampSec]);
  }

  /** Sends from `from` without its key (Hardhat impersonation) and mines it alone in a block. */
  async send(tx: {
    from: EvmAddress;
    to: EvmAddress;
    data: string;
    value: bigint;
    gas: number;
    timestampSec: number;
  }): Promise<string> {
    if (!this.impersonated.has(tx.from)) {
      await this.request("hardhat_impersonateAccount", [tx.from]);
      this.impersonated.add(tx.from);
    }
    await this.request("evm_setNextBlockTimestamp", [tx.timestampSec]);
    return this.request<string>("eth_sendTransaction", [
      { from: tx.from, to: tx.to, data: tx.data, value: hex(tx.value), gas: hex(tx.gas), gasPrice: "0x0" },
    ]);
  }

  async receipt(hash: string): Promise<EvmReceipt> {
    const receipt = await this.request<EvmReceipt | null>("eth_getTransactionReceipt", [hash]);
    if (!receipt) throw new Error(`no receipt for ${hash}`);
    return receipt;
  }

  trace(hash: string): Promise<EvmTrace> {
    return this.request<EvmTrace>("debug_traceTransaction", [hash, TRACE_OPTIONS]);
  }

  /** Traces a call on the state at `tag` (a block number in hex, or "latest"). */
  traceCall(
    call: { from: EvmAddress; to: EvmAddress; data: string; value: bigint; gas: number },
    tag = "latest",
  ): Promise<EvmTrace> {
    return this.request<EvmTrace>("debug_traceCall", [
      { from: call.from, to: call.to, data: call.data, value: hex(call.value), gas: hex(call.gas), gasPrice: "0x0" },
      tag,
      TRACE_OPTIONS,
    ]);
  }
}

export interface CreateEvmOptions {
  chainId: number;
  genesisAccounts: { privateKey: string; balance: bigint }[];
  /** EVM rules the bytecode runs under; TVM lacks PUSH0/MCOPY/TSTORE unless recent proposals are active. */
  hardfork: string;
}

/**
 * A fresh in-process EVM of its own (never the test runner's `hre.network.provider`: a test's
 * `evm_revert` there would rewind the devnode's chain). Gas is free (base fee 0) because TRON
 * fees are charged separately, in sun, from energy.
 */
export async function createEvm(options: CreateEvmOptions): Promise<Evm> {
  const provider = await createHardhatNetworkProvider(
    {
      hardfork: options.hardfork,
      chainId: options.chainId,
      networkId: options.chainId,
      blockGasLimit: BLOCK_GAS_LIMIT,
      minGasPrice: 0n,
      automine: true,
      intervalMining: 0,
      mempoolOrder: "fifo",
      chains: new Map(),
      genesisAccounts: options.genesisAccounts.map((a) => ({
        privateKey: a.privateKey,
        balance: a.balance.toString(),
      })),
      // TRON has no 24 KiB code limit.
      allowUnlimitedContractSize: true,
      throwOnTransactionFailures: false,
      throwOnCallFailures: false,
      // Several TRON transactions may land in one second; each gets its own EVM block.
      allowBlocksWithSameTimestamp: true,
      initialBaseFeePerGas: 0,
      initialDate: new Date(),
      enableTransientStorage: false,
      enableRip7212: false,
    },
    { enabled: false },
  );
  return new Evm(provider as Eip1193Provider);
}
