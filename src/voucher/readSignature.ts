import { CURVE_ORDER, HALF_CURVE_ORDER, isZero32 } from "./bytes";
import type { SignatureFailureReason } from "./failureReasons";

const scratch = Buffer.alloc(65);
const HEX = /^[0-9a-fA-F]*$/;

/**
 * Decodes a 65-byte (r ‖ s ‖ v) or 64-byte EIP-2098 (r ‖ vs) signature into r ‖ s in `out` and
 * returns the recovery id, or returns why ChannelEscrow would refuse it. Never throws.
 *
 * Checks run in SignatureDecoder.sol's order so the reason names the contract's revert: length
 * (SignatureLengthInvalid), then high s (SignatureSMalleable: OpenZeppelin's tryRecover tests s
 * before calling ecrecover), then v, r and s ranges (ecrecover returns 0: WrongSigner).
 */
export function readSignature(input: unknown, out: Buffer): number | SignatureFailureReason {
  let length: number;
  if (typeof input === "string") {
    const start = input.startsWith("0x") || input.startsWith("0X") ? 2 : 0;
    const digits = input.length - start;
    length = digits >> 1;
    if (digits % 2 !== 0 || (length !== 64 && length !== 65)) {
      return digits % 2 === 0 && HEX.test(start ? input.slice(start) : input) ? "invalid-length" : "invalid-encoding";
    }
    if (scratch.write(start ? input.slice(start) : input, 0, length, "hex") !== length) return "invalid-encoding";
  } else if (input instanceof Uint8Array) {
    length = input.length;
    if (length !== 64 && length !== 65) return "invalid-length";
    scratch.set(input);
  } else {
    return "invalid-encoding";
  }

  let recid: number;
  if (length === 65) {
    // The contract adds 27 to v below 27, so exactly 0, 1, 27 and 28 recover.
    recid = scratch[64] < 27 ? scratch[64] : scratch[64] - 27;
  } else {
    recid = scratch[32] >> 7;
    scratch[32] &= 0x7f;
  }
  if (HALF_CURVE_ORDER.compare(scratch, 32, 64) < 0) return "malleable";
  if (recid !== 0 && recid !== 1) return "invalid-v";
  if (isZero32(scratch, 0) || isZero32(scratch, 32) || CURVE_ORDER.compare(scratch, 0, 32) <= 0) {
    return "invalid-r-s";
  }
  scratch.copy(out, 0, 0, 64);
  return recid;
}
