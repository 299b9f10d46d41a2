import { AbiCoder, keccak256, type TypedDataDomain, type TypedDataField } from "ethers";

/** The immutable terms of a channel; their hash is the channel id (see contracts/libraries/ChannelKey.sol). */
export type ChannelKey = {
  /** Funds the channel and receives refunds (20-byte hex address). */
  payer: string;
  /** Receives claimed vouchers. */
  payee: string;
  /** Signs vouchers; may be a hot key distinct from the payer. */
  signer: string;
  /** Seconds the payee has to claim after the payer starts a unilateral close. */
  disputeWindow: number;
  /** Any value never used before by these parties. */
  salt: bigint;
};

/**
 * TIP-712 domain name and version of ChannelEscrow. Version 2 (issue 8): consents carry a deadline
 * and are used by the payer; a version-1 signature hashes to another digest and is never accepted.
 */
export const ESCROW_DOMAIN_NAME = "Seedpay ChannelEscrow";
export const ESCROW_DOMAIN_VERSION = "2";

/** The TIP-712 / EIP-712 types of a voucher, for ethers' or TronWeb's `signTypedData`. */
export const VOUCHER_TYPES: Record<string, TypedDataField[]> = {
  Voucher: [
    { name: "channelId", type: "bytes32" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
};

/** The payee's consent to close at `finalAmount`, usable until `deadline` (unix seconds) by the payer. */
export const CLOSE_CONSENT_TYPES: Record<string, TypedDataField[]> = {
  CloseConsent: [
    { name: "channelId", type: "bytes32" },
    { name: "finalAmount", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The payer's (or its signer's) authorisation for a relayer to submit exactly that consent close. */
export const CLOSE_AUTHORIZATION_TYPES: Record<string, TypedDataField[]> = {
  CloseAuthorization: [
    { name: "channelId", type: "bytes32" },
    { name: "finalAmount", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/**
 * The escrow's TIP-712 domain. TIP-712 puts `chainId & 0xffffffff` in the domain (TVM's
 * `block.chainid` carries the whole genesis block id); on EVM chains with 32-bit ids it is the id itself.
 */
export function escrowDomain(chainId: bigint | number, escrow: string): TypedDataDomain {
  return {
    name: ESCROW_DOMAIN_NAME,
    version: ESCROW_DOMAIN_VERSION,
    chainId: BigInt(chainId) & 0xffffffffn,
    verifyingContract: escrow,
  };
}

const CHANNEL_KEY_ABI = ["address", "address", "address", "uint32", "uint64"];

/** The channel id the escrow derives from a key: keccak256(abi.encode(key)). */
export function channelId(key: ChannelKey): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(CHANNEL_KEY_ABI, [key.payer, key.payee, key.signer, key.disputeWindow, key.salt]),
  );
}
