import { encodeBase58Check } from "./base58check";
import type { InvalidAddressError } from "./errors";
import { normalizeAddress } from "./normalizeAddress";

export type ToTronAddressErrorType = InvalidAddressError;

/** The TRON base58 form (T...) of any address `normalizeAddress` accepts. */
export function toTronAddress(address: string): string {
  const hex = normalizeAddress(address).slice(2);
  return encodeBase58Check(Buffer.from("41" + hex, "hex"));
}
