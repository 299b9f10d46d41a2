import { Digester } from "./digester";
import {
  InvalidAmountError,
  InvalidChannelIdError,
  type InvalidAddressError,
  type InvalidChainIdError,
} from "./errors";
import { escrowDomainSeparator, type EscrowDomainSeparatorParameters } from "./escrowDomainSeparator";
import { CLOSE_CONSENT_TYPEHASH, VOUCHER_TYPEHASH } from "./typeHashes";
import type { ByteInput, Hex } from "./types";

export type HashVoucherParameters = EscrowDomainSeparatorParameters & {
  channelId: ByteInput;
  cumulativeAmount: bigint;
};
export type HashCloseConsentParameters = EscrowDomainSeparatorParameters & {
  channelId: ByteInput;
  finalAmount: bigint;
};
export type HashVoucherReturnType = Hex;
export type HashCloseConsentReturnType = Hex;
export type HashVoucherErrorType =
  | InvalidChainIdError
  | InvalidAddressError
  | InvalidChannelIdError
  | InvalidAmountError;
export type HashCloseConsentErrorType = HashVoucherErrorType;

function hash(
  domain: EscrowDomainSeparatorParameters,
  typeHash: Uint8Array,
  channelId: unknown,
  amount: unknown,
  field: string,
): Hex {
  const digester = new Digester(Buffer.from(escrowDomainSeparator(domain).slice(2), "hex"), typeHash);
  const digest = digester.digest(channelId, amount);
  if (digest === "invalid-channel-id") throw new InvalidChannelIdError({ channelId });
  if (digest === "invalid-amount") throw new InvalidAmountError({ amount, field });
  return `0x${Buffer.from(digest).toString("hex")}`;
}

/**
 * The digest a voucher's signature signs: what ChannelEscrow.voucherDigest returns. A one-off:
 * it derives the domain separator per call, where signers and verifiers derive it once.
 */
export function hashVoucher({ channelId, cumulativeAmount, ...domain }: HashVoucherParameters): Hex {
  return hash(domain, VOUCHER_TYPEHASH, channelId, cumulativeAmount, "cumulativeAmount");
}

/** The digest a close consent signs: what ChannelEscrow.closeConsentDigest returns. */
export function hashCloseConsent({ channelId, finalAmount, ...domain }: HashCloseConsentParameters): Hex {
  return hash(domain, CLOSE_CONSENT_TYPEHASH, channelId, finalAmount, "finalAmount");
}
