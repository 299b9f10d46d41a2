// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

/// @notice Identifies a storage deal: the hash of its `DealTerms`.
type DealId is bytes32;

/// @notice The immutable terms of a storage deal. Like channel keys, they are never stored: each
/// call passes them and the contract checks them by hashing to the deal id.
struct DealTerms {
    /// Owns the data; escrows the price; may challenge.
    address client;
    /// Stores the data; posts the bond; earns the price over the deal's life.
    address provider;
    /// BEP 52 `pieces root` of the stored file.
    bytes32 piecesRoot;
    /// The file's length in bytes (> 0): fixes the tree's depth and the last block's length.
    uint64 fileLength;
    /// Paid by the client, earned by the provider linearly over `duration`.
    uint256 price;
    /// Posted by the provider; goes to the client if a challenge is missed.
    uint256 bond;
    /// Seconds from acceptance to the end of the deal.
    uint32 duration;
    /// Seconds the provider has to answer a challenge; also the least time between two challenges.
    uint32 responseWindow;
    /// Paid by the client with each challenge; goes to the provider when it answers.
    uint256 challengeFee;
    /// The most challenges the client may make over the deal.
    uint16 maxChallenges;
    /// The offer's last second (unix time): `accept` after it is refused; `cancel` still works.
    uint64 offerExpiresAt;
    /// Distinguishes deals with otherwise equal terms.
    uint64 salt;
}

library DealTermsLibrary {
    function toId(DealTerms calldata terms) internal pure returns (DealId) {
        return DealId.wrap(keccak256(abi.encode(terms)));
    }
}
