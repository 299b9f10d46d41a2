import { toHex41 } from "../address";
import type { EvmAddress } from "../address";
import type { EvmLog } from "../evm";
import { renderTransaction } from "../protobuf";
import type { TransactionJson, TronAbiEntry } from "../protobuf";

/**
 * A TRON block over the EVM: each of its transactions ran in an EVM block of its own (same
 * timestamp), and its state is the state at `evmNumber`, the last of them (or one empty EVM block
 * for a block without transactions). Without a block time each TRON block is one EVM block, so
 * TRON block n is EVM block n; with one, a block of k transactions spans k EVM blocks.
 */
export interface TronBlock {
  number: number;
  /** The EVM block whose state is this block's state (the end of its range). */
  evmNumber: number;
  /** 8-byte big-endian number ‖ 24 bytes (java-tron's BlockId layout), hex. */
  id: string;
  parentId: string;
  /** Milliseconds (the EVM block's seconds × 1000). */
  timestamp: number;
  txIds: string[];
}

/** The result of running one TRON transaction. */
export interface ExecutionOutcome {
  /** TRON's contractRet: SUCCESS, REVERT, OUT_OF_ENERGY, ILLEGAL_OPERATION, ... */
  contractRet: string;
  /** Energy charged (the whole limit for OUT_OF_ENERGY and other exceptional halts). */
  energy: number;
  /** Return data, or revert data; the runtime code for a creation. Hex without 0x. */
  returnData: string;
  logs: EvmLog[];
  /** The contract called, or created. */
  contractAddress?: EvmAddress;
  /** Why it failed, in words (TRON's resMessage). */
  resMessage?: string;
  /** Sun burnt for energy. */
  energyFee: number;
  /** Bytes of the signed transaction (bandwidth) paid from free bandwidth; 0 when they were paid in TRX. */
  netUsage: number;
  /** Sun burnt for bandwidth (bytes × 1,000) when free bandwidth did not cover it; 0 unless the bandwidth option is on. */
  netFee?: number;
}

export interface TxRecord {
  txID: string;
  rawBytes: Uint8Array;
  signatures: string[];
  blockNumber: number;
  blockTimestamp: number;
  kind: string;
  outcome: ExecutionOutcome;
}

export interface ContractRecord {
  address: EvmAddress;
  abi: TronAbiEntry[];
  name: string;
  origin: EvmAddress;
  consumeUserResourcePercent: number;
  originEnergyLimit: number;
  txID: string;
}

export const WITNESS: EvmAddress = "0x0000000000000000000000000000000000000001";

const ZERO32 = "0".repeat(64);
const hexOf = (text: string) => Buffer.from(text, "utf8").toString("hex");

/** java-tron's print of a block; transactions only when `detail` and when there are any. */
export function blockJson(block: TronBlock, txs: TxRecord[] | undefined) {
  return {
    blockID: block.id,
    block_header: {
      raw_data: {
        number: block.number,
        txTrieRoot: ZERO32,
        witness_address: toHex41(WITNESS),
        parentHash: block.parentId,
        version: 32,
        timestamp: block.timestamp,
      },
    },
    ...(txs && txs.length ? { transactions: txs.map(txJson) } : {}),
  };
}

/** java-tron's print of a transaction in a block (gettransactionbyid). */
export function txJson(tx: TxRecord): TransactionJson {
  return { ret: [{ contractRet: tx.outcome.contractRet }], ...renderTransaction(tx.rawBytes, tx.signatures) };
}

/** java-tron's print of a TransactionInfo (gettransactioninfobyid): default fields omitted. */
export function txInfoJson(tx: TxRecord) {
  const o = tx.outcome;
  const isContract = tx.kind !== "TransferContract";
  const receipt: Record<string, unknown> = {};
  if (o.energyFee) receipt.energy_fee = o.energyFee;
  if (o.energy) receipt.energy_usage_total = o.energy;
  if (o.netUsage) receipt.net_usage = o.netUsage;
  if (o.netFee) receipt.net_fee = o.netFee;
  if (isContract) receipt.result = o.contractRet;
  const info: Record<string, unknown> = { id: tx.txID };
  const fee = o.energyFee + (o.netFee ?? 0);
  if (fee) info.fee = fee;
  info.blockNumber = tx.blockNumber;
  info.blockTimeStamp = tx.blockTimestamp;
  info.contractResult = [o.returnData];
  if (o.contractAddress) info.contract_address = toHex41(o.contractAddress);
  info.receipt = receipt;
  if (o.logs.length) {
    info.log = o.logs.map((l) => ({
      address: l.address.slice(2).toLowerCase(),
      topics: l.topics.map((t) => t.slice(2)),
      data: l.data.slice(2),
    }));
  }
  if (o.contractRet !== "SUCCESS") {
    info.result = "FAILED";
    if (o.resMessage) info.resMessage = hexOf(o.resMessage);
  }
  return info;
}
