import { createHash } from "node:crypto";
import { utils } from "tronweb";
import { addressFromBytes, toHex41 } from "./address";
import type { EvmAddress } from "./address";

/*
 * TRON transactions are protobuf. TronWeb bundles java-tron's protocol classes (google-protobuf,
 * generated code) and registers them on `globalThis.TronWebProto` when it loads; the devnode uses
 * those same classes, so the bytes it produces are the bytes TronWeb's own checks rebuild.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
const proto: any = (() => {
  void utils; // loading tronweb registers the protocol classes
  const p = (globalThis as any).TronWebProto;
  if (!p?.Transaction) throw new Error("TronWeb's protobuf classes are not loaded (globalThis.TronWebProto)");
  return p;
})();
/* eslint-enable @typescript-eslint/no-explicit-any */

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** The contract kinds the devnode executes. */
export type ContractKind = "TriggerSmartContract" | "CreateSmartContract" | "TransferContract";
const TYPE_URL_PREFIX = "type.googleapis.com/protocol.";

export interface RawContract {
  /** The name in the Any's type_url ("TriggerSmartContract", ...). */
  kind: string;
  /** The ContractType enum value. */
  type: number;
  value: Uint8Array;
  permissionId: number;
}

export interface RawData {
  refBlockBytes: string;
  refBlockHash: string;
  expiration: number;
  timestamp: number;
  feeLimit: number;
  /** Memo, hex. */
  data: string;
  contracts: RawContract[];
}

/** Decodes `raw_data` bytes. Throws on malformed protobuf. */
export function decodeRawData(bytes: Uint8Array): RawData {
  const raw = proto.Transaction.raw.deserializeBinary(bytes);
  return {
    refBlockBytes: hex(raw.getRefBlockBytes_asU8()),
    refBlockHash: hex(raw.getRefBlockHash_asU8()),
    expiration: raw.getExpiration(),
    timestamp: raw.getTimestamp(),
    feeLimit: raw.getFeeLimit(),
    data: hex(raw.getData_asU8()),
    contracts: raw.getContractList().map((c: any) => {
      const any = c.getParameter();
      const url: string = any ? any.getTypeUrl() : "";
      return {
        kind: url.startsWith(TYPE_URL_PREFIX) ? url.slice(TYPE_URL_PREFIX.length) : url,
        type: c.getType(),
        value: any ? any.getValue_asU8() : new Uint8Array(),
        permissionId: c.getPermissionId(),
      };
    }),
  };
}

/** The ContractType enum value a kind must carry. */
export function contractTypeOf(kind: string): number | undefined {
  return proto.Transaction.Contract.ContractType[kind.toUpperCase()];
}

/** A signed transaction's protobuf bytes (broadcasthex) → raw_data bytes and signatures. */
export function decodeSignedTransaction(bytes: Uint8Array): { raw: Uint8Array; signatures: string[] } {
  const tx = proto.Transaction.deserializeBinary(bytes);
  return {
    raw: tx.getRawData().serializeBinary(),
    signatures: tx.getSignatureList_asU8().map((s: Uint8Array) => hex(s)),
  };
}

export interface TriggerCall {
  owner: EvmAddress;
  contract: EvmAddress;
  callValue: number;
  data: string;
  callTokenValue: number;
  tokenId: number;
}

export function decodeTrigger(value: Uint8Array): TriggerCall {
  const m = proto.TriggerSmartContract.deserializeBinary(value);
  return {
    owner: requireAddress(m.getOwnerAddress_asU8(), "owner_address"),
    contract: requireAddress(m.getContractAddress_asU8(), "contract_address"),
    callValue: m.getCallValue(),
    data: hex(m.getData_asU8()),
    callTokenValue: m.getCallTokenValue(),
    tokenId: m.getTokenId(),
  };
}

/** An ABI entry as java-tron prints it (enum names capitalized, default fields omitted). */
export interface TronAbiEntry {
  anonymous?: boolean;
  constant?: boolean;
  name?: string;
  inputs?: { indexed?: boolean; name?: string; type: string }[];
  outputs?: { indexed?: boolean; name?: string; type: string }[];
  type?: string;
  payable?: boolean;
  stateMutability?: string;
}

const ENTRY_TYPES = ["UnknownEntryType", "Constructor", "Function", "Event", "Fallback", "Receive", "Error"];
const MUTABILITY = ["UnknownMutabilityType", "Pure", "View", "Nonpayable", "Payable"];

export interface ContractCreation {
  owner: EvmAddress;
  origin: EvmAddress | undefined;
  /** Init code with the constructor arguments appended, hex. */
  bytecode: string;
  abi: TronAbiEntry[];
  name: string;
  callValue: number;
  consumeUserResourcePercent: number;
  originEnergyLimit: number;
  callTokenValue: number;
  tokenId: number;
}

export function decodeCreate(value: Uint8Array): ContractCreation {
  const m = proto.CreateSmartContract.deserializeBinary(value);
  const c = m.getNewContract();
  if (!c) throw new Error("new_contract is missing");
  const params = (list: any[]) =>
    list.map((p) => ({
      ...(p.getIndexed() ? { indexed: true } : {}),
      ...(p.getName() ? { name: p.getName() } : {}),
      type: p.getType(),
    }));
  const abi: TronAbiEntry[] = (c.getAbi()?.getEntrysList() ?? []).map((e: any) => {
    const entry: TronAbiEntry = {};
    if (e.getAnonymous()) entry.anonymous = true;
    if (e.getConstant()) entry.constant = true;
    if (e.getName()) entry.name = e.getName();
    if (e.getInputsList().length) entry.inputs = params(e.getInputsList());
    if (e.getOutputsList().length) entry.outputs = params(e.getOutputsList());
    if (e.getType()) entry.type = ENTRY_TYPES[e.getType()] ?? "UnknownEntryType";
    if (e.getPayable()) entry.payable = true;
    if (e.getStatemutability()) entry.stateMutability = MUTABILITY[e.getStatemutability()] ?? "UnknownMutabilityType";
    return entry;
  });
  const origin = c.getOriginAddress_asU8();
  return {
    owner: requireAddress(m.getOwnerAddress_asU8(), "owner_address"),
    origin: origin.length ? addressFromBytes(origin) : undefined,
    bytecode: hex(c.getBytecode_asU8()),
    abi,
    name: c.getName(),
    callValue: c.getCallValue(),
    consumeUserResourcePercent: c.getConsumeUserResourcePercent(),
    originEnergyLimit: c.getOriginEnergyLimit(),
    callTokenValue: m.getCallTokenValue(),
    tokenId: m.getTokenId(),
  };
}

export interface TrxTransfer {
  owner: EvmAddress;
  to: EvmAddress;
  amount: number;
}

export function decodeTransfer(value: Uint8Array): TrxTransfer {
  const m = proto.TransferContract.deserializeBinary(value);
  return {
    owner: requireAddress(m.getOwnerAddress_asU8(), "owner_address"),
    to: requireAddress(m.getToAddress_asU8(), "to_address"),
    amount: m.getAmount(),
  };
}

function requireAddress(bytes: Uint8Array, field: string): EvmAddress {
  const address = addressFromBytes(bytes);
  if (!address) throw new Error(`${field} is not a TRON address (0x41 followed by 20 bytes)`);
  return address;
}

/** The JSON java-tron prints for a contract's parameter value (`raw_data.contract[0].parameter.value`). */
export function renderContractValue(kind: string, value: Uint8Array): Record<string, unknown> {
  const nonZero = (entries: [string, unknown][]) =>
    Object.fromEntries(entries.filter(([, v]) => v !== 0 && v !== "" && v !== undefined));
  if (kind === "TriggerSmartContract") {
    const t = decodeTrigger(value);
    return nonZero([
      ["data", t.data],
      ["owner_address", toHex41(t.owner)],
      ["contract_address", toHex41(t.contract)],
      ["call_value", t.callValue],
      ["call_token_value", t.callTokenValue],
      ["token_id", t.tokenId],
    ]);
  }
  if (kind === "CreateSmartContract") {
    const c = decodeCreate(value);
    return nonZero([
      ["owner_address", toHex41(c.owner)],
      [
        "new_contract",
        nonZero([
          ["bytecode", c.bytecode],
          ["consume_user_resource_percent", c.consumeUserResourcePercent],
          ["name", c.name],
          ["origin_address", c.origin ? toHex41(c.origin) : undefined],
          ["abi", { entrys: c.abi }],
          ["origin_energy_limit", c.originEnergyLimit],
          ["call_value", c.callValue],
        ]),
      ],
      ["call_token_value", c.callTokenValue],
      ["token_id", c.tokenId],
    ]);
  }
  if (kind === "TransferContract") {
    const t = decodeTransfer(value);
    return nonZero([
      ["amount", t.amount],
      ["owner_address", toHex41(t.owner)],
      ["to_address", toHex41(t.to)],
    ]);
  }
  return {};
}

export interface TransactionJson {
  visible: false;
  txID: string;
  raw_data: Record<string, unknown> & { contract: Record<string, unknown>[] };
  raw_data_hex: string;
  signature?: string[];
  [extra: string]: unknown;
}

export interface EncodedTransaction {
  rawBytes: Uint8Array;
  txID: string;
}

/**
 * Serializes a transaction's JSON `raw_data` the way TronWeb does (its txJsonToPb), which is how
 * TronWeb checks what a node hands it. Throws for contract types TronWeb cannot build.
 */
export function encodeRawDataJson(tx: { raw_data: unknown; visible?: boolean }): EncodedTransaction {
  const pb = utils.transaction.txJsonToPb(tx as never);
  const rawBytes: Uint8Array = pb.getRawData().serializeBinary();
  return { rawBytes, txID: sha256Hex(rawBytes) };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The JSON form of a transaction whose raw bytes are known (java-tron's print of it). */
export function renderTransaction(rawBytes: Uint8Array, signatures?: string[]): TransactionJson {
  const raw = decodeRawData(rawBytes);
  const contract = raw.contracts.map((c) => ({
    parameter: { value: renderContractValue(c.kind, c.value), type_url: TYPE_URL_PREFIX + c.kind },
    type: c.kind,
    ...(c.permissionId ? { Permission_id: c.permissionId } : {}),
  }));
  const rawData: TransactionJson["raw_data"] = { contract, ref_block_bytes: raw.refBlockBytes };
  rawData.ref_block_hash = raw.refBlockHash;
  rawData.expiration = raw.expiration;
  if (raw.data) rawData.data = raw.data;
  if (raw.feeLimit) rawData.fee_limit = raw.feeLimit;
  rawData.timestamp = raw.timestamp;
  const json: TransactionJson = {
    visible: false,
    txID: sha256Hex(rawBytes),
    raw_data: rawData,
    raw_data_hex: hex(rawBytes),
  };
  if (signatures) json.signature = signatures;
  return json;
}
