// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ITokenHook} from "./HookedToken.sol";

/// @notice A contract account for HookedToken tests: it forwards any call it is given (so it can
/// approve, open, offer or withdraw as a party), and when armed it runs one stored call from
/// inside its token hook (before its tokens move, or after it received some): the reentrancy a
/// hooked token lets a party attempt. A failing hook call is swallowed or re-raised as configured.
/// @dev No access control: it is a test double and holds nothing of value.
contract HookActor is ITokenHook {
    /// @notice The forwarded call reverted without a reason.
    error ForwardFailed(address target);

    address public hookTarget;
    bytes public hookData;
    bool public onSend;
    bool public armed;
    bool public swallow;
    /// @notice Hook calls that ran and succeeded / that reverted.
    uint256 public hookRuns;
    uint256 public hookFailures;

    /// @notice Calls `target` with `data` as this contract; re-raises the callee's revert data.
    function forward(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        // Forwarding arbitrary calls is the point of this mock.
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) _reraise(target, result);
    }

    /// @notice Runs `data` on `target` from the next hook of the chosen kind, once.
    function arm(address target, bytes calldata data, bool onSend_, bool swallow_) external {
        hookTarget = target;
        hookData = data;
        onSend = onSend_;
        swallow = swallow_;
        armed = true;
    }

    function tokensToSend(address, address, uint256) external {
        if (armed && onSend) _fire();
    }

    function tokensReceived(address, address, uint256) external {
        if (armed && !onSend) _fire();
    }

    function _fire() private {
        armed = false;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = hookTarget.call(hookData);
        if (ok) {
            ++hookRuns;
        } else {
            ++hookFailures;
            if (!swallow) _reraise(hookTarget, result);
        }
    }

    function _reraise(address target, bytes memory result) private pure {
        if (result.length == 0) revert ForwardFailed(target);
        assembly ("memory-safe") {
            revert(add(result, 0x20), mload(result))
        }
    }
}
