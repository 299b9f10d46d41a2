// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Burns `feeBps` of every transfer from the amount the recipient gets (the sender's
/// balance drops by the full amount). With `chargeSender`, the fee is taken from the sender on
/// top of the amount instead.
contract FeeOnTransferToken is ERC20 {
    uint256 public feeBps;
    bool public chargeSender;

    constructor(uint256 feeBps_) ERC20("Fee Token", "FEE") {
        feeBps = feeBps_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFee(uint256 feeBps_, bool chargeSender_) external {
        feeBps = feeBps_;
        chargeSender = chargeSender_;
    }

    function _update(address from, address to, uint256 amount) internal override {
        if (from == address(0) || to == address(0) || feeBps == 0) return super._update(from, to, amount);
        uint256 fee = (amount * feeBps) / 10_000;
        if (chargeSender) {
            super._update(from, address(0), fee);
            super._update(from, to, amount);
        } else {
            super._update(from, address(0), fee);
            super._update(from, to, amount - fee);
        }
    }
}
