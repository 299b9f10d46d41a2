// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

/// @notice Identifies a channel: the hash of its `ChannelKey`. Computable off-chain before the
/// opening transaction confirms, so a payer can sign vouchers for a channel still in flight.
type ChannelId is bytes32;

/// @notice The immutable terms of a channel. They are never stored: every call that needs them
/// passes them as calldata and the contract checks them by hashing to the id. On TRON calldata
/// costs bandwidth, not energy, while a storage slot costs 20,000 energy.
struct ChannelKey {
    /// Funds the channel; gets back whatever is not claimed when it closes.
    address payer;
    /// Receives what vouchers are claimed for.
    address payee;
    /// Signs vouchers; may be a hot key distinct from the payer's wallet.
    address signer;
    /// Seconds the payee has to claim after the payer starts a unilateral close.
    uint32 disputeWindow;
    /// Distinguishes channels between the same parties; any value never used before.
    uint64 salt;
}

/// @notice Derives channel ids from channel keys.
library ChannelKeyLibrary {
    /// @notice The id of the channel with these terms: keccak256 of the ABI-encoded key.
    /// @dev Hashes the key's five calldata words as they are, without the per-field validation
    /// and memory copy of `abi.encode`. A key whose words carry dirty high bits therefore hashes
    /// to an id no channel can have: `open` reads (and so validates) every field of the key it
    /// creates a channel for, so every existing id is the hash of a clean encoding.
    function toId(ChannelKey calldata key) internal pure returns (ChannelId id) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, key, 0xa0)
            id := keccak256(ptr, 0xa0)
        }
    }
}
