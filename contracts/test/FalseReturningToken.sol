// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Like TRON USDT: `transfer` moves the tokens and then returns false. With `lying` set,
/// `transfer` and `transferFrom` return false (or true) without moving anything, as old tokens
/// that signal failure by return value do.
contract FalseReturningToken is ERC20 {
    bool public lying;
    bool public lieReturn;

    constructor() ERC20("False USDT", "fUSDT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setLying(bool lying_, bool lieReturn_) external {
        lying = lying_;
        lieReturn = lieReturn_;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (lying) return lieReturn;
        super.transfer(to, amount);
        return false;
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        if (lying) return lieReturn;
        return super.transferFrom(from, to, amount);
    }
}
