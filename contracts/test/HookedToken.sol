// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice What a holder registers with HookedToken to be called around its transfers, as
/// ERC-777's tokensToSend / tokensReceived hooks are.
interface ITokenHook {
    /// @notice Called on the sender's hook before any balance moves.
    function tokensToSend(address from, address to, uint256 amount) external;

    /// @notice Called on the recipient's hook after the balance moved.
    function tokensReceived(address from, address to, uint256 amount) external;
}

/// @notice A hostile but plausible token for tests: it calls the sender's hook before moving
/// funds and the recipient's hook after (hook reverts propagate, as in ERC-777), and it is
/// randomly lossy: with probability `failBps` a transfer returns false and moves nothing (after
/// the sender's hook ran), and otherwise `feeBps` of the amount is burnt from what the recipient
/// gets. The randomness is a keccak chain from `seed`, so a test run replays exactly.
contract HookedToken is ERC20 {
    /// @notice A rate above 10,000 basis points.
    error RateTooHigh(uint256 failBps, uint256 feeBps);

    /// @notice Probability, in basis points, that a transfer silently fails.
    uint256 public failBps;
    /// @notice Share of each successful transfer burnt before the recipient is credited.
    uint256 public feeBps;
    /// @notice Next random word; advanced by every transfer that rolls.
    bytes32 public seed;
    /// @notice account => hook contract called around that account's transfers.
    mapping(address account => address hook) public hookOf;

    constructor() ERC20("Hooked Token", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Registers (or clears, with address(0)) the caller's hook.
    function setHook(address hook) external {
        hookOf[msg.sender] = hook;
    }

    /// @notice Sets the loss model; `seed_` makes the failures reproducible.
    function setLoss(uint256 failBps_, uint256 feeBps_, bytes32 seed_) external {
        if (failBps_ > 10_000 || feeBps_ > 10_000) revert RateTooHigh(failBps_, feeBps_);
        failBps = failBps_;
        feeBps = feeBps_;
        seed = seed_;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        return _hookedTransfer(msg.sender, to, amount, address(0));
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        return _hookedTransfer(from, to, amount, msg.sender);
    }

    function _hookedTransfer(address from, address to, uint256 amount, address spender) private returns (bool) {
        address sendHook = hookOf[from];
        if (sendHook != address(0)) ITokenHook(sendHook).tokensToSend(from, to, amount);
        if (failBps != 0 && _roll() < failBps) return false;
        if (spender != address(0)) _spendAllowance(from, spender, amount);
        uint256 fee = (amount * feeBps) / 10_000;
        if (fee != 0) _burn(from, fee);
        _transfer(from, to, amount - fee);
        address receiveHook = hookOf[to];
        if (receiveHook != address(0)) ITokenHook(receiveHook).tokensReceived(from, to, amount - fee);
        return true;
    }

    function _roll() private returns (uint256) {
        bytes32 next = keccak256(abi.encode(seed));
        seed = next;
        return uint256(next) % 10_000;
    }
}
