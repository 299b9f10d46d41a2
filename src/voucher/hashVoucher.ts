import { Digester } from "./digester";
import {
  InvalidAmountError,
  InvalidChannelIdError,
  InvalidDeadlineError,
  type InvalidAddressError,
  type InvalidChainIdError,
} from "./errors";
import { escrowDomainSeparator, type EscrowDomainSeparatorParameters } from "./escrowDomainSeparator";
import { CLOSE_AUTHORIZATION_TYPEHASH, CLOSE_CONSENT_TYPEHASH, VOUCHER_TYPEHASH } from "./typeHashes";
import type { ByteInput, Hex } from "./types";

export type HashVoucherParameters = EscrowDomainSeparatorParameters & {
  channelId: ByteInput;
  cumulativeAmount: bigint;
};
export type HashCloseConsentParameters = EscrowDomainSeparatorParameters & {
  channelId: ByteInput;
  finalAmount: bigint;
  /** Unix seconds after which the escrow refuses the consent. */
  deadline: bigint;
};
export type HashCloseAuthorizationParameters = HashCloseConsentParameters;
export type HashCloseAuthorizationReturnType = Hex;
export type HashVoucherReturnType = Hex;
export type HashCloseConsentReturnType = Hex;
export type HashVoucherErrorType =
  | InvalidChainIdError
  | InvalidAddressError
  | InvalidChannelIdError
  | InvalidAmountError;
export type HashCloseConsentErrorType = HashVoucherErrorType | InvalidDeadlineError;
export type HashCloseAuthorizationErrorType = HashCloseConsentErrorType;

function hash(
  domain: EscrowDomainSeparatorParameters,
  typeHash: Uint8Array,
  channelId: unknown,
  amount: unknown,
  field: string,
  deadline?: unknown,
): Hex {
  const withDeadline = typeHash !== VOUCHER_TYPEHASH;
  const digester = new Digester(Buffer.from(escrowDomainSeparator(domain).slice(2), "hex"), typeHash, withDeadline);
  const digest = digester.digest(channelId, amount, deadline);
  if (digest === "invalid-channel-id") throw new InvalidChannelIdError({ channelId });
  if (digest === "invalid-amount") throw new InvalidAmountError({ amount, field });
  if (digest === "invalid-deadline") throw new InvalidDeadlineError({ deadline });
  return `0x${Buffer.from(digest).toString("hex")}`;
}

/**
 * The digest a voucher's signature signs: what ChannelEscrow.voucherDigest returns. A one-off:
 * it derives the domain separator per call, where signers and verifiers derive it once.
 */
export function hashVoucher({ channelId, cumulativeAmount, ...domain }: HashVoucherParameters): Hex {
  return hash(domain, VOUCHER_TYPEHASH, channelId, cumulativeAmount, "cumulativeAmount");
}

/** The digest a payee's close consent signs: what ChannelEscrow.closeConsentDigest returns. */
export function hashCloseConsent({ channelId, finalAmount, deadline, ...domain }: HashCloseConsentParameters): Hex {
  return hash(domain, CLOSE_CONSENT_TYPEHASH, channelId, finalAmount, "finalAmount", deadline);
}

/**
 * The digest the payer (or its signer) signs to let a relayer submit a consent close: what
 * ChannelEscrow.closeAuthorizationDigest returns.
 */
export function hashCloseAuthorization({
  channelId,
  finalAmount,
  deadline,
  ...domain
}: HashCloseAuthorizationParameters): Hex {
  return hash(domain, CLOSE_AUTHORIZATION_TYPEHASH, channelId, finalAmount, "finalAmount", deadline);
}
