// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStorageBond} from "../interfaces/IStorageBond.sol";

/// @notice Reads, in one call, what a property test checks after every step: each account's wallet
/// and its balance on the bond, the bond's token balance and what the bond says it owes.
contract BondLens {
    function read(
        IERC20 token,
        IStorageBond bond,
        address[] calldata accounts
    ) external view returns (uint256[] memory wallets, uint256[] memory credits, uint256 held, uint256 owed) {
        wallets = new uint256[](accounts.length);
        credits = new uint256[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            wallets[i] = token.balanceOf(accounts[i]);
            credits[i] = bond.balanceOf(accounts[i]);
        }
        held = token.balanceOf(address(bond));
        owed = bond.owed();
    }
}
