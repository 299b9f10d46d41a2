import { Digester } from "./digester";
import {
  InvalidAmountError,
  InvalidChannelIdError,
  InvalidDeadlineError,
  type InvalidAddressError,
  type InvalidChainIdError,
  type InvalidPrivateKeyError,
  type Secp256k1BackendUnavailableError,
} from "./errors";
import { escrowDomainSeparator, tip712ChainId } from "./escrowDomainSeparator";
import { normalizeAddress } from "./normalizeAddress";
import { parsePrivateKey } from "./parsePrivateKey";
import { publicKeyToAddress } from "./publicKeyToAddress";
import { getSecp256k1Backend, type Secp256k1BackendName } from "./secp256k1Backend";
import { CLOSE_AUTHORIZATION_TYPEHASH, CLOSE_CONSENT_TYPEHASH, VOUCHER_TYPEHASH } from "./typeHashes";
import type { Address, ByteInput, Hex } from "./types";

export type CreateVoucherSignerParameters = {
  /** The channel signer's key: 32 bytes, or 64 hex digits with or without 0x (TronWeb's form). */
  privateKey: string | Uint8Array;
  /** The chain's id; only its low 4 bytes enter the domain (TIP-712). */
  chainId: bigint | number;
  /** The ChannelEscrow address: TRON base58, 41-hex or 0x-hex. */
  escrow: string;
  /** Force a secp256k1 backend; by default native when it loads, else noble. */
  backend?: Secp256k1BackendName;
};
export type CreateVoucherSignerErrorType =
  | InvalidPrivateKeyError
  | InvalidChainIdError
  | InvalidAddressError
  | Secp256k1BackendUnavailableError;

export type SignVoucherParameters = { channelId: ByteInput; cumulativeAmount: bigint };
export type SignCloseConsentParameters = {
  channelId: ByteInput;
  finalAmount: bigint;
  /** Unix seconds after which the escrow refuses the consent. */
  deadline: bigint;
};
export type SignCloseAuthorizationParameters = SignCloseConsentParameters;
/** The same signature twice: pass either to the escrow. */
export type SignVoucherReturnType = {
  /** 65 bytes r ‖ s ‖ v with v = 27 or 28: byte-identical to ethers' and TronWeb's signTypedData. */
  signature: Hex;
  /** 64 bytes EIP-2098 r ‖ vs: a byte less of calldata and wire. */
  compact: Hex;
};
export type SignCloseConsentReturnType = SignVoucherReturnType;
export type SignVoucherErrorType = InvalidChannelIdError | InvalidAmountError;
export type SignCloseConsentErrorType = SignVoucherErrorType | InvalidDeadlineError;
export type SignCloseAuthorizationReturnType = SignVoucherReturnType;
export type SignCloseAuthorizationErrorType = SignCloseConsentErrorType;

/** Signs vouchers and close consents for one escrow domain, as {@link createVoucherSigner} returns it. */
export type VoucherSigner = {
  /** The address the signatures recover to (the channel key's `signer`, or `payee` for consents). */
  readonly address: Address;
  readonly chainId: bigint;
  readonly escrow: Address;
  readonly domainSeparator: Hex;
  readonly backend: Secp256k1BackendName;
  /** Signs Voucher(channelId, cumulativeAmount). Synchronous. */
  signVoucher(parameters: SignVoucherParameters): SignVoucherReturnType;
  /**
   * Signs CloseConsent(channelId, finalAmount, deadline): a payee's consent to the payer's immediate
   * close. Only the payer can use it (or a relayer holding the payer's authorisation).
   */
  signCloseConsent(parameters: SignCloseConsentParameters): SignCloseConsentReturnType;
  /**
   * Signs CloseAuthorization(channelId, finalAmount, deadline) as the payer or the channel's signer:
   * lets anyone submit exactly that consent close for the payer.
   */
  signCloseAuthorization(parameters: SignCloseAuthorizationParameters): SignCloseAuthorizationReturnType;
};
export type CreateVoucherSignerReturnType = VoucherSigner;

/**
 * A signer for one escrow domain. The domain separator and type hashes are computed here once;
 * each signature then costs two keccak256 over preallocated buffers and one ECDSA signature.
 * Signatures are RFC 6979 deterministic and low-s, so they match ethers and TronWeb byte for byte.
 *
 * @throws CreateVoucherSignerErrorType for a bad key, chain id, escrow address or backend.
 */
export function createVoucherSigner(parameters: CreateVoucherSignerParameters): CreateVoucherSignerReturnType {
  const backend = getSecp256k1Backend(parameters.backend);
  const privateKey = parsePrivateKey(parameters.privateKey);
  const domainSeparator = escrowDomainSeparator(parameters);
  const separatorBytes = Buffer.from(domainSeparator.slice(2), "hex");
  const vouchers = new Digester(separatorBytes, VOUCHER_TYPEHASH);
  const consents = new Digester(separatorBytes, CLOSE_CONSENT_TYPEHASH, true);
  const authorizations = new Digester(separatorBytes, CLOSE_AUTHORIZATION_TYPEHASH, true);
  const rs = Buffer.alloc(64);

  function sign(
    digester: Digester,
    channelId: unknown,
    amount: unknown,
    field: string,
    deadline?: unknown,
  ): SignVoucherReturnType {
    const digest = digester.digest(channelId, amount, deadline);
    if (digest === "invalid-channel-id") throw new InvalidChannelIdError({ channelId });
    if (digest === "invalid-amount") throw new InvalidAmountError({ amount, field });
    if (digest === "invalid-deadline") throw new InvalidDeadlineError({ deadline });
    const recid = backend.sign(digest, privateKey, rs);
    const hex = rs.toString("hex");
    // Low s leaves the top bit of s free: EIP-2098 stores the y parity there.
    const vs = recid ? (parseInt(hex[64], 16) | 8).toString(16) + hex.slice(65) : hex.slice(64);
    return {
      signature: `0x${hex}${recid ? "1c" : "1b"}`,
      compact: `0x${hex.slice(0, 64)}${vs}`,
    };
  }

  return {
    address: publicKeyToAddress(backend.publicKey(privateKey)),
    chainId: tip712ChainId(parameters.chainId),
    escrow: normalizeAddress(parameters.escrow),
    domainSeparator,
    backend: backend.name,
    signVoucher: ({ channelId, cumulativeAmount }) => sign(vouchers, channelId, cumulativeAmount, "cumulativeAmount"),
    signCloseConsent: ({ channelId, finalAmount, deadline }) =>
      sign(consents, channelId, finalAmount, "finalAmount", deadline),
    signCloseAuthorization: ({ channelId, finalAmount, deadline }) =>
      sign(authorizations, channelId, finalAmount, "finalAmount", deadline),
  };
}
