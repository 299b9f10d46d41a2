import { TRACE_OPTIONS } from "../evm";
import type { Eip1193Provider, EvmTrace } from "../evm";
import { ENERGY } from "./energyTable";
import { priceTrace } from "./priceTrace";
import type { EnergyBreakdown } from "./priceTrace";

export interface EstimateTronEnergyOptions {
  /** See PriceTraceContext.adjustedMemoryOps (default true, as on mainnet). */
  adjustedMemoryOps?: boolean;
}

export interface TronEnergyEstimate {
  /** Energy TRON would charge for the same execution (including 200 per byte of code a creation stores). */
  energy: number;
  /** The EVM's gasUsed for the same transaction, for comparison. */
  gasUsed: number;
  breakdown: EnergyBreakdown & { codeDeposit: number };
  /** The transaction failed on the EVM (REVERT or exceptional halt). */
  failed: boolean;
  /** See TracePrice.exceptionalHalt: java-tron would charge the whole energy limit. */
  exceptionalHalt?: string;
  unpricedPrecompileCalls: number;
}

interface RpcTransaction {
  to: string | null;
  blockNumber: string;
  transactionIndex: string;
}

interface RpcReceipt {
  gasUsed: string;
  contractAddress: string | null;
}

const call = <T>(provider: Eip1193Provider, method: string, params: unknown[]) =>
  provider.request({ method, params }) as Promise<T>;

/**
 * What TRON would charge, in energy, for a transaction already mined on an EVM (Hardhat's
 * in-process network, or any node with debug_traceTransaction): the transaction's trace priced
 * with java-tron's energy table. Storage is read at the parent block, with the writes of earlier
 * transactions in the same block replayed first, so SSTORE is priced from the value the slot held
 * when the transaction ran. Use it from benchmarks to put TRON energy next to EVM gas.
 */
export async function estimateTronEnergy(
  provider: Eip1193Provider,
  txHash: string,
  options: EstimateTronEnergyOptions = {},
): Promise<TronEnergyEstimate> {
  const tx = await call<RpcTransaction | null>(provider, "eth_getTransactionByHash", [txHash]);
  const receipt = await call<RpcReceipt | null>(provider, "eth_getTransactionReceipt", [txHash]);
  if (!tx || !receipt || tx.blockNumber === null) throw new Error(`transaction ${txHash} is not mined`);
  const parent = "0x" + (BigInt(tx.blockNumber) - 1n).toString(16);
  const ctx = {
    readStorage: (address: string, slot: string) =>
      call<string>(provider, "eth_getStorageAt", [address, slot, parent]).then(BigInt),
    accountExists: async (address: string) => {
      const [balance, nonce, code] = await Promise.all([
        call<string>(provider, "eth_getBalance", [address, parent]),
        call<string>(provider, "eth_getTransactionCount", [address, parent]),
        call<string>(provider, "eth_getCode", [address, parent]),
      ]);
      return BigInt(balance) !== 0n || BigInt(nonce) !== 0n || code !== "0x";
    },
    committed: new Map<string, bigint>(),
    adjustedMemoryOps: options.adjustedMemoryOps,
  };

  // Earlier transactions of the same block change the storage this one starts from.
  const index = Number(BigInt(tx.transactionIndex));
  if (index > 0) {
    const block = await call<{ transactions: string[] }>(provider, "eth_getBlockByNumber", [tx.blockNumber, false]);
    for (const earlier of block.transactions.slice(0, index)) {
      const [earlierTx, earlierReceipt] = await Promise.all([
        call<RpcTransaction>(provider, "eth_getTransactionByHash", [earlier]),
        call<RpcReceipt>(provider, "eth_getTransactionReceipt", [earlier]),
      ]);
      const top = earlierTx.to ?? earlierReceipt.contractAddress;
      if (!top) continue;
      const trace = await call<EvmTrace>(provider, "debug_traceTransaction", [earlier, TRACE_OPTIONS]);
      await priceTrace(trace, { ...ctx, topAddress: top });
    }
  }

  const top = tx.to ?? receipt.contractAddress;
  if (!top) throw new Error(`transaction ${txHash} has neither a recipient nor a created contract`);
  const trace = await call<EvmTrace>(provider, "debug_traceTransaction", [txHash, TRACE_OPTIONS]);
  const price = await priceTrace(trace, { ...ctx, topAddress: top });
  // A creation stores the code its constructor returned: 200 energy per byte.
  const codeDeposit =
    tx.to === null && !trace.failed ? ENERGY.CREATE_DATA * ((trace.returnValue.replace(/^0x/, "").length / 2) | 0) : 0;
  return {
    energy: price.energy + codeDeposit,
    gasUsed: Number(BigInt(receipt.gasUsed)),
    breakdown: { ...price.breakdown, codeDeposit },
    failed: trace.failed,
    exceptionalHalt: price.exceptionalHalt,
    unpricedPrecompileCalls: price.unpricedPrecompileCalls,
  };
}
