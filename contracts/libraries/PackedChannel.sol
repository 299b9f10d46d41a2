// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

/// @notice All mutable state of one channel in one storage slot:
/// bits 0..111 deposit, 112..223 claimed, 224..255 closesAt.
/// @dev Mode is derived from `closesAt` (after Nitro's StatusManager): 0 = open, CLOSED = closed,
/// anything else = closing, with claims still accepted until it is settled. A closed channel keeps
/// its slot non-zero forever so its id (and every voucher signed for it) can never be reused.
type PackedChannel is uint256;

using PackedChannelLibrary for PackedChannel global;

library PackedChannelLibrary {
    /// @dev 2^112 - 1 ≈ 5.2e33 base units: above BTT's whole supply (990e12 × 1e18 ≈ 2^109.6).
    uint256 internal constant MAX_AMOUNT = type(uint112).max;
    /// @dev `closesAt` of a closed (settled) channel. Never a real deadline: that would be year 2106.
    uint32 internal constant CLOSED = type(uint32).max;

    uint256 private constant _MASK_112 = (1 << 112) - 1;

    /// @dev Callers guarantee deposit, claimed <= MAX_AMOUNT.
    function pack(uint256 deposit_, uint256 claimed_, uint32 closesAt_) internal pure returns (PackedChannel) {
        return PackedChannel.wrap(deposit_ | (claimed_ << 112) | (uint256(closesAt_) << 224));
    }

    function deposit(PackedChannel c) internal pure returns (uint256) {
        return PackedChannel.unwrap(c) & _MASK_112;
    }

    function claimed(PackedChannel c) internal pure returns (uint256) {
        return (PackedChannel.unwrap(c) >> 112) & _MASK_112;
    }

    function closesAt(PackedChannel c) internal pure returns (uint32) {
        return uint32(PackedChannel.unwrap(c) >> 224);
    }

    /// @dev Every existing channel has a non-zero deposit, so an empty slot means no channel.
    function exists(PackedChannel c) internal pure returns (bool) {
        return PackedChannel.unwrap(c) != 0;
    }
}
