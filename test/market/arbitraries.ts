import fc from "fast-check";
import type { SealedBid } from "../../src/market";

/** A channel id: 0x and 64 lowercase hex digits. */
export const channelIdArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => "0x" + Buffer.from(bytes).toString("hex"));

/**
 * Prices per MiB: half from a tiny range (so ties are common, ties are where tie-breaks and
 * the clearing price meet) and half up to 10^24 base units (a million BTT, far past 2^53).
 */
export const priceArb = fc.oneof(fc.bigInt({ min: 0n, max: 4n }), fc.bigInt({ min: 0n, max: 10n ** 24n }));

/** 0 to `max` bids from distinct channels. */
export function bidsArb(max = 12): fc.Arbitrary<SealedBid[]> {
  return fc
    .uniqueArray(channelIdArb, { maxLength: max })
    .chain((ids) =>
      fc
        .tuple(...ids.map(() => priceArb))
        .map((prices) => ids.map((channelId, i) => ({ channelId, pricePerMiB: prices[i] }))),
    );
}

export const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** A fixed channel id for hand-written cases: 0x and the digit repeated 64 times. */
export function channel(n: number): string {
  return "0x" + n.toString(16).padStart(64, "0");
}
