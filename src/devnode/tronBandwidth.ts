import { TronWeb } from "tronweb";
import { toHex41 } from "./address";
import type { EvmAddress } from "./address";
import { bandwidthOf, SUN_PER_BYTE } from "./chain/bandwidth";
import { encodeRawDataJson } from "./protobuf";

/**
 * What a transaction's bandwidth depends on besides its payload: the reference block, the times
 * and the fee limit are varints or fixed-size fields. These stand-ins have the sizes a live
 * transaction's have (a 2026 timestamp in ms, 60 s expiration), so the size is the one TRON bills,
 * to within a byte or two of fee-limit varint, and the same on every run.
 */
const REF_BLOCK_BYTES = "9a1f";
const REF_BLOCK_HASH = "5b0f4e6c3d2a1908";
const TIMESTAMP_MS = 1_767_225_600_000;
const EXPIRATION_MS = TIMESTAMP_MS + 60_000;
/** One 65-byte secp256k1 signature, as TronWeb signs. */
const SIGNATURES = ["00".repeat(65)];

/**
 * Bandwidth (bytes, as java-tron bills it: the signed transaction plus 64 reserved for its result)
 * of a TriggerSmartContract carrying `data` from `owner` to `contract`.
 */
export function triggerBandwidth(p: {
  owner: EvmAddress;
  contract: EvmAddress;
  /** Calldata, 0x-hex. */
  data: string;
  /** Sun; TronChain sets energy × 1.3 × the energy price. */
  feeLimit: number;
  callValue?: bigint;
}): number {
  const value: Record<string, unknown> = {
    data: p.data.replace(/^0x/, ""),
    owner_address: toHex41(p.owner),
    contract_address: toHex41(p.contract),
  };
  if (p.callValue) value.call_value = Number(p.callValue);
  const { rawBytes } = encodeRawDataJson({
    raw_data: {
      contract: [
        {
          parameter: { value, type_url: "type.googleapis.com/protocol.TriggerSmartContract" },
          type: "TriggerSmartContract",
        },
      ],
      ref_block_bytes: REF_BLOCK_BYTES,
      ref_block_hash: REF_BLOCK_HASH,
      expiration: EXPIRATION_MS,
      timestamp: TIMESTAMP_MS,
      fee_limit: p.feeLimit,
    },
    visible: false,
  });
  return bandwidthOf(rawBytes, SIGNATURES);
}

/**
 * Bandwidth of a CreateSmartContract built by TronWeb (offline) as the deploy script builds it:
 * the ABI (TRON stores it on chain, so it is part of the transaction), the bytecode with the
 * constructor arguments, 100 % user fee and the given origin energy limit.
 */
export async function createBandwidth(p: {
  abi: unknown[];
  bytecode: string;
  parameters: unknown[];
  feeLimit: number;
  originEnergyLimit: number;
  /** A key to sign with (the size does not depend on it). */
  privateKey: string;
}): Promise<number> {
  // No request leaves: the reference block is given, and signing is local.
  const tw = new TronWeb({ fullHost: "http://127.0.0.1:9", privateKey: p.privateKey });
  const owner = tw.defaultAddress.base58 as string;
  const tx = await tw.transactionBuilder.createSmartContract(
    {
      abi: p.abi as never,
      bytecode: p.bytecode,
      parameters: p.parameters,
      feeLimit: p.feeLimit,
      userFeePercentage: 100,
      originEnergyLimit: p.originEnergyLimit,
      blockHeader: {
        ref_block_bytes: REF_BLOCK_BYTES,
        ref_block_hash: REF_BLOCK_HASH,
        expiration: EXPIRATION_MS,
        timestamp: TIMESTAMP_MS,
      },
    } as never,
    owner,
  );
  return bandwidthOf(Buffer.from(tx.raw_data_hex, "hex"), SIGNATURES);
}

/** Sun a transaction burns when neither free nor staked bandwidth covers it: every byte, 1,000 sun. */
export const bandwidthSun = (bytes: number): number => bytes * SUN_PER_BYTE;
