import { decodeBase58Check, encodeBase58Check } from "../voucher/base58check";

/**
 * Addresses inside the devnode are lowercase 0x EVM addresses (what the EVM sees); the HTTP API
 * speaks TRON's forms: hex with the 0x41 prefix (`41…`, what java-tron prints when
 * `visible` is false) and base58check (`T…`).
 */
export type EvmAddress = `0x${string}`;

const TRON_HEX = /^41[0-9a-fA-F]{40}$/;
const EVM_HEX = /^0x[0-9a-fA-F]{40}$/;
const BASE58 = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

/** Parses any TRON address form (41-hex, base58 T…, or a 0x EVM address); undefined if invalid. */
export function parseAddress(input: unknown): EvmAddress | undefined {
  if (typeof input !== "string") return undefined;
  if (TRON_HEX.test(input)) return `0x${input.slice(2).toLowerCase()}`;
  if (EVM_HEX.test(input)) return input.toLowerCase() as EvmAddress;
  if (BASE58.test(input)) {
    const payload = decodeBase58Check(input, 21);
    if (typeof payload === "string" || payload[0] !== 0x41) return undefined;
    return `0x${Buffer.from(payload.subarray(1)).toString("hex")}`;
  }
  return undefined;
}

/** Address bytes as they sit in a TRON protobuf (21 bytes, 0x41 first) to an EVM address. */
export function addressFromBytes(bytes: Uint8Array): EvmAddress | undefined {
  if (bytes.length !== 21 || bytes[0] !== 0x41) return undefined;
  return `0x${Buffer.from(bytes.subarray(1)).toString("hex")}`;
}

/** `41…` hex, the form java-tron prints for addresses. */
export function toHex41(address: EvmAddress): string {
  return "41" + address.slice(2);
}

/** Base58check `T…`. */
export function toBase58(address: EvmAddress): string {
  return encodeBase58Check(Buffer.from(toHex41(address), "hex"));
}

/** The 21 protobuf bytes of an address. */
export function toBytes21(address: EvmAddress): Uint8Array {
  return Buffer.from(toHex41(address), "hex");
}
