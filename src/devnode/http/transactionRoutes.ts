import { id as keccakText } from "ethers";
import { toHex41 } from "../address";
import type { EvmAddress } from "../address";
import type { DevChain } from "../chain/DevChain";
import { contractAddressFor } from "../chain/executor";
import { txInfoJson, txJson } from "../chain/records";
import type { TronBlock } from "../chain/records";
import { BroadcastError } from "../chain/validate";
import { decodeSignedTransaction, encodeRawDataJson, renderTransaction, sha256Hex } from "../protobuf";
import type { TransactionJson, TronAbiEntry } from "../protobuf";
import { address, hexString, HandlerError, integer, optionalAddress, utf8Hex } from "./params";
import type { Handler, Params } from "./params";

const ZERO_OWNER: EvmAddress = "0x0000000000000000000000000000000000000000";

/** A transaction the node builds for the client to sign, referencing the head block. */
function build(chain: DevChain, kind: string, value: Record<string, unknown>, feeLimit?: number): TransactionJson {
  const head = chain.head();
  const rawData: Record<string, unknown> = {
    contract: [{ parameter: { value, type_url: `type.googleapis.com/protocol.${kind}` }, type: kind }],
    ref_block_bytes: (head.number & 0xffff).toString(16).padStart(4, "0"),
    ref_block_hash: head.id.slice(16, 32),
    expiration: head.timestamp + 60_000,
    timestamp: chain.nowMs(),
  };
  if (feeLimit) rawData.fee_limit = feeLimit;
  return renderTransaction(encodeRawDataJson({ raw_data: rawData, visible: false }).rawBytes);
}

/** Call data from `data`, or from `function_selector` and `parameter` (which win, as in java-tron). */
function callData(p: Params): string {
  if (typeof p.function_selector === "string" && p.function_selector !== "") {
    return keccakText(p.function_selector.replace(/\s/g, "")).slice(2, 10) + hexString(p, "parameter");
  }
  return hexString(p, "data");
}

const selectorOf = (e: TronAbiEntry) =>
  keccakText(`${e.name}(${(e.inputs ?? []).map((i) => i.type).join(",")})`).slice(2, 10);

const failed = (code: string, message: string) => ({ result: { code, message: utf8Hex(message) } });

const triggerArgs = (p: Params) => {
  const owner = optionalAddress(p, "owner_address") ?? ZERO_OWNER;
  const contract = address(p, "contract_address");
  return { owner, contract, data: callData(p), callValue: BigInt(integer(p, "call_value", 0)) };
};

const triggerValue = (args: ReturnType<typeof triggerArgs>) => ({
  data: args.data,
  owner_address: toHex41(args.owner),
  contract_address: toHex41(args.contract),
  ...(args.callValue ? { call_value: Number(args.callValue) } : {}),
});

/**
 * triggerconstantcontract and estimateenergy on the state of block `at()`: the head for the full
 * node, the solid block for the solidity node (java-tron's solidity API reads the solidified
 * state, so a contract created after it does not exist there and a value set after it is not seen).
 */
export function constantCallRoutes(
  chain: DevChain,
  at: () => TronBlock | undefined,
): { triggerconstantcontract: Handler; estimateenergy: Handler } {
  const constantResponse = async (p: Params) => {
    const args = triggerArgs(p);
    const block = at();
    if (!chain.contractAt(args.contract, block))
      return failed("CONTRACT_VALIDATE_ERROR", "Smart contract is not exist.");
    const result = await chain.constantCall(args, block);
    if (result.failure && result.failure !== "REVERT") {
      return failed("CONTRACT_EXE_ERROR", `${result.failure}: the call halted exceptionally`);
    }
    const transaction = build(chain, "TriggerSmartContract", triggerValue(args));
    return {
      result: result.failure ? { result: true, message: utf8Hex("REVERT opcode executed") } : { result: true },
      energy_used: result.energy,
      constant_result: [result.returnData],
      transaction: { ...transaction, ret: [result.failure ? { ret: "FAILED" } : {}] },
    };
  };

  const estimateEnergy: Handler = async (p) => {
    const args = triggerArgs(p);
    const block = at();
    if (!chain.contractAt(args.contract, block))
      return failed("CONTRACT_VALIDATE_ERROR", "Smart contract is not exist.");
    const result = await chain.constantCall(args, block);
    if (result.failure) {
      const message = result.failure === "REVERT" ? "REVERT opcode executed" : `${result.failure}: the call halted`;
      return failed("CONTRACT_EXE_ERROR", message);
    }
    return { result: { result: true }, energy_required: result.energy };
  };
  return { triggerconstantcontract: constantResponse, estimateenergy: estimateEnergy };
}

export function transactionRoutes(chain: DevChain): Record<string, Handler> {
  const { triggerconstantcontract: constantResponse, estimateenergy: estimateEnergy } = constantCallRoutes(
    chain,
    () => undefined,
  );

  const triggerSmartContract: Handler = async (p) => {
    const args = triggerArgs(p);
    const contract = chain.contracts.get(args.contract);
    if (!contract) return failed("CONTRACT_VALIDATE_ERROR", "No contract or not a valid smart contract");
    // java-tron runs a view/pure function as a constant call instead of building a transaction.
    const selector = args.data.slice(0, 8);
    const entry = contract.abi.find((e) => e.type === "Function" && selectorOf(e) === selector);
    if (entry && (entry.constant || entry.stateMutability === "View" || entry.stateMutability === "Pure")) {
      return constantResponse(p);
    }
    await chain.ensureFreshHead();
    return {
      result: { result: true },
      transaction: build(chain, "TriggerSmartContract", triggerValue(args), integer(p, "fee_limit", 0)),
    };
  };

  const deployContract: Handler = async (p) => {
    const owner = address(p, "owner_address");
    let abi = p.abi;
    if (typeof abi === "string") {
      try {
        abi = abi.trim() ? JSON.parse(abi) : [];
      } catch {
        throw new HandlerError("abi is not JSON");
      }
    }
    const entries = Array.isArray(abi) ? abi : ((abi as { entrys?: unknown[] } | undefined)?.entrys ?? []);
    const newContract: Record<string, unknown> = {
      abi: { entrys: entries },
      bytecode: hexString(p, "bytecode") + hexString(p, "parameter"),
      consume_user_resource_percent: integer(p, "consume_user_resource_percent", 0),
      origin_energy_limit: integer(p, "origin_energy_limit", 0),
      origin_address: toHex41(owner),
      name: typeof p.name === "string" ? p.name : "",
    };
    const callValue = integer(p, "call_value", 0);
    if (callValue) newContract.call_value = callValue;
    await chain.ensureFreshHead();
    const tx = build(
      chain,
      "CreateSmartContract",
      { owner_address: toHex41(owner), new_contract: newContract },
      integer(p, "fee_limit", 0),
    );
    return { ...tx, contract_address: toHex41(contractAddressFor(tx.txID, owner)) };
  };

  const createTransaction: Handler = async (p) => {
    const owner = address(p, "owner_address");
    const to = address(p, "to_address");
    await chain.ensureFreshHead();
    return build(chain, "TransferContract", {
      owner_address: toHex41(owner),
      to_address: toHex41(to),
      amount: integer(p, "amount"),
    });
  };

  const submit = async (rawBytes: Uint8Array, signatures: string[]) => {
    try {
      const txid = await chain.submit(rawBytes, signatures);
      return { result: true, txid };
    } catch (e) {
      if (!(e instanceof BroadcastError)) throw e;
      const txid = encodeTxid(rawBytes);
      return { code: e.code, txid, message: utf8Hex(e.message) };
    }
  };

  const broadcastTransaction: Handler = async (p) => {
    const signatures = Array.isArray(p.signature) ? p.signature.map(String) : [];
    let rawBytes: Uint8Array;
    if (typeof p.raw_data_hex === "string" && p.raw_data_hex !== "") {
      rawBytes = Buffer.from(hexString(p, "raw_data_hex"), "hex");
      if (p.raw_data !== undefined && !sameRawData(p, rawBytes)) {
        return {
          code: "OTHER_ERROR",
          txid: encodeTxid(rawBytes),
          message: utf8Hex(
            "raw_data does not serialize to raw_data_hex: the transaction was altered after it was built",
          ),
        };
      }
    } else if (p.raw_data !== undefined) {
      rawBytes = encodeRawDataJson(p as { raw_data: unknown }).rawBytes;
    } else {
      throw new HandlerError("raw_data is missing");
    }
    if (signatures.length === 0) {
      return {
        code: "SIGERROR",
        txid: encodeTxid(rawBytes),
        message: utf8Hex("Validate signature error: miss sig or contract"),
      };
    }
    return submit(rawBytes, signatures);
  };

  const broadcastHex: Handler = async (p) => {
    let decoded;
    try {
      decoded = decodeSignedTransaction(Buffer.from(hexString(p, "transaction"), "hex"));
    } catch (e) {
      throw new HandlerError(`transaction is not a TRON Transaction protobuf: ${(e as Error).message}`);
    }
    const result = await submit(decoded.raw, decoded.signatures);
    return { ...result, transaction: JSON.stringify(renderTransaction(decoded.raw, decoded.signatures)) };
  };

  const txId = (p: Params) => {
    const value = String(p.value ?? "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(value)) throw new HandlerError("value is not a 32-byte transaction id");
    return value;
  };
  const getTransactionById: Handler = async (p) => {
    const tx = chain.txs.get(txId(p));
    return tx ? txJson(tx) : {};
  };
  const getTransactionInfoById: Handler = async (p) => {
    const tx = chain.txs.get(txId(p));
    return tx ? txInfoJson(tx) : {};
  };
  const getTransactionInfoByBlockNum: Handler = async (p) => {
    const block = chain.blocks[integer(p, "num")];
    return block ? block.txIds.map((id) => txInfoJson(chain.txs.get(id) as never)) : [];
  };

  return {
    triggersmartcontract: triggerSmartContract,
    triggerconstantcontract: constantResponse,
    estimateenergy: estimateEnergy,
    deploycontract: deployContract,
    createtransaction: createTransaction,
    broadcasttransaction: broadcastTransaction,
    broadcasthex: broadcastHex,
    gettransactionbyid: getTransactionById,
    gettransactioninfobyid: getTransactionInfoById,
    gettransactioninfobyblocknum: getTransactionInfoByBlockNum,
  };
}

function encodeTxid(rawBytes: Uint8Array): string {
  return sha256Hex(rawBytes);
}

/** Whether the JSON raw_data serializes (as TronWeb serializes it) to the given bytes. */
function sameRawData(p: Params, rawBytes: Uint8Array): boolean {
  try {
    return Buffer.from(encodeRawDataJson(p as { raw_data: unknown }).rawBytes).equals(Buffer.from(rawBytes));
  } catch {
    // A contract type TronWeb cannot serialize: raw_data_hex alone decides, as it names the bytes signed.
    return true;
  }
}
