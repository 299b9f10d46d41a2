import { utils } from "tronweb";
import type { TronClient, TronTransaction } from "./sendContractCall";
import { headerOf } from "./trackTransaction";
import { TronHttpError } from "./tronHttp";

/** The block a transaction refers to (TAPOS) and whose time sets its expiration. */
export type RefBlock = { number: number; id: string; timestamp: number };

/** java-tron's default: a transaction built by the node expires 60 s after its head block's time. */
export const TRANSACTION_LIFETIME_MS = 60_000;

/**
 * The head block as a transaction's reference: number, id and time, from a header-only read (no
 * transactions). Read alongside the estimate, so building locally costs no round trip of its own.
 */
export async function refBlockOf(client: TronClient): Promise<RefBlock> {
  const { number, timestamp, id } = await headerOf(client, "wallet/getblock");
  if (id === undefined || !/^[0-9a-fA-F]{64}$/.test(id)) {
    throw new TronHttpError("/wallet/getblock answered no block header and id", true);
  }
  return { number, id: id.toLowerCase(), timestamp };
}

/**
 * A TriggerSmartContract transaction built here, field for field as java-tron's
 * /wallet/triggersmartcontract builds it (ref_block_bytes: the reference block number's low 2
 * bytes; ref_block_hash: bytes 8–16 of its id; expiration: its time + 60 s; timestamp: now), and
 * serialized with TronWeb's own protobuf encoder, the one TronWeb's sign checks a node's answer
 * against. Saves the node round trip that only echoes these fields: on a slow node it is the
 * difference between claiming in a dispute window and not.
 *
 * Why it is safe: the bytes signed are the bytes this function serialized (txID = sha256 of them),
 * so no node can alter what is signed; the reference is the head the node itself would use (a
 * block reorganised away makes the node refuse the broadcast, TAPOS, as it would refuse its own
 * build, and nothing is spent); the expiration is from the chain's clock, not this machine's.
 */
export function buildContractCall(
  client: TronClient,
  ref: RefBlock,
  call: { contract: string; data: string; feeLimit: number },
): TronTransaction {
  const rawData = {
    contract: [
      {
        parameter: {
          value: { data: call.data, owner_address: client.owner, contract_address: call.contract },
          type_url: "type.googleapis.com/protocol.TriggerSmartContract",
        },
        type: "TriggerSmartContract",
      },
    ],
    ref_block_bytes: (ref.number & 0xffff).toString(16).padStart(4, "0"),
    ref_block_hash: ref.id.slice(16, 32),
    expiration: ref.timestamp + TRANSACTION_LIFETIME_MS,
    fee_limit: call.feeLimit,
    timestamp: Date.now(),
  };
  const pb = utils.transaction.txJsonToPb({ raw_data: rawData, visible: false } as never);
  return {
    visible: false,
    txID: utils.transaction.txPbToTxID(pb).replace(/^0x/, ""),
    raw_data: rawData,
    raw_data_hex: utils.transaction.txPbToRawDataHex(pb).toLowerCase(),
  };
}
