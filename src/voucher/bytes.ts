/** Byte helpers for the hot path: they write into caller-owned buffers and never throw. */

/** Curve order n of secp256k1, and n / 2 (the low-s bound), big-endian. */
export const CURVE_ORDER = Buffer.from("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "hex");
export const HALF_CURVE_ORDER = Buffer.from("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", "hex");

const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * Writes `input` (0x-hex, bare hex or bytes) of exactly `length` bytes at `offset`.
 * Returns false, leaving the target partly written, when it is not that many bytes.
 */
export function writeBytes(target: Buffer, offset: number, input: unknown, length: number): boolean {
  if (typeof input === "string") {
    const start = input.startsWith("0x") || input.startsWith("0X") ? 2 : 0;
    if (input.length - start !== length * 2) return false;
    // Buffer's hex decoder stops at the first non-hex pair, so a short count means bad input.
    return target.write(start ? input.slice(start) : input, offset, length, "hex") === length;
  }
  if (input instanceof Uint8Array && input.length === length) {
    target.set(input, offset);
    return true;
  }
  return false;
}

/** Writes a uint256 big-endian into 32 bytes at `offset`; false when `value` is not one. */
export function writeUint256(target: Buffer, offset: number, value: unknown): boolean {
  if (typeof value !== "bigint" || value < 0n || value > MAX_UINT256) return false;
  target.write(value.toString(16).padStart(64, "0"), offset, 32, "hex");
  return true;
}

/** Reads 32 big-endian bytes as a bigint. */
export function readUint256(source: Buffer, offset: number): bigint {
  return BigInt("0x" + source.toString("hex", offset, offset + 32));
}

/** True when bytes [offset, offset + 32) are all zero. */
export function isZero32(source: Buffer, offset: number): boolean {
  for (let i = offset; i < offset + 32; i++) if (source[i] !== 0) return false;
  return true;
}
