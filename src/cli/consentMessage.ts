import { channelId as toChannelId, type ChannelKey } from "../voucher/typedData";
import { keyJson, type AddressFormat } from "./channelJson";
import { CliUsageError } from "./errors";
import { isRecord, messageFields } from "./messageFields";

/**
 * A payee's consent to close a channel at once, as `seedpay consent` prints it and
 * `seedpay close --consent` reads it: the TIP-712 CloseConsent(channelId, finalAmount, deadline)
 * signature by the payee's wallet, with the channel's key, chain and escrow so the payer can check it
 * all before sending closeWithConsent. Only the payer can use it (the escrow refuses anyone else
 * without the payer's authorisation), and only until the deadline.
 */
export type ConsentMessage = {
  chainId: bigint;
  escrow: string;
  channelId: string;
  key: ChannelKey;
  /** What the payee gets in total (cumulative, like a voucher); the rest of the deposit is refunded. */
  finalAmount: bigint;
  /** Unix seconds (chain time) after which the escrow refuses it. */
  deadline: bigint;
  signature: string;
};

/** Version 2: the consent carries a deadline and is signed in the escrow's TIP-712 domain version 2. */
export const CONSENT_MESSAGE_TYPE = "seedpay-close-consent/2";

/** The message as JSON, addresses in the chain's form (`format`: base58 on TRON); `decode` reads any form. */
export function encodeConsentMessage(c: ConsentMessage, format?: AddressFormat): Record<string, unknown> {
  return {
    type: CONSENT_MESSAGE_TYPE,
    chainId: c.chainId.toString(),
    escrow: format ? format(c.escrow) : c.escrow,
    channelId: c.channelId,
    key: keyJson(c.key, format),
    finalAmount: c.finalAmount.toString(),
    deadline: c.deadline.toString(),
    signature: c.signature,
  };
}

/** Parses and checks a consent message's shape; accepts `consent --json` output (the message under `consent`). */
export function decodeConsentMessage(text: string): ConsentMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("it is not JSON");
  }
  if (isRecord(parsed) && isRecord(parsed.consent)) parsed = parsed.consent;
  if (!isRecord(parsed)) throw invalid("expected a JSON object");
  if (parsed.type === "seedpay-close-consent/1") {
    throw invalid("it is a version 1 consent (no deadline), which this escrow no longer accepts");
  }
  if (parsed.type !== CONSENT_MESSAGE_TYPE) throw invalid(`"type" must be "${CONSENT_MESSAGE_TYPE}"`);
  const { uint, address, hex, key } = messageFields(invalid);
  const message: ConsentMessage = {
    chainId: uint(parsed.chainId, "chainId", 256),
    escrow: address(parsed.escrow, "escrow"),
    channelId: hex(parsed.channelId, "channelId", [32]),
    key: key(parsed.key),
    finalAmount: uint(parsed.finalAmount, "finalAmount", 256),
    deadline: uint(parsed.deadline, "deadline", 256),
    signature: hex(parsed.signature, "signature", [64, 65]),
  };
  if (toChannelId(message.key) !== message.channelId) {
    throw invalid(`"channelId" ${message.channelId} is not the id of "key" (${toChannelId(message.key)})`);
  }
  return message;
}

function invalid(reason: string): CliUsageError {
  return new CliUsageError(`not a seedpay close consent: ${reason}`, {
    metaMessages: ["Pass the JSON the payee's `seedpay consent` printed, as a file or on stdin (--consent -)."],
  });
}
