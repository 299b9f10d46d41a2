// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

/// @notice A contract account that forwards any call it is given, so a test can make it a payer or
/// payee (approve, open, withdraw through it) and point ReentrantToken's hook at it: the hook then
/// reenters the escrow with this contract, not the token, as `msg.sender`.
/// @dev No access control: it is a test double and holds nothing of value.
contract ReentrancyAttacker {
    /// @notice The forwarded call reverted without a reason.
    error ForwardFailed(address target);

    /// @notice How many forwarded calls returned (a hook that ran is visible here even when the
    /// outer transaction later succeeds).
    uint256 public forwarded;

    /// @notice Calls `target` with `data` as this contract; re-raises the callee's revert data.
    function forward(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        // Forwarding arbitrary calls is the point of this mock.
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) {
            if (result.length == 0) revert ForwardFailed(target);
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        ++forwarded;
    }
}
