import { sha256 } from "@noble/hashes/sha2";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]));

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload)).subarray(0, 4);
}

/**
 * Decodes base58check into its payload of `length` bytes, or returns why it cannot.
 * Sized for TRON addresses (21-byte payloads): leading '1's (zero bytes) never occur there but
 * are handled anyway so the decoder is a plain base58check decoder.
 */
export function decodeBase58Check(text: string, length: number): Uint8Array | string {
  let value = 0n;
  for (const c of text) {
    const digit = INDEX.get(c);
    if (digit === undefined) return `"${c}" is not a base58 character`;
    value = value * 58n + digit;
  }
  const hex = value.toString(16);
  const leadingZeros = text.length - text.replace(/^1+/, "").length;
  const bytes = Buffer.from("00".repeat(leadingZeros) + (hex.length % 2 ? "0" : "") + (value ? hex : ""), "hex");
  if (bytes.length !== length + 4) return `decodes to ${bytes.length} bytes, expected ${length + 4}`;
  const payload = bytes.subarray(0, length);
  if (!Buffer.from(checksum(payload)).equals(bytes.subarray(length))) {
    return "base58check checksum mismatch (a mistyped character?)";
  }
  return new Uint8Array(payload);
}

/** Encodes bytes as base58check. */
export function encodeBase58Check(payload: Uint8Array): string {
  const bytes = Buffer.concat([payload, checksum(payload)]);
  let value = BigInt("0x" + (bytes.toString("hex") || "0"));
  let text = "";
  while (value > 0n) {
    text = ALPHABET[Number(value % 58n)] + text;
    value /= 58n;
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) text = "1" + text;
  return text;
}
