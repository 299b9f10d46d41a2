/**
 * Why a signature recovers no usable signer. Each maps to what ChannelEscrow does with it:
 * `invalid-length` reverts SignatureLengthInvalid, `malleable` reverts SignatureSMalleable, the
 * others recover address(0) or another address and revert WrongSigner.
 */
export type SignatureFailureReason =
  /** Not hex (or a hex string of odd length). */
  | "invalid-encoding"
  /** Neither 65 bytes (r, s, v) nor 64 bytes (EIP-2098 r, vs). */
  | "invalid-length"
  /** v is not 0, 1, 27 or 28. */
  | "invalid-v"
  /** s is above half the curve order: the malleated twin of a valid signature. */
  | "malleable"
  /** r is 0 or not below the curve order, or s is 0. */
  | "invalid-r-s"
  /** r is not the x-coordinate of a curve point, so no public key recovers. */
  | "unrecoverable";

/** Why a voucher or close consent does not verify. */
export type VerificationFailureReason =
  | SignatureFailureReason
  /** The channel id is not 32 bytes. */
  | "invalid-channel-id"
  /** The amount is not a uint256 bigint. */
  | "invalid-amount"
  /** A close consent's or authorisation's deadline is not a uint256 bigint. */
  | "invalid-deadline"
  /** The signature is well formed but recovers a different address. */
  | "wrong-signer";

export const FAILURE_DESCRIPTIONS: Record<VerificationFailureReason, string> = {
  "invalid-encoding": "the signature is not hex",
  "invalid-length": "the signature is neither 65 bytes (r, s, v) nor 64 bytes (EIP-2098)",
  "invalid-v": "v is not 0, 1, 27 or 28",
  malleable: "s is in the upper half of the curve order (a malleated signature)",
  "invalid-r-s": "r or s is zero or not below the curve order",
  unrecoverable: "no public key recovers from r",
  "invalid-channel-id": "the channel id is not 32 bytes",
  "invalid-amount": "the amount is not a uint256",
  "invalid-deadline": "the deadline is not a uint256",
  "wrong-signer": "the signature recovers a different address",
};
