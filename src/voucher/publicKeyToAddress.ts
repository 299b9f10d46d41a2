import { keccak_256 } from "@noble/hashes/sha3";
import { getAddress } from "ethers";
import type { Address } from "./types";

/** The 20 address bytes of a 65-byte uncompressed public key: the last 20 bytes of keccak256(x ‖ y). */
export function publicKeyToAddressBytes(publicKey: Uint8Array): Uint8Array {
  return keccak_256(publicKey.subarray(1, 65)).subarray(12);
}

/** The checksummed address of a 65-byte uncompressed public key. */
export function publicKeyToAddress(publicKey: Uint8Array): Address {
  return getAddress("0x" + Buffer.from(publicKeyToAddressBytes(publicKey)).toString("hex")) as Address;
}
