import { toBase58 } from "../address";
import type { EvmAddress } from "../address";
import { contractTypeOf, decodeCreate, decodeRawData, decodeTransfer, decodeTrigger, sha256Hex } from "../protobuf";
import type { ContractCreation, RawData, TriggerCall, TrxTransfer } from "../protobuf";
import { recoverSigner } from "../signature";
import { contractAddressFor } from "./executor";
import type { TronBlock } from "./records";

/** A broadcast refused, with java-tron's response code and message. */
export class BroadcastError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type DecodedContract =
  | { kind: "TriggerSmartContract"; owner: EvmAddress; call: TriggerCall }
  | { kind: "CreateSmartContract"; owner: EvmAddress; create: ContractCreation }
  | { kind: "TransferContract"; owner: EvmAddress; transfer: TrxTransfer };

export interface Submission {
  txID: string;
  rawBytes: Uint8Array;
  signatures: string[];
  raw: RawData;
  contract: DecodedContract;
}

/** What validation reads from the chain. */
export interface ChainView {
  isKnownTransaction(txID: string): boolean;
  /** The most recent block whose number ends in these two bytes, within the last 65,536. */
  blockForTapos(refBlockBytes: string): TronBlock | undefined;
  nowMs(): number;
}

/** java-tron's cap on fee_limit (15,000 TRX). */
export const MAX_FEE_LIMIT = 15_000_000_000;
const MAX_EXPIRATION_MS = 24 * 3600 * 1000;

/** Decodes a signed transaction's raw bytes and runs java-tron's broadcast checks, in its order. */
export function validateSubmission(rawBytes: Uint8Array, signatures: string[], chain: ChainView): Submission {
  let raw: RawData;
  try {
    raw = decodeRawData(rawBytes);
  } catch (e) {
    throw new BroadcastError("OTHER_ERROR", `raw_data is not a TRON Transaction.raw protobuf: ${(e as Error).message}`);
  }
  const txID = sha256Hex(rawBytes);
  if (raw.contracts.length !== 1) {
    throw new BroadcastError(
      "CONTRACT_VALIDATE_ERROR",
      "Contract validate error : a transaction carries exactly one contract",
    );
  }
  const [c] = raw.contracts;
  if (contractTypeOf(c.kind) !== c.type) {
    throw new BroadcastError(
      "CONTRACT_VALIDATE_ERROR",
      `Contract validate error : type ${c.type} does not match ${c.kind}`,
    );
  }
  let contract: DecodedContract;
  try {
    if (c.kind === "TriggerSmartContract") {
      const call = decodeTrigger(c.value);
      contract = { kind: c.kind, owner: call.owner, call };
    } else if (c.kind === "CreateSmartContract") {
      const create = decodeCreate(c.value);
      contract = { kind: c.kind, owner: create.owner, create };
    } else if (c.kind === "TransferContract") {
      const transfer = decodeTransfer(c.value);
      contract = { kind: c.kind, owner: transfer.owner, transfer };
    } else {
      throw new BroadcastError(
        "CONTRACT_VALIDATE_ERROR",
        `Contract validate error : the devnode does not execute ${c.kind} (only TriggerSmartContract, CreateSmartContract, TransferContract)`,
      );
    }
  } catch (e) {
    if (e instanceof BroadcastError) throw e;
    throw new BroadcastError("CONTRACT_VALIDATE_ERROR", `Contract validate error : ${(e as Error).message}`);
  }

  if (chain.isKnownTransaction(txID)) throw new BroadcastError("DUP_TRANSACTION_ERROR", "Dup transaction.");

  const refBlock = chain.blockForTapos(raw.refBlockBytes);
  if (!refBlock || refBlock.id.slice(16, 32) !== raw.refBlockHash) {
    throw new BroadcastError("TAPOS_ERROR", "Tapos check error");
  }

  const now = chain.nowMs();
  if (raw.expiration <= now || raw.expiration > now + MAX_EXPIRATION_MS) {
    throw new BroadcastError("TRANSACTION_EXPIRATION_ERROR", "Transaction expired");
  }

  if (signatures.length !== 1 || c.permissionId !== 0) {
    throw new BroadcastError(
      "SIGERROR",
      "Validate signature error: the devnode checks one signature by the owner key (no multi-signature permissions)",
    );
  }
  const signer = recoverSigner(txID, signatures[0]);
  if (signer !== contract.owner) {
    const by = signer ? toBase58(signer) : "nobody (the signature does not recover)";
    throw new BroadcastError(
      "SIGERROR",
      `Validate signature error: ${signatures[0]} is signed by ${by} but it is not contained of permission.`,
    );
  }
  return { txID, rawBytes, signatures, raw, contract };
}

/** What the state checks read. */
export interface StateView {
  accountExists(address: EvmAddress): Promise<boolean>;
  readonly evm: { balance(address: EvmAddress): Promise<bigint>; code(address: EvmAddress): Promise<string> };
  readonly contracts: ReadonlyMap<EvmAddress, unknown>;
}

/** java-tron's actuator checks, which need state (CONTRACT_VALIDATE_ERROR). */
export async function validateAgainstState(s: Submission, state: StateView): Promise<void> {
  const fail = (message: string) => {
    throw new BroadcastError("CONTRACT_VALIDATE_ERROR", `Contract validate error : ${message}`);
  };
  const c = s.contract;
  if (!(await state.accountExists(c.owner))) fail(`account ${toBase58(c.owner)} does not exist`);
  const balance = await state.evm.balance(c.owner);
  if (c.kind === "TransferContract") {
    const t = c.transfer;
    if (t.amount <= 0) fail("Amount must be greater than 0.");
    if (t.to === t.owner) fail("Cannot transfer TRX to yourself.");
    if (state.contracts.has(t.to)) fail("Cannot transfer TRX to a smartContract.");
    if (balance < BigInt(t.amount)) fail(`Validate TransferContract error, balance is not sufficient.`);
    return;
  }
  if (s.raw.feeLimit < 0 || s.raw.feeLimit > MAX_FEE_LIMIT) fail(`feeLimit must be >= 0 and <= ${MAX_FEE_LIMIT}`);
  const tokens = c.kind === "TriggerSmartContract" ? c.call : c.create;
  if (tokens.callTokenValue || tokens.tokenId) fail("the devnode does not support TRC-10 tokens");
  const callValue = c.kind === "TriggerSmartContract" ? c.call.callValue : c.create.callValue;
  if (callValue < 0 || balance < BigInt(callValue)) fail("balance is not sufficient.");
  if (c.kind === "TriggerSmartContract" && !state.contracts.has(c.call.contract)) {
    fail("No contract or not a valid smart contract");
  }
  if (c.kind === "CreateSmartContract") {
    const address = contractAddressFor(s.txID, c.owner);
    if ((await state.evm.code(address)) !== "0x") {
      fail(`Trying to create a contract with existing contract address: ${toBase58(address)}`);
    }
  }
}
