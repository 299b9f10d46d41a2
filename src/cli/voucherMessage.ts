import { channelId as toChannelId, type ChannelKey } from "../voucher/typedData";
import { CliUsageError } from "./errors";
import { keyJson, type AddressFormat } from "./channelJson";
import { isRecord, messageFields } from "./messageFields";

/**
 * A voucher as `seedpay pay` prints it and `seedpay receive` reads it: the signed amount plus
 * everything a payee needs to accept a channel it has never seen (its key, chain and escrow).
 */
export type VoucherMessage = {
  chainId: bigint;
  escrow: string;
  channelId: string;
  key: ChannelKey;
  cumulativeAmount: bigint;
  signature: string;
};

export const VOUCHER_MESSAGE_TYPE = "seedpay-voucher/1";

/** The message as JSON, addresses in the chain's form (`format`: base58 on TRON); `decode` reads any form. */
export function encodeVoucherMessage(v: VoucherMessage, format?: AddressFormat): Record<string, unknown> {
  return {
    type: VOUCHER_MESSAGE_TYPE,
    chainId: v.chainId.toString(),
    escrow: format ? format(v.escrow) : v.escrow,
    channelId: v.channelId,
    key: keyJson(v.key, format),
    cumulativeAmount: v.cumulativeAmount.toString(),
    signature: v.signature,
  };
}

/** Parses and checks a voucher message; accepts `pay --json` output too (the voucher under `voucher`). */
export function decodeVoucherMessage(text: string): VoucherMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("it is not JSON");
  }
  if (isRecord(parsed) && isRecord(parsed.voucher)) parsed = parsed.voucher;
  if (!isRecord(parsed)) throw invalid("expected a JSON object");
  if (parsed.type !== VOUCHER_MESSAGE_TYPE) throw invalid(`"type" must be "${VOUCHER_MESSAGE_TYPE}"`);
  const { uint, address, hex, key } = messageFields(invalid);
  const message: VoucherMessage = {
    chainId: uint(parsed.chainId, "chainId", 256),
    escrow: address(parsed.escrow, "escrow"),
    channelId: hex(parsed.channelId, "channelId", [32]),
    key: key(parsed.key),
    cumulativeAmount: uint(parsed.cumulativeAmount, "cumulativeAmount", 256),
    signature: hex(parsed.signature, "signature", [64, 65]),
  };
  if (toChannelId(message.key) !== message.channelId.toLowerCase()) {
    throw invalid(`"channelId" ${message.channelId} is not the id of "key" (${toChannelId(message.key)})`);
  }
  return message;
}

function invalid(reason: string): CliUsageError {
  return new CliUsageError(`not a seedpay voucher: ${reason}`, {
    metaMessages: ["Pass the JSON `seedpay pay` printed, as an argument or on stdin."],
  });
}
