// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Recovers the signer of a digest from a 65-byte (r, s, v) or 64-byte EIP-2098 (r, vs)
/// signature, accepting v as 27/28 (ethers, TronWeb) or 0/1 (raw secp256k1 libraries).
/// @dev Malleable (high-s) signatures are refused by OpenZeppelin's `tryRecover`, so every message
/// has exactly one accepted signature per signer.
library SignatureDecoder {
    /// @notice The signature is neither 64 nor 65 bytes long.
    error SignatureLengthInvalid(uint256 length);
    /// @notice The signature's s is in the upper half of the curve order (a malleated signature).
    error SignatureSMalleable(bytes32 s);

    /// @return signer The recovered address; address(0) when the signature recovers no key
    /// (bad v, r or s off the curve), which callers report as a wrong signer.
    function recover(bytes32 digest, bytes calldata signature) internal pure returns (address signer) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        if (signature.length == 65) {
            r = bytes32(signature[0:32]);
            s = bytes32(signature[32:64]);
            v = uint8(signature[64]);
            if (v < 27) v += 27;
        } else if (signature.length == 64) {
            r = bytes32(signature[0:32]);
            bytes32 vs = bytes32(signature[32:64]);
            s = vs & bytes32(0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff);
            v = uint8(uint256(vs) >> 255) + 27;
        } else {
            revert SignatureLengthInvalid(signature.length);
        }
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecover(digest, v, r, s);
        if (err == ECDSA.RecoverError.InvalidSignatureS) revert SignatureSMalleable(s);
        // InvalidSignature leaves signer = address(0); there is no length error for (v, r, s).
    }
}
