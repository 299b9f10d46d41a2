// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A token with a transfer hook (as ERC-777 has): on the next armed transfer it calls
/// `target` with `data` before (or after) moving the balance, as a sender's or recipient's hook
/// would. The hook's failure is swallowed or re-raised as configured.
contract ReentrantToken is ERC20 {
    address public hookTarget;
    bytes public data;
    bool public armed;
    bool public afterMove;
    bool public hookSucceeded;
    bytes public hookResult;

    constructor() ERC20("Reentrant Token", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata data_, bool afterMove_) external {
        hookTarget = target_;
        data = data_;
        afterMove = afterMove_;
        armed = true;
    }

    function _update(address from, address to, uint256 amount) internal override {
        if (!armed || from == address(0)) return super._update(from, to, amount);
        armed = false;
        if (afterMove) super._update(from, to, amount);
        // Calling arbitrary code is the point of this mock.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = hookTarget.call(data);
        hookSucceeded = ok;
        hookResult = result;
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        if (!afterMove) super._update(from, to, amount);
    }
}
