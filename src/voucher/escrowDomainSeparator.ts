import { keccak_256 } from "@noble/hashes/sha3";
import { writeUint256 } from "./bytes";
import { InvalidChainIdError, type InvalidAddressError } from "./errors";
import { normalizeAddress } from "./normalizeAddress";
import { EIP712_DOMAIN_TYPEHASH } from "./typeHashes";
import { ESCROW_DOMAIN_NAME, ESCROW_DOMAIN_VERSION } from "./typedData";
import type { Hex } from "./types";

export type EscrowDomainSeparatorParameters = {
  /** The chain's id; TIP-712 keeps only its low 4 bytes (`block.chainid & 0xffffffff`). */
  chainId: bigint | number;
  /** The ChannelEscrow address, in any form `normalizeAddress` accepts. */
  escrow: string;
};
export type EscrowDomainSeparatorReturnType = Hex;
export type EscrowDomainSeparatorErrorType = InvalidChainIdError | InvalidAddressError;

const HASHED_NAME = keccak_256(new TextEncoder().encode(ESCROW_DOMAIN_NAME));
const HASHED_VERSION = keccak_256(new TextEncoder().encode(ESCROW_DOMAIN_VERSION));

/** The TIP-712 chain id of a chain id: its low 4 bytes. */
export function tip712ChainId(chainId: bigint | number): bigint {
  const valid = typeof chainId === "bigint" ? chainId >= 0n : Number.isSafeInteger(chainId) && chainId >= 0;
  if (!valid) throw new InvalidChainIdError({ chainId });
  return BigInt(chainId) & 0xffffffffn;
}

/**
 * The escrow's domain separator, as TIP712.sol computes it:
 * keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256(name), keccak256(version), chainId & 0xffffffff, escrow)).
 * Signers and verifiers compute it once; it is exported for callers checking it against a deployment.
 */
export function escrowDomainSeparator({ chainId, escrow }: EscrowDomainSeparatorParameters): Hex {
  const encoded = Buffer.alloc(160);
  encoded.set(EIP712_DOMAIN_TYPEHASH, 0);
  encoded.set(HASHED_NAME, 32);
  encoded.set(HASHED_VERSION, 64);
  writeUint256(encoded, 96, tip712ChainId(chainId));
  encoded.write(normalizeAddress(escrow).slice(2), 140, 20, "hex");
  return `0x${Buffer.from(keccak_256(encoded)).toString("hex")}`;
}
