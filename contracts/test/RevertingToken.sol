// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A token with a blacklist, as TRON USDT has: transfers to or from a blacklisted address
/// revert. `silent` makes them revert without a reason. `halted` makes every transfer revert.
contract RevertingToken is ERC20 {
    error Blacklisted(address account);
    error Halted();

    mapping(address => bool) public blacklisted;
    bool public halted;
    bool public silent;

    constructor() ERC20("Blacklist Token", "BL") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlacklisted(address account, bool value) external {
        blacklisted[account] = value;
    }

    function setHalted(bool halted_, bool silent_) external {
        halted = halted_;
        silent = silent_;
    }

    function _update(address from, address to, uint256 amount) internal override {
        if (from != address(0)) {
            // A reasonless revert is what this mock is for.
            // solhint-disable-next-line gas-custom-errors
            if (halted && silent) revert();
            if (halted) revert Halted();
            if (blacklisted[from]) revert Blacklisted(from);
            if (blacklisted[to]) revert Blacklisted(to);
        }
        super._update(from, to, amount);
    }
}
