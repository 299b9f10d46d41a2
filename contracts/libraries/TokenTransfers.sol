// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Token movements that trust the token's balances, not its return values.
/// @dev TRON USDT's `transfer` returns false on success, and some tokens return false on failure
/// without reverting, so a return value proves nothing. Each movement instead measures this
/// contract's balance before and after and requires it to change by exactly the amount. Exactness
/// refuses fee-on-transfer deposits (which would otherwise credit more than arrived), and a token
/// movement nested inside the call changes the measured difference, so the outer operation reverts.
/// Exactness alone does NOT make reentrancy harmless: with a token that calls the sender's hook
/// before it moves funds and may then fail silently (or charge a fee), a deposit nested in the hook
/// supplies exactly the outer pull's expected difference while the outer transfer moves nothing,
/// and both deposits pass. Callers must refuse nested deposits (ChannelEscrow holds a lock around
/// its pulls) or check what they owe against their balance. Likewise `tryPush` reverts on a
/// mismatch: a caller that must not be blocked by the recipient (a refund inside someone else's
/// close) runs it in a call frame of its own and keeps the amount on account when that frame fails.
library TokenTransfers {
    /// @notice The token moved a different amount than asked (a fee, or a nested transfer).
    error TokenAmountMismatch(uint256 expected, uint256 actual);
    /// @notice The token did not pay `amount` to `to`: its transfer reverted.
    error TokenTransferFailed(address to, uint256 amount);
    /// @notice The token's balanceOf failed: this is not a working TRC-20 token.
    error TokenBalanceUnreadable(address token);
    /// @notice The token's transferFrom reverted without a reason (check balance and allowance).
    error TokenPullFailed(address from, uint256 amount);

    /// @notice Pulls exactly `amount` from `from` into this contract (needs an allowance).
    function pullExact(IERC20 token, address from, uint256 amount) internal {
        uint256 before = _selfBalance(token);
        // The return value must not be trusted (header).
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory returned) = address(token).call(
            abi.encodeCall(IERC20.transferFrom, (from, address(this), amount))
        );
        if (!ok) _bubble(returned, from, amount);
        uint256 afterwards = _selfBalance(token);
        if (afterwards < before || afterwards - before != amount) {
            revert TokenAmountMismatch(amount, afterwards < before ? 0 : afterwards - before);
        }
    }

    /// @notice Pays `amount` to `to`.
    /// @return paid False if the token's transfer reverted (a blacklisted or rejecting recipient):
    /// the revert undid any nested effects, so the caller can safely keep the amount on account.
    /// If the call returned, the balance must have dropped by exactly `amount`, or this reverts:
    /// treating "moved nothing" as a refusal would let a reentrant hook that deposits the payment
    /// straight back be paid twice.
    function tryPush(IERC20 token, address to, uint256 amount) internal returns (bool paid) {
        uint256 before = _selfBalance(token);
        // The return value is ignored on purpose (see the library's header); the balance decides.
        // Nothing is copied back, so a token cannot make this caller pay for huge return data.
        bytes4 selector = IERC20.transfer.selector;
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), to)
            mstore(add(ptr, 0x24), amount)
            ok := call(gas(), token, 0, ptr, 0x44, 0, 0)
        }
        if (!ok) return false;
        uint256 afterwards = _selfBalance(token);
        if (afterwards > before || before - afterwards != amount) {
            revert TokenAmountMismatch(amount, afterwards > before ? 0 : before - afterwards);
        }
        return true;
    }

    /// @notice Pays `amount` to `to` or reverts with `TokenTransferFailed`.
    function push(IERC20 token, address to, uint256 amount) internal {
        if (!tryPush(token, to, amount)) revert TokenTransferFailed(to, amount);
    }

    /// @dev `token.balanceOf(address(this))` without the high-level call's code-size check and
    /// return-data copy: it runs twice around every transfer, on every deposit and payout.
    /// Reverts (with the token's reason) if the call fails or returns less than a word.
    function _selfBalance(IERC20 token) private view returns (uint256 amount) {
        bytes4 selector = IERC20.balanceOf.selector;
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, address())
            ok := staticcall(gas(), token, 0x00, 0x24, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            amount := mload(0x00)
        }
        if (!ok) revert TokenBalanceUnreadable(address(token));
    }

    /// @dev Re-raises a failed call's revert data so the caller sees the token's own reason
    /// (for example an ERC20InsufficientAllowance with its values).
    function _bubble(bytes memory returned, address from, uint256 amount) private pure {
        if (returned.length == 0) revert TokenPullFailed(from, amount);
        assembly ("memory-safe") {
            revert(add(returned, 0x20), mload(returned))
        }
    }
}
