import { keccak_256 } from "@noble/hashes/sha3";

const utf8 = (text: string) => new TextEncoder().encode(text);

/** keccak256 of the encoded types, as ChannelEscrow and TIP712.sol declare them. */
export const EIP712_DOMAIN_TYPEHASH = keccak_256(
  utf8("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);
export const VOUCHER_TYPEHASH = keccak_256(utf8("Voucher(bytes32 channelId,uint256 cumulativeAmount)"));
export const CLOSE_CONSENT_TYPEHASH = keccak_256(
  utf8("CloseConsent(bytes32 channelId,uint256 finalAmount,uint256 deadline)"),
);
export const CLOSE_AUTHORIZATION_TYPEHASH = keccak_256(
  utf8("CloseAuthorization(bytes32 channelId,uint256 finalAmount,uint256 deadline)"),
);
