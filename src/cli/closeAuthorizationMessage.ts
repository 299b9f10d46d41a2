import { recoverAddress, Signature } from "ethers";
import { hashCloseAuthorization } from "../voucher/hashVoucher";
import { decodeConsentMessage, encodeConsentMessage, type ConsentMessage } from "./consentMessage";
import type { AddressFormat } from "./channelJson";
import { CliUsageError } from "./errors";
import { isRecord, messageFields } from "./messageFields";

/**
 * A payee's close consent together with the payer's (or its voucher signer's) TIP-712
 * CloseAuthorization(channelId, finalAmount, deadline) over the same channel, amount and deadline:
 * what `seedpay authorize-close` prints and a relayer hands to `seedpay close --consent`. The
 * escrow lets anyone submit a consent close with it; without it, only the payer may.
 */
export type CloseAuthorizationMessage = {
  consent: ConsentMessage;
  /** The payer's or signer's signature over CloseAuthorization(channelId, finalAmount, deadline). */
  authorization: string;
  /** Who signed it, as the authorizer claims: the payer or the channel's signer (checked on decoding). */
  authorizer: string;
};

export const CLOSE_AUTHORIZATION_MESSAGE_TYPE = "seedpay-close-authorization/1";

export function encodeCloseAuthorizationMessage(
  m: CloseAuthorizationMessage,
  format?: AddressFormat,
): Record<string, unknown> {
  return {
    type: CLOSE_AUTHORIZATION_MESSAGE_TYPE,
    consent: encodeConsentMessage(m.consent, format),
    authorization: m.authorization,
    authorizer: format ? format(m.authorizer) : m.authorizer,
  };
}

/** `authorize-close --json` output carries the message under `authorization`; unwrap it. */
function unwrap(parsed: unknown): unknown {
  if (isRecord(parsed) && isRecord(parsed.authorization)) return parsed.authorization;
  return parsed;
}

/** True when the JSON text is an authorization message (a relayer's), not a bare consent (the payer's). */
export function isCloseAuthorizationMessage(text: string): boolean {
  try {
    const parsed = unwrap(JSON.parse(text));
    return isRecord(parsed) && parsed.type === CLOSE_AUTHORIZATION_MESSAGE_TYPE;
  } catch {
    return false;
  }
}

/** Parses and checks an authorization message's shape (not its signatures: see recoverCloseAuthorizer). */
export function decodeCloseAuthorizationMessage(text: string): CloseAuthorizationMessage {
  let parsed: unknown;
  try {
    parsed = unwrap(JSON.parse(text));
  } catch {
    throw invalid("it is not JSON");
  }
  if (!isRecord(parsed) || parsed.type !== CLOSE_AUTHORIZATION_MESSAGE_TYPE) {
    throw invalid(`"type" must be "${CLOSE_AUTHORIZATION_MESSAGE_TYPE}"`);
  }
  if (!isRecord(parsed.consent)) throw invalid('"consent" must be the payee\'s consent (from `seedpay consent`)');
  const { address, hex } = messageFields(invalid);
  return {
    consent: decodeConsentMessage(JSON.stringify(parsed.consent)),
    authorization: hex(parsed.authorization, "authorization", [64, 65]),
    authorizer: address(parsed.authorizer, "authorizer"),
  };
}

/**
 * The address the authorization recovers to on the consent's escrow and chain, as the escrow's
 * ecrecover sees it; undefined when the signature is unusable (e.g. a malleable high s).
 */
export function recoverCloseAuthorizer(m: CloseAuthorizationMessage): string | undefined {
  const digest = hashCloseAuthorization({
    chainId: m.consent.chainId,
    escrow: m.consent.escrow,
    channelId: m.consent.channelId,
    finalAmount: m.consent.finalAmount,
    deadline: m.consent.deadline,
  });
  try {
    const signature = Signature.from(m.authorization);
    // The escrow refuses the upper half of s (SignatureDecoder); so does this.
    if (BigInt(signature.s) > SECP256K1_HALF_N) return undefined;
    return recoverAddress(digest, signature);
  } catch {
    return undefined;
  }
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function invalid(reason: string): CliUsageError {
  return new CliUsageError(`not a seedpay close authorization: ${reason}`, {
    metaMessages: ["Pass the JSON the payer's `seedpay authorize-close` printed, as a file or on stdin (--consent -)."],
  });
}
