import { normalizeAddress } from "../voucher/normalizeAddress";
import type { ChannelKey } from "../voucher/typedData";
import type { CliUsageError } from "./errors";

/**
 * Checked readers for the fields of the JSON messages parties hand each other (vouchers, close
 * consents): each field is refused with its name, through `invalid`, which says what the message is.
 */
export function messageFields(invalid: (reason: string) => CliUsageError) {
  const uint = (value: unknown, field: string, bits: number): bigint => {
    const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
    if (typeof text !== "string" || !/^\d{1,78}$/.test(text)) {
      throw invalid(`"${field}" must be a decimal integer string`);
    }
    const n = BigInt(text);
    if (n >= 1n << BigInt(bits)) throw invalid(`"${field}" does not fit in ${bits} bits`);
    return n;
  };
  const address = (value: unknown, field: string): string => {
    try {
      if (typeof value !== "string") throw new Error();
      return normalizeAddress(value);
    } catch {
      throw invalid(`"${field}" must be an address (0x, or TRON base58 T…)`);
    }
  };
  const hex = (value: unknown, field: string, lengths: number[]): string => {
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value) || !lengths.includes((value.length - 2) / 2)) {
      throw invalid(`"${field}" must be 0x + ${lengths.map((n) => n * 2).join(" or ")} hex digits`);
    }
    return value.toLowerCase();
  };
  const key = (value: unknown): ChannelKey => {
    if (!isRecord(value)) throw invalid('"key" must be the channel key object');
    return {
      payer: address(value.payer, "key.payer"),
      payee: address(value.payee, "key.payee"),
      signer: address(value.signer, "key.signer"),
      disputeWindow: Number(uint(value.disputeWindow, "key.disputeWindow", 32)),
      salt: uint(value.salt, "key.salt", 64),
    };
  };
  return { uint, address, hex, key };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
