/** A voucher as the store keeps it: 0x-lowercase channel id and signature, a bigint amount. */
export type PeerVoucher = { channelId: string; cumulativeAmount: bigint; signature: string };

export type ReadPeerVoucherReturnType = { voucher: PeerVoucher } | { malformed: string };

const CHANNEL_ID = /^(?:0x)?([0-9a-f]{64})$/;
const SIGNATURE = /^(?:0x)?([0-9a-f]{128}|[0-9a-f]{130})$/;

/**
 * Brings a voucher from a peer into the one spelling the store accepts, or says what is wrong with
 * it. Never throws: peers send channel ids without 0x or with spaces around, and signatures as bare
 * hex, 0X-prefixed or raw bytes, all of which the verifier accepts and the store's patterns do not.
 * A signature of the wrong length or alphabet is passed through unchanged so the verifier names
 * the reason the escrow would refuse it.
 */
export function readPeerVoucher(input: unknown): ReadPeerVoucherReturnType {
  if (typeof input !== "object" || input === null) return { malformed: "a voucher must be an object" };
  const { channelId, cumulativeAmount, signature } = input as Record<string, unknown>;
  const id = hexOf(channelId)?.match(CHANNEL_ID)?.[1];
  if (id === undefined) {
    return { malformed: `channel id ${show(channelId)} is not 32 bytes of hex (0x + 64 hex digits)` };
  }
  if (typeof cumulativeAmount !== "bigint") {
    return { malformed: `cumulativeAmount ${show(cumulativeAmount)} is not a bigint amount in base units` };
  }
  const sig = hexOf(signature)?.match(SIGNATURE)?.[1];
  if (sig === undefined && typeof signature !== "string") {
    return { malformed: `signature ${show(signature)} is neither hex nor bytes` };
  }
  return {
    voucher: { channelId: `0x${id}`, cumulativeAmount, signature: sig === undefined ? String(signature) : `0x${sig}` },
  };
}

/** Lowercase hex of a string (trimmed) or bytes; undefined for anything else. */
function hexOf(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim().toLowerCase();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  return undefined;
}

/** A short, printable rendering of a peer's value for an error detail. */
function show(value: unknown): string {
  const text =
    typeof value === "string" ? JSON.stringify(value) : typeof value === "bigint" ? `${value}n` : typeof value;
  return text.length > 90 ? `${text.slice(0, 90)}…` : text;
}
