// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

/// @notice Verifies that a 16 KiB block belongs to a file with a given BitTorrent v2 (BEP 52)
/// `pieces root`.
/// @dev BEP 52: leaves are SHA-256 of 16 KiB blocks, the last block hashed as is (not padded); the
/// leaf layer is padded to a power of two with zero hashes; nodes are SHA-256(left ‖ right). BEP 52
/// has no leaf/node domain separation, so the tree's depth is fixed by the file's length and a
/// proof must have exactly that many siblings: a 64-byte "block" can then never pose as a node.
library Bep52 {
    uint256 internal constant BLOCK_SIZE = 16 * 1024;

    /// @notice The number of 16 KiB blocks of a file of `length` bytes (the last may be short).
    function blockCount(uint256 length) internal pure returns (uint256) {
        return (length + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }

    /// @notice The depth of a file's tree: ceil(log2(blockCount)), 0 for a one-block file.
    function depth(uint256 blocks) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < blocks) ++d;
    }

    /// @notice The length block `index` of a file of `length` bytes must have.
    function blockLength(uint256 length, uint256 index) internal pure returns (uint256) {
        uint256 start = index * BLOCK_SIZE;
        uint256 rest = length - start;
        return rest < BLOCK_SIZE ? rest : BLOCK_SIZE;
    }

    /// @notice Whether `data` is block `index` of the file with `piecesRoot` and `length`, given its
    /// sibling hashes from the leaf layer up (`proof.length` must equal the tree's depth).
    function verify(
        bytes32 piecesRoot,
        uint256 length,
        uint256 index,
        bytes calldata data,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        uint256 blocks = blockCount(length);
        if (index >= blocks) return false;
        if (data.length != blockLength(length, index)) return false;
        if (proof.length != depth(blocks)) return false;
        bytes32 node = sha256(data);
        for (uint256 i; i < proof.length; ++i) {
            node = (index >> i) & 1 == 0
                ? sha256(abi.encodePacked(node, proof[i]))
                : sha256(abi.encodePacked(proof[i], node));
        }
        return node == piecesRoot;
    }
}
