import { getAddress } from "ethers";
import { decodeBase58Check } from "./base58check";
import { InvalidAddressError } from "./errors";
import type { Address } from "./types";

export type NormalizeAddressErrorType = InvalidAddressError;

/** First byte of every TRON address payload (mainnet and testnets alike). */
const TRON_PREFIX = 0x41;

const EVM_HEX = /^0x[0-9a-fA-F]{40}$/;
const TRON_HEX = /^41[0-9a-fA-F]{40}$/;
const TRON_BASE58 = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

/**
 * The EIP-55 checksummed 0x form of a TRON base58 (T...), TRON hex (41...) or EVM hex (0x...)
 * address: TRON addresses enter TIP-712 typed data and the contract as their 20 bytes, without 0x41.
 *
 * @throws InvalidAddressError for anything else, including a mixed-case 0x address whose
 * EIP-55 checksum is wrong and a base58 address whose checksum is wrong.
 */
export function normalizeAddress(address: string): Address {
  if (typeof address !== "string") throw new InvalidAddressError({ address, reason: "not a string" });
  if (EVM_HEX.test(address)) {
    try {
      return getAddress(address) as Address;
    } catch {
      throw new InvalidAddressError({
        address,
        reason: "EIP-55 checksum mismatch (mixed case that is not a checksum)",
      });
    }
  }
  if (TRON_HEX.test(address)) return getAddress("0x" + address.slice(2)) as Address;
  if (TRON_BASE58.test(address)) {
    const payload = decodeBase58Check(address, 21);
    if (typeof payload === "string") throw new InvalidAddressError({ address, reason: payload });
    if (payload[0] !== TRON_PREFIX) {
      throw new InvalidAddressError({ address, reason: `payload starts with 0x${payload[0].toString(16)}, not 0x41` });
    }
    return getAddress("0x" + Buffer.from(payload.subarray(1)).toString("hex")) as Address;
  }
  let reason = "matches none of the accepted forms";
  if (/^0x41[0-9a-fA-F]{40}$/.test(address)) reason = "TRON hex takes no 0x prefix: drop the 0x";
  else if (/^(0x)?[0-9a-fA-F]+$/.test(address)) reason = `hex of ${address.replace(/^0x/, "").length} digits`;
  throw new InvalidAddressError({ address, reason });
}
