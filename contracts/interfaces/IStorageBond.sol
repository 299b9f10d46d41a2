// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {DealId, DealTerms} from "../libraries/DealTerms.sol";

/// @title Bonded storage deals proven with BitTorrent v2 (BEP 52) merkle proofs
/// @notice A client offers a deal for a file identified by its BEP 52 `pieces root` and length,
/// escrowing the price; before the offer expires, a provider accepts by proving the file's last block
/// (which binds the length to the root) and posting a bond. The price streams to the provider over the deal's
/// duration and can be withdrawn as it accrues. The client may challenge a 16 KiB block at any
/// time (paying the deal's challenge fee); the provider answers with the block and its merkle path
/// before the response window ends and receives the fee. A missed deadline lets anyone slash: the
/// client gets the bond, the unearned price and the fee back, whoever slashes; the provider keeps
/// what it earned before the missed challenge, less a keeper's reward when a third party slashes. A payout that cannot
/// be pushed (a blacklisted recipient, a hook that reverts or moves tokens) is kept on the
/// recipient's balance here for `withdraw`, so no party can block another's payout. At the end, an
/// unchallenged (or fully answered) provider gets its bond and the rest of the price.
/// @dev The client offers and the provider accepts, because the client holds the data and knows
/// its root, while the provider's acceptance is its commitment: the bond is posted in the same
/// transaction. Challenges cannot grief: at most one open at a time, at least one response window
/// apart, at most `maxChallenges` per deal, and each pays the provider `challengeFee` for its answer.
/// Nor can terms trap the provider: a root says nothing about the file's length, so a wrong length
/// would make some block unprovable; `accept` therefore requires the last block (its index and
/// exact length follow from the length) to verify at the depth the length implies, and every
/// response window is at least `MIN_RESPONSE_WINDOW`.
/// No owner, no upgrade, no pause. Amounts up to 2^112 - 1; files up to 2^40 blocks (16 PiB).
interface IStorageBond {
    enum DealStatus {
        None,
        Offered,
        Active,
        Challenged,
        Slashed,
        Finished,
        Cancelled
    }

    struct DealState {
        DealStatus status;
        /// When the provider accepted (unix seconds); 0 before.
        uint256 acceptedAt;
        /// Price the provider has withdrawn so far.
        uint256 withdrawn;
        /// Price earned so far (or, once slashed, earned before the missed challenge).
        uint256 earned;
        /// Challenges made so far.
        uint256 challenges;
        /// The open (or last) challenge's block index and deadline.
        uint256 challengedIndex;
        uint256 challengeDeadline;
    }

    error DealNotFound(DealId id);
    error DealAlreadyExists(DealId id);
    error DealNotInStatus(DealId id, DealStatus status, DealStatus expected);
    error InvalidTerms(string reason);
    error NotClient(DealId id, address caller, address client);
    error NotProvider(DealId id, address caller, address provider);
    error DealOver(DealId id, uint256 endsAt);
    error DealNotOver(DealId id, uint256 endsAt, uint256 now);
    error ChallengeTooSoon(DealId id, uint256 nextAllowedAt);
    error ChallengeLimitReached(DealId id, uint256 maxChallenges);
    error BlockIndexOutOfRange(DealId id, uint256 index, uint256 blockCount);
    error ResponseTooLate(DealId id, uint256 deadline, uint256 now);
    error ResponseWindowNotOver(DealId id, uint256 deadline, uint256 now);
    error InvalidProof(DealId id, uint256 index);
    /// @notice `accept` without a valid proof of the file's last block (`index`, `length` bytes):
    /// the terms' length is not the length of the file with this root, or the wrong block was sent.
    error LastBlockUnproven(DealId id, uint256 index, uint256 length);
    /// @notice The offer's `offerExpiresAt` has passed (at `offer`: it was already past).
    error OfferExpired(DealId id, uint256 expiresAt, uint256 now);
    /// @notice The terms' response window is shorter than `MIN_RESPONSE_WINDOW`.
    error ResponseWindowTooShort(uint256 window, uint256 minimum);
    error NothingToWithdraw(DealId id);
    /// @notice After a deposit, the bond's token balance does not cover everything it owes: a
    /// nested deposit (from a token hook) was recorded against tokens that never arrived.
    error BalanceBelowOwed(uint256 balance, uint256 owed);
    /// @notice `pushPayout` called by anyone but the bond itself.
    error NotSelf(address caller);
    /// @notice Withdrawing zero or more than the account holds here.
    error InsufficientBalance(address account, uint256 balance, uint256 amount);

    event DealOffered(
        DealId indexed id,
        address indexed client,
        address indexed provider,
        bytes32 piecesRoot,
        uint64 fileLength,
        uint256 price,
        uint256 bond,
        uint32 duration,
        uint32 responseWindow,
        uint256 challengeFee,
        uint16 maxChallenges,
        uint64 offerExpiresAt,
        uint64 salt
    );
    event DealCancelled(DealId indexed id);
    event DealAccepted(DealId indexed id, uint256 acceptedAt);
    event EarningsWithdrawn(DealId indexed id, uint256 amount, uint256 totalWithdrawn);
    event BlockChallenged(DealId indexed id, uint256 index, uint256 deadline);
    event ChallengeAnswered(DealId indexed id, uint256 index);
    event DealSlashed(DealId indexed id, address indexed caller, uint256 toClient, uint256 reward, uint256 toProvider);
    event DealFinished(DealId indexed id, uint256 toProvider);
    /// @notice A payout to `account` could not be pushed (the token or a recipient hook refused, or
    /// a hook moved this contract's tokens) and is kept on its balance here for `withdraw`.
    event Credited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount` of its balance here to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice The client offers a deal, escrowing `terms.price` from its wallet. The terms are
    /// checked: a response window of at least `MIN_RESPONSE_WINDOW`, an offer not yet expired.
    function offer(DealTerms calldata terms) external returns (DealId id);

    /// @notice The client withdraws an offer not yet accepted; the price is refunded.
    function cancel(DealTerms calldata terms) external;

    /// @notice The provider accepts an offer (until `terms.offerExpiresAt`), posting `terms.bond`
    /// from its wallet; the deal starts now. `lastBlock` is the file's last block (index
    /// blockCount - 1, exactly fileLength - 16 KiB x (blockCount - 1) bytes) and `lastProof` its
    /// sibling hashes from the leaf layer up: a provider who holds the file can give them only if
    /// the terms' length is the file's, so no honest provider accepts a deal it cannot keep.
    function accept(DealTerms calldata terms, bytes calldata lastBlock, bytes32[] calldata lastProof) external;

    /// @notice The provider withdraws the price earned so far (not while a challenge is open).
    function withdrawEarnings(DealTerms calldata terms) external;

    /// @notice The client challenges block `index`, paying `terms.challengeFee`.
    function challenge(DealTerms calldata terms, uint256 index) external;

    /// @notice Anyone answers the open challenge with the block's bytes and its sibling hashes
    /// from the leaf layer up; the challenge fee goes to the provider.
    function respond(DealTerms calldata terms, bytes calldata data, bytes32[] calldata proof) external;

    /// @notice After a missed deadline, anyone slashes the bond to the client. A caller other than
    /// the client and the provider (a keeper) receives `SLASH_REWARD_BPS` of the bond for doing so,
    /// taken from the provider's payout (its earned price and answered fees) and capped by it: the
    /// client gets the same whoever slashes, and a provider gains nothing by slashing itself.
    function slash(DealTerms calldata terms) external;

    /// @notice After the deal's end, with no challenge open, anyone pays the provider its bond and
    /// the rest of the price.
    function finish(DealTerms calldata terms) external;

    /// @notice The bond's own isolated payout (it calls itself): pays `amount` to `to` and reverts
    /// unless this contract's balance dropped by exactly `amount`, so the caller can undo the push,
    /// whatever a recipient hook did inside it, and credit the amount instead. Refuses other callers.
    function pushPayout(address to, uint256 amount) external;

    /// @notice Moves `amount` of the sender's balance here (payouts that could not be pushed) to `to`.
    function withdraw(address to, uint256 amount) external;

    /// @notice What `account` can withdraw here: payouts that could not be pushed to it.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Everything the bond owes: escrowed prices not yet paid, bonds, challenge fees and
    /// credited balances. Every deposit checks that the token balance covers it.
    function owed() external view returns (uint256);

    /// @notice The escrowed token.
    function token() external view returns (address);

    /// @notice The id of a deal with these terms.
    function dealId(DealTerms calldata terms) external pure returns (DealId);

    /// @notice A deal's state; `terms` are needed to compute what has been earned.
    function getDeal(DealTerms calldata terms) external view returns (DealState memory);
}
