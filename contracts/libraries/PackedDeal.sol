// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

/// @notice All mutable state of one storage deal in one slot:
/// bits 0..7 status, 8..47 acceptedAt, 48..159 withdrawn, 160..175 challenges made,
/// 176..215 the last challenge's deadline, 216..255 the last challenged block index.
type PackedDeal is uint256;

using PackedDealLibrary for PackedDeal global;

library PackedDealLibrary {
    uint8 internal constant NONE = 0;
    uint8 internal constant OFFERED = 1;
    uint8 internal constant ACTIVE = 2;
    uint8 internal constant CHALLENGED = 3;
    uint8 internal constant SLASHED = 4;
    uint8 internal constant FINISHED = 5;
    uint8 internal constant CANCELLED = 6;

    function pack(
        uint8 status_,
        uint256 acceptedAt_,
        uint256 withdrawn_,
        uint256 challenges_,
        uint256 deadline_,
        uint256 index_
    ) internal pure returns (PackedDeal) {
        return
            PackedDeal.wrap(
                uint256(status_) |
                    (acceptedAt_ << 8) |
                    (withdrawn_ << 48) |
                    (challenges_ << 160) |
                    (deadline_ << 176) |
                    (index_ << 216)
            );
    }

    function status(PackedDeal d) internal pure returns (uint8) {
        return uint8(PackedDeal.unwrap(d));
    }

    function acceptedAt(PackedDeal d) internal pure returns (uint256) {
        return uint40(PackedDeal.unwrap(d) >> 8);
    }

    function withdrawn(PackedDeal d) internal pure returns (uint256) {
        return uint112(PackedDeal.unwrap(d) >> 48);
    }

    function challenges(PackedDeal d) internal pure returns (uint256) {
        return uint16(PackedDeal.unwrap(d) >> 160);
    }

    function deadline(PackedDeal d) internal pure returns (uint256) {
        return uint40(PackedDeal.unwrap(d) >> 176);
    }

    function index(PackedDeal d) internal pure returns (uint256) {
        return uint40(PackedDeal.unwrap(d) >> 216);
    }

    function withStatus(PackedDeal d, uint8 status_) internal pure returns (PackedDeal) {
        return PackedDeal.wrap((PackedDeal.unwrap(d) & ~uint256(0xff)) | status_);
    }
}
