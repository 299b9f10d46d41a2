import { CURVE_ORDER, isZero32, writeBytes } from "./bytes";
import { InvalidPrivateKeyError } from "./errors";

/**
 * The key as a 32-byte Buffer the backends take directly.
 * @throws InvalidPrivateKeyError (without the key's value) when it is not a valid secp256k1 key.
 */
export function parsePrivateKey(privateKey: string | Uint8Array): Buffer {
  const key = Buffer.alloc(32);
  if (!writeBytes(key, 0, privateKey, 32)) {
    let reason = `expected a hex string or a Uint8Array, got ${typeof privateKey}`;
    if (typeof privateKey === "string") {
      const digits = privateKey.replace(/^0x/i, "").length;
      reason = digits === 64 ? "it contains non-hex characters" : `expected 64 hex digits, got ${digits}`;
    } else if (privateKey instanceof Uint8Array) {
      reason = `expected 32 bytes, got ${privateKey.length}`;
    }
    throw new InvalidPrivateKeyError({ reason });
  }
  if (isZero32(key, 0) || CURVE_ORDER.compare(key, 0, 32) <= 0) {
    throw new InvalidPrivateKeyError({ reason: "the key is zero or not below the curve order" });
  }
  return key;
}
