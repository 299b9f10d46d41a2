// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @notice EIP-712 domain with TIP-712's chain id rule: `chainId = block.chainid & 0xffffffff`.
/// @dev OpenZeppelin's EIP712 puts the raw `block.chainid` in the domain; on TVM that differs from
/// what TronWeb signs (TIP-712 masks it to the low 4 bytes of the genesis block id). On EVM chains
/// whose ids fit in 32 bits the two are identical. The domain separator is cached for the chain
/// and address of deployment and rebuilt after a fork, as OpenZeppelin does.
abstract contract TIP712 is IERC5267 {
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    bytes32 private immutable _hashedName;
    bytes32 private immutable _hashedVersion;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    constructor() {
        (string memory name, string memory version) = _domainNameAndVersion();
        _hashedName = keccak256(bytes(name));
        _hashedVersion = keccak256(bytes(version));
        _cachedChainId = _tip712ChainId();
        _cachedDomainSeparator = _buildDomainSeparator();
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        (name, version) = _domainNameAndVersion();
        return (hex"0f", name, version, _tip712ChainId(), address(this), bytes32(0), new uint256[](0));
    }

    /// @dev The domain's name and version; constant for the contract's life.
    function _domainNameAndVersion() internal pure virtual returns (string memory name, string memory version);

    function _domainSeparator() internal view returns (bytes32) {
        return _tip712ChainId() == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @dev The digest a signer signs for a struct with this hash in this domain.
    function _hashTypedData(bytes32 structHash) internal view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(_domainSeparator(), structHash);
    }

    function _tip712ChainId() private view returns (uint256) {
        return block.chainid & 0xffffffff;
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(_DOMAIN_TYPEHASH, _hashedName, _hashedVersion, _tip712ChainId(), address(this)));
    }
}
