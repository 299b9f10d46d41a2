import { keccak256 } from "ethers";
import { toHex41 } from "../address";
import type { EvmAddress } from "../address";
import { ENERGY } from "../energy/energyTable";
import { priceTrace } from "../energy/priceTrace";
import type { TracePrice } from "../energy/priceTrace";
import { gasForEnergy } from "../evm";
import type { Evm, EvmLog, EvmTrace } from "../evm";
import { undoExecution } from "./undoExecution";

/** What the executor reports before fees and bandwidth are added. */
export interface RawOutcome {
  contractRet: string;
  energy: number;
  returnData: string;
  logs: EvmLog[];
  resMessage?: string;
  /** The EVM completed the transaction but TRON would not have: its state changes were undone. */
  discard: boolean;
}

/** TRON's address for a contract created by transaction `txID` of `owner`: keccak256(txID ‖ owner)[12:]. */
export function contractAddressFor(txID: string, owner: EvmAddress): EvmAddress {
  const hash = keccak256(Buffer.from(txID + toHex41(owner), "hex"));
  return `0x${hash.slice(26)}`;
}

/** Reads pre-transaction state at the parent of the block the transaction was mined in. */
function pricingContext(evm: Evm, topAddress: string, parentTag: string) {
  return {
    topAddress,
    readStorage: (address: string, slot: string) => evm.storageAt(address, slot, parentTag),
    accountExists: async (address: string) => {
      const a = address as EvmAddress;
      const [balance, code] = await Promise.all([evm.balance(a, parentTag), evm.code(a, parentTag)]);
      return balance !== 0n || code !== "0x";
    },
  };
}

function classify(trace: EvmTrace, price: TracePrice, energy: number, energyLimit: number, logs: EvmLog[]): RawOutcome {
  const returnData = trace.returnValue.replace(/^0x/, "");
  if (trace.failed) {
    if (price.exceptionalHalt) {
      const what = price.exceptionalHalt;
      return {
        contractRet: what,
        energy: energyLimit,
        returnData,
        logs: [],
        resMessage:
          what === "OUT_OF_ENERGY"
            ? `Not enough energy: the energy limit is ${energyLimit}`
            : `${what}: the execution halted exceptionally (java-tron charges the whole energy limit)`,
        discard: false,
      };
    }
    // java-tron checks the energy limit at every operation: a call that passes its limit stops
    // there with OUT_OF_ENERGY (the whole limit charged), whatever it would have done after.
    if (energy > energyLimit) {
      return {
        contractRet: "OUT_OF_ENERGY",
        energy: energyLimit,
        returnData: "",
        logs: [],
        resMessage: `Not enough energy: the execution needs more than the energy limit of ${energyLimit}`,
        discard: false,
      };
    }
    return {
      contractRet: "REVERT",
      energy,
      returnData,
      logs: [],
      resMessage: "REVERT opcode executed",
      discard: false,
    };
  }
  if (energy > energyLimit) {
    return {
      contractRet: "OUT_OF_ENERGY",
      energy: energyLimit,
      returnData: "",
      logs: [],
      resMessage: `Not enough energy: the execution needs ${energy} energy, the energy limit is ${energyLimit}`,
      discard: true,
    };
  }
  return { contractRet: "SUCCESS", energy, returnData, logs, discard: false };
}

export interface TriggerParams {
  owner: EvmAddress;
  contract: EvmAddress;
  data: string;
  callValue: bigint;
  energyLimit: number;
  timestampSec: number;
}

/** Runs a TriggerSmartContract on the EVM (its own block) and prices it in energy. */
export async function executeTrigger(evm: Evm, p: TriggerParams): Promise<RawOutcome> {
  const hash = await evm.send({
    from: p.owner,
    to: p.contract,
    data: "0x" + p.data,
    value: p.callValue,
    gas: gasForEnergy(p.energyLimit),
    timestampSec: p.timestampSec,
  });
  const [receipt, trace] = await Promise.all([evm.receipt(hash), evm.trace(hash)]);
  const parent = "0x" + (BigInt(receipt.blockNumber) - 1n).toString(16);
  const price = await priceTrace(trace, pricingContext(evm, p.contract, parent));
  const outcome = classify(trace, price, price.energy, p.energyLimit, receipt.logs);
  if (outcome.discard) await undoExecution(evm, trace, { top: p.contract, owner: p.owner, parentTag: parent });
  return outcome;
}

export interface CreateParams {
  owner: EvmAddress;
  address: EvmAddress;
  /** Init code with constructor arguments, hex without 0x. */
  initCode: string;
  callValue: bigint;
  energyLimit: number;
  timestampSec: number;
}

/**
 * Runs a CreateSmartContract so that the contract lands at TRON's address for it (which no EVM
 * CREATE can produce): the init code is placed at that address and called from the owner, so
 * the constructor runs with `address(this)`, `msg.sender` and storage exactly as on TRON, then the
 * code it returns replaces it. Differences from a real creation: EXTCODESIZE(this) is not 0
 * inside the constructor, and the EVM's account nonce of the new contract stays 0.
 */
export async function executeCreate(evm: Evm, p: CreateParams): Promise<RawOutcome> {
  await evm.setCode(p.address, "0x" + p.initCode);
  const hash = await evm.send({
    from: p.owner,
    to: p.address,
    data: "0x",
    value: p.callValue,
    gas: gasForEnergy(p.energyLimit),
    timestampSec: p.timestampSec,
  });
  const [receipt, trace] = await Promise.all([evm.receipt(hash), evm.trace(hash)]);
  const parent = "0x" + (BigInt(receipt.blockNumber) - 1n).toString(16);
  const price = await priceTrace(trace, pricingContext(evm, p.address, parent));
  const runtime = trace.returnValue.replace(/^0x/, "");
  const energy = price.energy + (trace.failed ? 0 : ENERGY.CREATE_DATA * (runtime.length / 2));
  const outcome = classify(trace, price, energy, p.energyLimit, receipt.logs);
  if (outcome.discard) await undoExecution(evm, trace, { top: p.address, owner: p.owner, parentTag: parent });
  await evm.setCode(p.address, outcome.contractRet === "SUCCESS" ? "0x" + runtime : "0x");
  return outcome;
}

/** java-tron's default cap on the energy of a constant call (vm.maxEnergyLimitForConstant). */
const MAX_CONSTANT_ENERGY = 100_000_000;

export interface ConstantCall {
  owner: EvmAddress;
  contract: EvmAddress;
  data: string;
  callValue: bigint;
}

export interface ConstantCallResult {
  /** Hex without 0x. */
  returnData: string;
  energy: number;
  /** "REVERT", an exceptional halt's TRON code, or undefined on success. */
  failure?: string;
}

/** Runs a call without a transaction on the state at `tag` (an EVM block, or "latest"), and prices it. */
export async function executeConstant(
  evm: Evm,
  call: ConstantCall,
  accountExists: (address: EvmAddress) => Promise<boolean>,
  tag = "latest",
): Promise<ConstantCallResult> {
  const trace = await evm.traceCall(
    {
      from: call.owner,
      to: call.contract,
      data: "0x" + call.data,
      value: call.callValue,
      gas: gasForEnergy(MAX_CONSTANT_ENERGY),
    },
    tag,
  );
  const price = await priceTrace(trace, {
    topAddress: call.contract,
    readStorage: (address, slot) => evm.storageAt(address, slot, tag),
    accountExists: (address) => accountExists(address as EvmAddress),
  });
  return {
    returnData: trace.returnValue.replace(/^0x/, ""),
    energy: price.energy,
    failure: trace.failed ? (price.exceptionalHalt ?? "REVERT") : undefined,
  };
}
