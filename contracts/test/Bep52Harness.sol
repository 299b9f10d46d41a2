// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {Bep52} from "../libraries/Bep52.sol";

/// @notice Exposes the Bep52 library to tests, so property tests can check thousands of proofs
/// with eth_call instead of a challenge/respond transaction pair per proof.
contract Bep52Harness {
    function verify(
        bytes32 piecesRoot,
        uint256 length,
        uint256 index,
        bytes calldata data,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return Bep52.verify(piecesRoot, length, index, data, proof);
    }

    function blockCount(uint256 length) external pure returns (uint256) {
        return Bep52.blockCount(length);
    }

    function depth(uint256 blocks) external pure returns (uint256) {
        return Bep52.depth(blocks);
    }
}
