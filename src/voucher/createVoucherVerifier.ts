import { Digester } from "./digester";
import {
  InvalidAmountError,
  InvalidChannelIdError,
  InvalidDeadlineError,
  InvalidSignatureError,
  type InvalidAddressError,
  type InvalidChainIdError,
  type Secp256k1BackendUnavailableError,
} from "./errors";
import { escrowDomainSeparator, tip712ChainId } from "./escrowDomainSeparator";
import type { VerificationFailureReason } from "./failureReasons";
import { normalizeAddress } from "./normalizeAddress";
import { publicKeyToAddress, publicKeyToAddressBytes } from "./publicKeyToAddress";
import { readSignature } from "./readSignature";
import { getSecp256k1Backend, type Secp256k1BackendName } from "./secp256k1Backend";
import { BoundedCache, type CachedSigner } from "./signerCache";
import { CLOSE_CONSENT_TYPEHASH, VOUCHER_TYPEHASH } from "./typeHashes";
import type { Address, ByteInput, Hex } from "./types";

export type CreateVoucherVerifierParameters = {
  /** The chain's id; only its low 4 bytes enter the domain (TIP-712). */
  chainId: bigint | number;
  /** The ChannelEscrow address: TRON base58, 41-hex or 0x-hex. */
  escrow: string;
  /** Force a secp256k1 backend; by default native when it loads, else noble. */
  backend?: Secp256k1BackendName;
  /**
   * Channels whose verified signer key is kept (first in, first out). Default 10,000 with the native
   * backend (~100 bytes each), 256 with noble (its per-key tables take ~50 kB each).
   */
  cacheSize?: number;
};
export type CreateVoucherVerifierErrorType =
  | InvalidChainIdError
  | InvalidAddressError
  | Secp256k1BackendUnavailableError;

export type VerifyVoucherParameters = {
  channelId: ByteInput;
  cumulativeAmount: bigint;
  /** 65 bytes (v = 0/1/27/28) or 64 bytes (EIP-2098), hex or raw. */
  signature: ByteInput;
  /** The channel key's signer, in any address form. */
  expectedSigner: string;
};
export type VerifyCloseConsentParameters = Omit<VerifyVoucherParameters, "cumulativeAmount"> & {
  finalAmount: bigint;
  /** Unix seconds after which the escrow refuses the consent (whether it has passed is not checked here). */
  deadline: bigint;
};

/** What ChannelEscrow would do with the signature: accept it (valid) or revert (the reason). */
export type VerificationResult =
  | {
      valid: true;
      signer: Address;
      /** True when the channel's cached signer key was used instead of a full recovery. */
      cached: boolean;
    }
  | {
      valid: false;
      reason: VerificationFailureReason;
      /** For `wrong-signer`: the address the signature does recover. */
      recovered?: Address;
    };
export type VerifyVoucherReturnType = VerificationResult;
export type VerifyCloseConsentReturnType = VerificationResult;
/** Only the caller's own `expectedSigner` can make verification throw; peers' data never does. */
export type VerifyVoucherErrorType = InvalidAddressError;
export type VerifyCloseConsentErrorType = InvalidAddressError;

export type RecoverVoucherSignerParameters = Omit<VerifyVoucherParameters, "expectedSigner">;
export type RecoverCloseConsentSignerParameters = Omit<VerifyCloseConsentParameters, "expectedSigner">;
export type RecoverVoucherSignerReturnType = Address;
export type RecoverCloseConsentSignerReturnType = Address;
export type RecoverVoucherSignerErrorType = InvalidChannelIdError | InvalidAmountError | InvalidSignatureError;
export type RecoverCloseConsentSignerErrorType = RecoverVoucherSignerErrorType | InvalidDeadlineError;

/** Verifies vouchers and close consents for one escrow domain, as {@link createVoucherVerifier} returns it. */
export type VoucherVerifier = {
  readonly chainId: bigint;
  readonly escrow: Address;
  readonly domainSeparator: Hex;
  readonly backend: Secp256k1BackendName;
  /**
   * Checks a voucher's signature as ChannelEscrow.claim would. Never throws on the peer's channel
   * id, amount or signature. Whether the amount exceeds the last one and fits the deposit is the
   * channel state's business, not this function's.
   */
  verifyVoucher(parameters: VerifyVoucherParameters): VerifyVoucherReturnType;
  /** The address a voucher signature recovers to, as the escrow's ecrecover would see it. */
  recoverVoucherSigner(parameters: RecoverVoucherSignerParameters): RecoverVoucherSignerReturnType;
  /**
   * Checks a payee's close consent's signature as ChannelEscrow.closeWithConsent would
   * (`expectedSigner` = payee). The deadline and who may submit it are the caller's business.
   */
  verifyCloseConsent(parameters: VerifyCloseConsentParameters): VerifyCloseConsentReturnType;
  recoverCloseConsentSigner(parameters: RecoverCloseConsentSignerParameters): RecoverCloseConsentSignerReturnType;
  /** Drops a channel's cached signer keys, e.g. once it is closed. */
  forgetChannel(channelId: ByteInput): void;
  /** How many signer keys are cached. */
  readonly cachedSigners: number;
};
export type CreateVoucherVerifierReturnType = VoucherVerifier;

type Expected = { address: Address; bytes: Buffer };

/**
 * A verifier for one escrow domain. The first valid signature seen on a channel costs a public-key
 * recovery; the recovered key is then cached for the channel, and later signatures are checked
 * against it without deriving an address (see Secp256k1Backend.matches for why this still checks v).
 *
 * @throws CreateVoucherVerifierErrorType for a bad chain id, escrow address or backend.
 */
export function createVoucherVerifier(parameters: CreateVoucherVerifierParameters): CreateVoucherVerifierReturnType {
  const backend = getSecp256k1Backend(parameters.backend);
  const domainSeparator = escrowDomainSeparator(parameters);
  const separatorBytes = Buffer.from(domainSeparator.slice(2), "hex");
  const vouchers = new Digester(separatorBytes, VOUCHER_TYPEHASH);
  const consents = new Digester(separatorBytes, CLOSE_CONSENT_TYPEHASH, true);
  const capacity = parameters.cacheSize ?? (backend.name === "native" ? 10_000 : 256);
  const signers = new BoundedCache<CachedSigner>(capacity);
  // Callers pass the same signer string on every voucher of a channel; parsing it (base58, EIP-55)
  // would cost a fair share of a warm verification.
  const addresses = new BoundedCache<Expected>(1_024);
  const rs = Buffer.alloc(64);

  function expected(signer: string): Expected {
    let entry = addresses.get(signer);
    if (entry === undefined) {
      const address = normalizeAddress(signer);
      entry = { address, bytes: Buffer.from(address.slice(2), "hex") };
      addresses.set(signer, entry);
    }
    return entry;
  }

  // Voucher and consent keys of a channel differ (signer vs payee): cache them under distinct keys.
  function verify(
    digester: Digester,
    prefix: string,
    channelId: unknown,
    amount: unknown,
    signature: unknown,
    expectedSigner: string,
    deadline?: unknown,
  ): VerificationResult {
    const digest = digester.digest(channelId, amount, deadline);
    if (typeof digest === "string") return { valid: false, reason: digest };
    const recid = readSignature(signature, rs);
    if (typeof recid === "string") return { valid: false, reason: recid };
    const want = expected(expectedSigner);
    const channel = prefix + digester.channelKey();

    const known = signers.get(channel);
    if (known !== undefined && known.address === want.address && backend.matches(known.key, rs, recid, digest)) {
      return { valid: true, signer: want.address, cached: true };
    }
    const publicKey = backend.recover(rs, recid, digest);
    if (publicKey === null) return { valid: false, reason: "unrecoverable" };
    if (!want.bytes.equals(publicKeyToAddressBytes(publicKey))) {
      return { valid: false, reason: "wrong-signer", recovered: publicKeyToAddress(publicKey) };
    }
    signers.set(channel, { address: want.address, key: backend.prepareKey(publicKey) });
    return { valid: true, signer: want.address, cached: false };
  }

  function recover(
    digester: Digester,
    channelId: unknown,
    amount: unknown,
    signature: unknown,
    field: string,
    deadline?: unknown,
  ): Address {
    const digest = digester.digest(channelId, amount, deadline);
    if (digest === "invalid-channel-id") throw new InvalidChannelIdError({ channelId });
    if (digest === "invalid-amount") throw new InvalidAmountError({ amount, field });
    if (digest === "invalid-deadline") throw new InvalidDeadlineError({ deadline });
    const recid = readSignature(signature, rs);
    if (typeof recid === "string") throw new InvalidSignatureError({ signature, reason: recid });
    const publicKey = backend.recover(rs, recid, digest);
    if (publicKey === null) throw new InvalidSignatureError({ signature, reason: "unrecoverable" });
    return publicKeyToAddress(publicKey);
  }

  return {
    chainId: tip712ChainId(parameters.chainId),
    escrow: normalizeAddress(parameters.escrow),
    domainSeparator,
    backend: backend.name,
    verifyVoucher: (p) => verify(vouchers, "v", p.channelId, p.cumulativeAmount, p.signature, p.expectedSigner),
    recoverVoucherSigner: (p) => recover(vouchers, p.channelId, p.cumulativeAmount, p.signature, "cumulativeAmount"),
    verifyCloseConsent: (p) =>
      verify(consents, "c", p.channelId, p.finalAmount, p.signature, p.expectedSigner, p.deadline),
    recoverCloseConsentSigner: (p) =>
      recover(consents, p.channelId, p.finalAmount, p.signature, "finalAmount", p.deadline),
    forgetChannel(channelId) {
      if (vouchers.digest(channelId, 0n) === "invalid-channel-id") throw new InvalidChannelIdError({ channelId });
      signers.delete("v" + vouchers.channelKey());
      signers.delete("c" + vouchers.channelKey());
    },
    get cachedSigners() {
      return signers.size;
    },
  };
}
