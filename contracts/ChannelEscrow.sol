// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IChannelEscrow} from "./interfaces/IChannelEscrow.sol";
import {ChannelId, ChannelKey, ChannelKeyLibrary} from "./libraries/ChannelKey.sol";
import {PackedChannel, PackedChannelLibrary} from "./libraries/PackedChannel.sol";
import {SignatureDecoder} from "./libraries/SignatureDecoder.sol";
import {TIP712} from "./libraries/TIP712.sol";
import {TokenTransfers} from "./libraries/TokenTransfers.sol";

/// @title seedpay channel escrow
/// @notice See IChannelEscrow. Storage is one slot per channel (deposit, claimed and deadline
/// packed) plus one balance slot per account that is owed tokens; channel terms live in calldata
/// and are checked by hashing them to the channel id.
/// @dev Cost model: on TRON a new storage slot costs 20,000 energy, a rewrite 5,000, with no
/// refunds, and calldata costs no energy. Hence no per-channel addresses in storage, claims
/// credit a balance instead of moving tokens, and a batch claim writes each payee's balance once.
contract ChannelEscrow is IChannelEscrow, TIP712 {
    using ChannelKeyLibrary for ChannelKey;
    using TokenTransfers for IERC20;

    // ----------------------------------------------------------------------------------------
    // Constants and storage
    // ----------------------------------------------------------------------------------------

    bytes32 private constant _VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint256 cumulativeAmount)");
    bytes32 private constant _CLOSE_CONSENT_TYPEHASH =
        keccak256("CloseConsent(bytes32 channelId,uint256 finalAmount,uint256 deadline)");
    bytes32 private constant _CLOSE_AUTHORIZATION_TYPEHASH =
        keccak256("CloseAuthorization(bytes32 channelId,uint256 finalAmount,uint256 deadline)");

    IERC20 private immutable _token;
    uint32 private immutable _minDisputeWindow;
    uint32 private immutable _maxDisputeWindow;

    /// @dev Set in every balance slot ever written, so a slot is never cleared: after a full
    /// withdrawal the next credit rewrites it (5,000 energy) instead of creating it (20,000).
    /// Balances stay below 2^255: they are bounded by the tokens this contract holds.
    uint256 private constant _SLOT_KEPT = 1 << 255;

    /// @dev _PULL_IDLE, or _PULL_RUNNING while a deposit's transferFrom runs (see `_pull`). Never
    /// zero, so taking and releasing the lock are two rewrites (10,000 energy), not a new slot.
    uint256 private _pullState = _PULL_IDLE;
    uint256 private constant _PULL_IDLE = 1;
    uint256 private constant _PULL_RUNNING = 2;

    mapping(ChannelId id => PackedChannel) private _channels;
    /// @dev account => (balance | _SLOT_KEPT) once credited.
    mapping(address account => uint256) private _balances;

    /// @param token_ The escrowed TRC-20 token (BTT's TRC-20 contract on TRON mainnet).
    /// @param minDisputeWindow_ Shortest dispute window a channel may choose, in seconds (> 0).
    /// @param maxDisputeWindow_ Longest dispute window, in seconds (>= the shortest).
    constructor(IERC20 token_, uint32 minDisputeWindow_, uint32 maxDisputeWindow_) {
        if (minDisputeWindow_ == 0 || maxDisputeWindow_ < minDisputeWindow_) {
            revert DisputeWindowOutOfBounds(minDisputeWindow_, 1, maxDisputeWindow_);
        }
        _token = token_;
        _minDisputeWindow = minDisputeWindow_;
        _maxDisputeWindow = maxDisputeWindow_;
    }

    // ----------------------------------------------------------------------------------------
    // Opening and funding
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IChannelEscrow
    function open(ChannelKey calldata key, uint256 amount) external returns (ChannelId id) {
        id = _create(key, amount);
        _pull(amount);
    }

    /// @inheritdoc IChannelEscrow
    function openMany(Deposit[] calldata deposits) external {
        uint256 total;
        for (uint256 i; i < deposits.length; ++i) {
            Deposit calldata d = deposits[i];
            uint256 amount = d.amount;
            _create(d.key, amount);
            // Cannot overflow: each amount is below 2^112 and calldata bounds the count far below 2^144.
            unchecked {
                total += amount;
            }
        }
        if (total == 0) revert ZeroAmount();
        _pull(total);
    }

    /// @inheritdoc IChannelEscrow
    function topUp(ChannelId id, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        PackedChannel c = _channels[id];
        _requireOpen(id, c);
        // The amount alone first, so that the sum below cannot overflow: both terms are < 2^112.
        if (amount > PackedChannelLibrary.MAX_AMOUNT) revert DepositTooLarge(amount, PackedChannelLibrary.MAX_AMOUNT);
        uint256 deposit = c.deposit() + amount;
        if (deposit > PackedChannelLibrary.MAX_AMOUNT) revert DepositTooLarge(deposit, PackedChannelLibrary.MAX_AMOUNT);
        _channels[id] = PackedChannelLibrary.pack(deposit, c.claimed(), 0);
        emit ChannelToppedUp(id, deposit);
        _pull(amount);
    }

    // ----------------------------------------------------------------------------------------
    // Claiming
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IChannelEscrow
    function claim(ChannelKey calldata key, uint256 amount, bytes calldata signature) external {
        ChannelId id = key.toId();
        PackedChannel c = _channels[id];
        _requireNotClosed(id, c);
        uint256 deposit = c.deposit();
        uint256 claimed = c.claimed();
        uint256 payable_ = amount < deposit ? amount : deposit;
        if (payable_ <= claimed) revert NothingToClaim(id, claimed, deposit, amount);
        _checkSignature(id, key.signer, _hashTypedData(_voucherStructHash(id, amount)), signature);

        _channels[id] = PackedChannelLibrary.pack(deposit, payable_, c.closesAt());
        _credit(key.payee, payable_ - claimed);
        emit ChannelClaimed(id, payable_);
    }

    /// @inheritdoc IChannelEscrow
    function claimMany(Claim[] calldata claims) external returns (uint256 credited) {
        address runPayee;
        uint256 runTotal;
        for (uint256 i; i < claims.length; ++i) {
            Claim calldata cl = claims[i];
            ChannelId id = cl.key.toId();
            PackedChannel c = _channels[id];
            if (!c.exists()) revert ChannelNotFound(id);
            uint32 closesAt = c.closesAt();
            if (closesAt == PackedChannelLibrary.CLOSED) continue;
            uint256 deposit = c.deposit();
            uint256 claimed = c.claimed();
            uint256 payable_ = cl.amount < deposit ? cl.amount : deposit;
            if (payable_ <= claimed) continue;
            _checkSignature(id, cl.key.signer, _hashTypedData(_voucherStructHash(id, cl.amount)), cl.signature);

            _channels[id] = PackedChannelLibrary.pack(deposit, payable_, closesAt);
            emit ChannelClaimed(id, payable_);
            // Cannot overflow: sums of claims are bounded by the tokens this contract holds.
            unchecked {
                uint256 delta = payable_ - claimed;
                credited += delta;
                if (cl.key.payee == runPayee) {
                    runTotal += delta;
                } else {
                    if (runTotal != 0) _credit(runPayee, runTotal);
                    runPayee = cl.key.payee;
                    runTotal = delta;
                }
            }
        }
        if (runTotal != 0) _credit(runPayee, runTotal);
    }

    /// @inheritdoc IChannelEscrow
    function withdraw(address to, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroRecipient();
        uint256 slot = _balances[msg.sender];
        uint256 balance = slot & ~_SLOT_KEPT;
        if (amount > balance) revert InsufficientBalance(msg.sender, balance, amount);
        // Cannot underflow: amount <= balance; the kept bit survives the subtraction.
        unchecked {
            _balances[msg.sender] = slot - amount;
        }
        emit Withdrawn(msg.sender, to, amount);
        _token.push(to, amount);
    }

    // ----------------------------------------------------------------------------------------
    // Closing
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IChannelEscrow
    function close(ChannelKey calldata key, uint256 amount, bytes calldata signature) external {
        ChannelId id = key.toId();
        if (msg.sender != key.payee) revert NotPayee(id, msg.sender, key.payee);
        PackedChannel c = _channels[id];
        _requireNotClosed(id, c);
        uint256 deposit = c.deposit();
        uint256 claimed = c.claimed();
        uint256 finalClaimed = claimed;
        if (amount > claimed && deposit > claimed) {
            _checkSignature(id, key.signer, _hashTypedData(_voucherStructHash(id, amount)), signature);
            finalClaimed = amount < deposit ? amount : deposit;
        }
        _finalize(id, key, deposit, claimed, finalClaimed);
    }

    /// @inheritdoc IChannelEscrow
    function closeWithConsent(
        ChannelKey calldata key,
        uint256 finalAmount,
        uint256 deadline,
        bytes calldata payeeSignature,
        bytes calldata authorization
    ) external {
        ChannelId id = key.toId();
        PackedChannel c = _channels[id];
        _requireNotClosed(id, c);
        if (block.timestamp > deadline) revert ConsentExpired(id, deadline, block.timestamp);
        // The consent is the payee giving something up; using it is the payer's act. Anyone else
        // needs the payer's (or its signer's) authorisation of exactly this close.
        if (msg.sender != key.payer) {
            if (authorization.length == 0) revert CloseNotAuthorized(id, msg.sender, address(0));
            address authorizer = SignatureDecoder.recover(
                _hashTypedData(_consentStructHash(_CLOSE_AUTHORIZATION_TYPEHASH, id, finalAmount, deadline)),
                authorization
            );
            if (authorizer != key.payer && authorizer != key.signer) {
                revert CloseNotAuthorized(id, msg.sender, authorizer);
            }
        }
        _checkSignature(
            id,
            key.payee,
            _hashTypedData(_consentStructHash(_CLOSE_CONSENT_TYPEHASH, id, finalAmount, deadline)),
            payeeSignature
        );
        uint256 deposit = c.deposit();
        uint256 claimed = c.claimed();
        uint256 finalClaimed = finalAmount < deposit ? finalAmount : deposit;
        if (finalClaimed < claimed) finalClaimed = claimed;
        _finalize(id, key, deposit, claimed, finalClaimed);
    }

    /// @inheritdoc IChannelEscrow
    function startClose(ChannelKey calldata key) external {
        ChannelId id = key.toId();
        if (msg.sender != key.payer) revert NotPayer(id, msg.sender, key.payer);
        PackedChannel c = _channels[id];
        _requireOpen(id, c);
        uint256 closesAt = block.timestamp + key.disputeWindow;
        // A deadline at or past 2106 would collide with the CLOSED marker or overflow 32 bits.
        if (closesAt >= PackedChannelLibrary.CLOSED) {
            revert DisputeWindowOutOfBounds(key.disputeWindow, _minDisputeWindow, _maxDisputeWindow);
        }
        _channels[id] = PackedChannelLibrary.pack(c.deposit(), c.claimed(), uint32(closesAt));
        emit ChannelCloseStarted(id, closesAt);
    }

    /// @inheritdoc IChannelEscrow
    function settle(ChannelKey calldata key) external {
        ChannelId id = key.toId();
        PackedChannel c = _channels[id];
        _requireNotClosed(id, c);
        uint32 closesAt = c.closesAt();
        if (closesAt == 0) revert ChannelNotClosing(id);
        if (block.timestamp < closesAt) revert DisputeWindowNotOver(id, closesAt, block.timestamp);
        uint256 claimed = c.claimed();
        _finalize(id, key, c.deposit(), claimed, claimed);
    }

    /// @inheritdoc IChannelEscrow
    function pushRefund(address to, uint256 amount) external {
        if (msg.sender != address(this)) revert OnlySelf(msg.sender);
        _token.push(to, amount);
    }

    // ----------------------------------------------------------------------------------------
    // Reading
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IChannelEscrow
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IChannelEscrow
    function disputeWindowBounds() external view returns (uint256 min, uint256 max) {
        return (_minDisputeWindow, _maxDisputeWindow);
    }

    /// @inheritdoc IChannelEscrow
    function channelId(ChannelKey calldata key) external pure returns (ChannelId) {
        return key.toId();
    }

    /// @inheritdoc IChannelEscrow
    function getChannel(ChannelId id) external view returns (ChannelState memory state) {
        PackedChannel c = _channels[id];
        if (!c.exists()) return state;
        uint32 closesAt = c.closesAt();
        state.deposit = c.deposit();
        state.claimed = c.claimed();
        if (closesAt == 0) {
            state.status = ChannelStatus.Open;
        } else if (closesAt == PackedChannelLibrary.CLOSED) {
            state.status = ChannelStatus.Closed;
        } else {
            state.status = ChannelStatus.Closing;
            state.closesAt = closesAt;
        }
    }

    /// @inheritdoc IChannelEscrow
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account] & ~_SLOT_KEPT;
    }

    /// @inheritdoc IChannelEscrow
    function voucherDigest(ChannelId id, uint256 cumulativeAmount) external view returns (bytes32) {
        return _hashTypedData(_voucherStructHash(id, cumulativeAmount));
    }

    /// @inheritdoc IChannelEscrow
    function closeConsentDigest(ChannelId id, uint256 finalAmount, uint256 deadline) external view returns (bytes32) {
        return _hashTypedData(_consentStructHash(_CLOSE_CONSENT_TYPEHASH, id, finalAmount, deadline));
    }

    /// @inheritdoc IChannelEscrow
    function closeAuthorizationDigest(
        ChannelId id,
        uint256 finalAmount,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashTypedData(_consentStructHash(_CLOSE_AUTHORIZATION_TYPEHASH, id, finalAmount, deadline));
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    function _create(ChannelKey calldata key, uint256 amount) private returns (ChannelId id) {
        if (key.payer == address(0) || key.payee == address(0) || key.signer == address(0)) {
            revert ChannelKeyHasZeroAddress(key.payer, key.payee, key.signer);
        }
        if (key.disputeWindow < _minDisputeWindow || key.disputeWindow > _maxDisputeWindow) {
            revert DisputeWindowOutOfBounds(key.disputeWindow, _minDisputeWindow, _maxDisputeWindow);
        }
        if (amount == 0) revert ZeroAmount();
        if (amount > PackedChannelLibrary.MAX_AMOUNT) revert DepositTooLarge(amount, PackedChannelLibrary.MAX_AMOUNT);
        id = key.toId();
        // Only the payer opens its keys: otherwise anyone could open a payer's (predictable) key
        // first with 1 unit and make the payer's own open, or a whole openMany, revert.
        if (msg.sender != key.payer) revert NotPayer(id, msg.sender, key.payer);
        if (_channels[id].exists()) revert ChannelAlreadyExists(id);
        _channels[id] = PackedChannelLibrary.pack(amount, 0, 0);
        emit ChannelOpened(id, key.payer, key.payee, key.signer, key.disputeWindow, key.salt, amount);
    }

    /// @dev Marks the channel closed for good, credits the payee with what `finalClaimed` adds,
    /// and pays the rest of the deposit to the payer, keeping it on the payer's balance here if
    /// the token refuses the transfer (a blacklisted payer must not block the payee's close).
    function _finalize(
        ChannelId id,
        ChannelKey calldata key,
        uint256 deposit,
        uint256 claimed,
        uint256 finalClaimed
    ) private {
        // effects
        _channels[id] = PackedChannelLibrary.pack(deposit, finalClaimed, PackedChannelLibrary.CLOSED);
        if (finalClaimed != claimed) _credit(key.payee, finalClaimed - claimed);
        // Cannot underflow: finalClaimed <= deposit.
        uint256 refund;
        unchecked {
            refund = deposit - finalClaimed;
        }
        emit ChannelClosed(id, finalClaimed, refund);
        // interactions
        if (refund == 0) return;
        // The push runs in its own call frame, so whatever the payer's token hook does inside it is
        // undone with it: a refusal, a wrong amount or a hook that moves tokens all end as a credit
        // the payer withdraws later, never as a revert of the payee's close.
        try this.pushRefund(key.payer, refund) {} catch {
            _credit(key.payer, refund);
            emit Credited(key.payer, refund);
        }
    }

    /// @dev Pulls a deposit from the sender, refusing any deposit nested inside it. The exactness
    /// check of `pullExact` is not enough on its own for a token that calls the sender's hook before
    /// it moves funds and may then fail silently: a deposit made from the hook would supply the
    /// outer transfer's measured difference, and two channels would be credited for one transfer.
    /// Nested withdrawals or refunds need no lock: they change the measured difference, and the
    /// outer pull reverts. Measured against a stored total-owed checked after every movement
    /// (bench/gas.md): this lock costs 10,000 energy per deposit and nothing elsewhere; the total
    /// costs 5,000 per deposit, withdrawal and refund, more over a channel's life.
    function _pull(uint256 amount) private {
        if (_pullState == _PULL_RUNNING) revert DepositReentered();
        _pullState = _PULL_RUNNING;
        _token.pullExact(msg.sender, amount);
        _pullState = _PULL_IDLE;
    }

    function _credit(address account, uint256 amount) private {
        // Cannot overflow: balances are bounded by the tokens this contract holds, far below 2^255.
        unchecked {
            _balances[account] = (_balances[account] + amount) | _SLOT_KEPT;
        }
    }

    function _requireNotClosed(ChannelId id, PackedChannel c) private pure {
        if (!c.exists()) revert ChannelNotFound(id);
        if (c.closesAt() == PackedChannelLibrary.CLOSED) revert ChannelIsClosed(id);
    }

    function _requireOpen(ChannelId id, PackedChannel c) private pure {
        _requireNotClosed(id, c);
        if (c.closesAt() != 0) revert ChannelIsClosing(id, c.closesAt());
    }

    function _checkSignature(ChannelId id, address expected, bytes32 digest, bytes calldata signature) private pure {
        address recovered = SignatureDecoder.recover(digest, signature);
        if (recovered != expected) revert WrongSigner(id, expected, recovered);
    }

    function _voucherStructHash(ChannelId id, uint256 cumulativeAmount) private pure returns (bytes32) {
        return keccak256(abi.encode(_VOUCHER_TYPEHASH, id, cumulativeAmount));
    }

    function _consentStructHash(
        bytes32 typeHash,
        ChannelId id,
        uint256 finalAmount,
        uint256 deadline
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(typeHash, id, finalAmount, deadline));
    }

    /// @dev Version 2: consents carry a deadline and need the payer's act (issue 8). A signature
    /// made for version 1 hashes to another digest here, so it can never be replayed.
    function _domainNameAndVersion() internal pure override returns (string memory, string memory) {
        return ("Seedpay ChannelEscrow", "2");
    }
}
