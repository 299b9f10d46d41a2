// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {ChannelId, ChannelKey} from "../libraries/ChannelKey.sol";

/// @title One-way payment channels escrowing one TRC-20 token (BTT), settled with cumulative vouchers
/// @notice A payer deposits into a channel towards a payee. The channel's signer signs TIP-712
/// vouchers, each carrying the cumulative amount owed so far; the latest supersedes all earlier
/// ones. Anyone may claim a voucher for the payee at any time without closing the channel: claims
/// are credited to the payee's balance in this contract, which the payee withdraws when it likes
/// (many claims, one token transfer). A channel closes at once when the payee closes it, or when
/// the payer (or a relayer it authorised) presents the payee's signed consent; otherwise the payer starts a close, and after the
/// channel's dispute window anyone settles it, returning the unclaimed deposit to the payer.
/// Claims are accepted until the channel is settled.
/// @dev No owner, no upgrade, no pause. Limits: amounts up to 2^112 - 1 base units per channel;
/// deadlines up to year 2106; fee-on-transfer tokens are refused at deposit.
interface IChannelEscrow {
    // ----------------------------------------------------------------------------------------
    // Types
    // ----------------------------------------------------------------------------------------

    /// @notice Where a channel is in its life.
    enum ChannelStatus {
        /// Never opened.
        None,
        /// Accepting top-ups and claims.
        Open,
        /// The payer started a close: claims still accepted; settle once `closesAt` has passed.
        Closing,
        /// Settled: the deposit is paid out and the id can never be used again.
        Closed
    }

    /// @notice A channel's mutable state, as returned by `getChannel`.
    struct ChannelState {
        ChannelStatus status;
        /// Total deposited, including top-ups.
        uint256 deposit;
        /// Total credited to the payee so far (the highest voucher claimed, capped at the deposit).
        uint256 claimed;
        /// When a closing channel's dispute window ends (unix seconds); 0 if not closing.
        uint256 closesAt;
    }

    /// @notice One channel to open in `openMany`.
    struct Deposit {
        ChannelKey key;
        uint256 amount;
    }

    /// @notice One voucher to claim in `claimMany`.
    struct Claim {
        ChannelKey key;
        /// The voucher's cumulative amount.
        uint256 amount;
        /// The signer's TIP-712 signature over Voucher(channelId, amount): 65 bytes (r, s, v) with
        /// v in {0, 1, 27, 28}, or 64 bytes (EIP-2098).
        bytes signature;
    }

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice No channel has this id. Check the key (payer, payee, signer, window, salt).
    error ChannelNotFound(ChannelId id);
    /// @notice A channel with this id exists or existed: choose another salt.
    error ChannelAlreadyExists(ChannelId id);
    /// @notice The channel is closing: no top-ups, no second close.
    error ChannelIsClosing(ChannelId id, uint256 closesAt);
    /// @notice The channel is closed (settled); nothing more can happen to it.
    error ChannelIsClosed(ChannelId id);
    /// @notice Settle needs a close started by the payer first.
    error ChannelNotClosing(ChannelId id);
    /// @notice The dispute window has not ended yet.
    error DisputeWindowNotOver(ChannelId id, uint256 closesAt, uint256 now);
    /// @notice The dispute window is outside what this escrow accepts.
    error DisputeWindowOutOfBounds(uint256 disputeWindow, uint256 min, uint256 max);
    /// @notice Payer, payee and signer must all be non-zero addresses.
    error ChannelKeyHasZeroAddress(address payer, address payee, address signer);
    /// @notice Amounts must be non-zero.
    error ZeroAmount();
    /// @notice A channel's deposit may not exceed 2^112 - 1 base units.
    error DepositTooLarge(uint256 deposit, uint256 max);
    /// @notice Only the payer may do this.
    error NotPayer(ChannelId id, address caller, address payer);
    /// @notice Only the payee may do this.
    error NotPayee(ChannelId id, address caller, address payee);
    /// @notice The voucher pays nothing new: its amount (capped at the deposit) is not above what
    /// was already claimed.
    error NothingToClaim(ChannelId id, uint256 claimed, uint256 deposit, uint256 voucherAmount);
    /// @notice The signature was not made by the expected key for this channel, escrow and chain.
    /// `recovered` is address(0) when the signature recovers no key at all.
    error WrongSigner(ChannelId id, address expected, address recovered);
    /// @notice Withdrawing more than the account holds here.
    error InsufficientBalance(address account, uint256 balance, uint256 amount);
    /// @notice Tokens cannot be sent to the zero address.
    error ZeroRecipient();
    /// @notice The close consent's deadline has passed: ask the payee for a new consent.
    error ConsentExpired(ChannelId id, uint256 deadline, uint256 now);
    /// @notice A consent is used by the payer: `caller` is not the payer and `authorizer` (the key
    /// that signed the authorisation, address(0) if none was given or it recovers no key) is
    /// neither the payer nor the channel's signer.
    error CloseNotAuthorized(ChannelId id, address caller, address authorizer);
    /// @notice Only the escrow itself may call this (it is one step of a close).
    error OnlySelf(address caller);
    /// @notice A deposit (open, openMany, topUp) was attempted from inside another deposit's token
    /// transfer (a token hook): refused, so one transfer can never fund two deposits.
    error DepositReentered();

    // ----------------------------------------------------------------------------------------
    // Events: together they rebuild every channel and balance. A channel's payer, payee, signer
    // and window come from ChannelOpened; each ChannelClaimed or ChannelClosed credits the payee
    // with the rise in `claimed`; Credited and Withdrawn move the remaining balances.
    // ----------------------------------------------------------------------------------------

    /// @notice A channel was opened with `deposit` (the tokens came from the transaction's sender).
    event ChannelOpened(
        ChannelId indexed id,
        address indexed payer,
        address indexed payee,
        address signer,
        uint32 disputeWindow,
        uint64 salt,
        uint256 deposit
    );
    /// @notice The channel's total deposit is now `deposit`.
    event ChannelToppedUp(ChannelId indexed id, uint256 deposit);
    /// @notice The channel's total claimed is now `claimed`; the rise was credited to the payee.
    event ChannelClaimed(ChannelId indexed id, uint256 claimed);
    /// @notice The payer started a close; the dispute window ends at `closesAt`.
    event ChannelCloseStarted(ChannelId indexed id, uint256 closesAt);
    /// @notice The channel closed with `claimed` credited to the payee in total (the rise since the
    /// last claim credited now) and `refunded` returned to the payer.
    event ChannelClosed(ChannelId indexed id, uint256 claimed, uint256 refunded);
    /// @notice `amount` was added to `account`'s balance here because a transfer to it failed.
    event Credited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount` of its balance here to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    // ----------------------------------------------------------------------------------------
    // Opening and funding
    // ----------------------------------------------------------------------------------------

    /// @notice The payer opens a channel with `amount` pulled from its wallet (it needs to have
    /// approved it). Refunds go to `key.payer`.
    /// @dev Only `key.payer` may open its keys (NotPayer otherwise): a channel id is computable in
    /// advance, so if anyone could open it, anyone could open it first with 1 unit and make the
    /// payer's open revert ChannelAlreadyExists.
    /// @return id The channel's id, equal to `channelId(key)`.
    function open(ChannelKey calldata key, uint256 amount) external returns (ChannelId id);

    /// @notice Opens several channels, pulling the sum of their deposits from the sender in one
    /// token transfer. The sender must be the payer of every key (as in `open`).
    function openMany(Deposit[] calldata deposits) external;

    /// @notice Adds `amount`, pulled from the sender, to an open channel's deposit.
    function topUp(ChannelId id, uint256 amount) external;

    // ----------------------------------------------------------------------------------------
    // Claiming
    // ----------------------------------------------------------------------------------------

    /// @notice Claims a voucher for the payee, by anyone (the payee, a watchtower). Credits the
    /// payee with the voucher's amount, capped at the deposit, minus what was claimed before.
    /// Accepted while the channel is open or closing.
    function claim(ChannelKey calldata key, uint256 amount, bytes calldata signature) external;

    /// @notice Claims many vouchers, crediting each payee once per consecutive run of claims for
    /// it (sort claims by payee to pay for one balance update per payee). Claims that pay nothing
    /// new, or whose channel is already closed, are skipped so a batch is not undone by one
    /// raced claim (they are skipped before their signature is checked); unknown channels and bad
    /// signatures on claims that would pay revert the whole batch.
    /// @return credited The total credited to payees.
    function claimMany(Claim[] calldata claims) external returns (uint256 credited);

    /// @notice Moves `amount` of the sender's balance here to `to`.
    function withdraw(address to, uint256 amount) external;

    // ----------------------------------------------------------------------------------------
    // Closing
    // ----------------------------------------------------------------------------------------

    /// @notice The payee closes the channel at once, claiming a final voucher if it pays anything
    /// new (pass amount 0 and an empty signature to close without one). The rest of the deposit
    /// is paid to the payer.
    function close(ChannelKey calldata key, uint256 amount, bytes calldata signature) external;

    /// @notice The payer closes the channel at once with the payee's consent: the payee's TIP-712
    /// signature over CloseConsent(channelId, finalAmount, deadline). The payee ends with
    /// max(claimed, min(finalAmount, deposit)); the rest is paid to the payer.
    /// @dev A consent is the payee giving up what it could still claim; it never authorises a
    /// payment by itself. So the sender must be the payer, or `authorization` must be the payer's
    /// or the channel signer's TIP-712 signature over CloseAuthorization(channelId, finalAmount,
    /// deadline) (a relayer submitting for the payer; ignored when the payer sends). Refused after
    /// `deadline` (unix seconds), so an old consent cannot close at an old amount after more
    /// vouchers were served.
    function closeWithConsent(
        ChannelKey calldata key,
        uint256 finalAmount,
        uint256 deadline,
        bytes calldata payeeSignature,
        bytes calldata authorization
    ) external;

    /// @notice The payer starts a unilateral close; the dispute window starts now.
    function startClose(ChannelKey calldata key) external;

    /// @notice After the dispute window, anyone settles a closing channel: the unclaimed deposit
    /// is paid to the payer.
    function settle(ChannelKey calldata key) external;

    /// @notice Internal step of every close, callable only by the escrow itself (OnlySelf
    /// otherwise): pays a payer's refund of `amount` to `to`, reverting unless exactly `amount`
    /// left the escrow.
    /// @dev A separate call frame so that the refund's failure, however it happens (the token
    /// refuses, a fee, the payer's token hook moving tokens or reentering), reverts only this
    /// frame; the close then credits the refund to the payer's balance (Credited) instead.
    function pushRefund(address to, uint256 amount) external;

    // ----------------------------------------------------------------------------------------
    // Reading
    // ----------------------------------------------------------------------------------------

    /// @notice The escrowed token.
    function token() external view returns (address);

    /// @notice The smallest and largest dispute window (seconds) a channel may have.
    function disputeWindowBounds() external view returns (uint256 min, uint256 max);

    /// @notice The id of the channel with these terms (whether or not it exists).
    function channelId(ChannelKey calldata key) external pure returns (ChannelId);

    /// @notice A channel's state.
    function getChannel(ChannelId id) external view returns (ChannelState memory);

    /// @notice What `account` can withdraw.
    function balanceOf(address account) external view returns (uint256);

    /// @notice The TIP-712 digest a signer signs for Voucher(channelId, cumulativeAmount).
    function voucherDigest(ChannelId id, uint256 cumulativeAmount) external view returns (bytes32);

    /// @notice The TIP-712 digest a payee signs for CloseConsent(channelId, finalAmount, deadline).
    function closeConsentDigest(ChannelId id, uint256 finalAmount, uint256 deadline) external view returns (bytes32);

    /// @notice The TIP-712 digest the payer or signer signs for CloseAuthorization(channelId,
    /// finalAmount, deadline), letting a relayer submit that consent close.
    function closeAuthorizationDigest(
        ChannelId id,
        uint256 finalAmount,
        uint256 deadline
    ) external view returns (bytes32);
}
