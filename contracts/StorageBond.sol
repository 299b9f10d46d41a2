// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStorageBond} from "./interfaces/IStorageBond.sol";
import {Bep52} from "./libraries/Bep52.sol";
import {DealId, DealTerms, DealTermsLibrary} from "./libraries/DealTerms.sol";
import {PackedDeal, PackedDealLibrary as D} from "./libraries/PackedDeal.sol";
import {TokenTransfers} from "./libraries/TokenTransfers.sol";

/// @title seedpay storage bond
/// @notice See IStorageBond. One storage slot per deal; the terms live in calldata.
/// @dev Payouts that cannot be pushed are kept on the recipient's balance here (`withdraw`; see
/// `_payOrCredit`). Challenge fees are not moved when a challenge is answered: answering must never fail
/// because of a token transfer (a provider who cannot be paid must still be able to prove). Fees
/// of answered challenges are paid to the provider with the rest at finish (or slash).
contract StorageBond is IStorageBond {
    using DealTermsLibrary for DealTerms;
    using TokenTransfers for IERC20;

    /// @notice The keeper's reward for slashing, in basis points of the bond, paid to a caller who is
    /// neither client nor provider out of the provider's own payout (never more than that payout).
    uint256 public constant SLASH_REWARD_BPS = 500;

    /// @notice The shortest response window a deal may have: 15 minutes, 300 TRON blocks. A
    /// responder that trusts only solidified blocks sees a challenge ~1 minute (19 blocks of 3 s)
    /// after it was made; it must then hash the file to prove the block (a 64 GiB file at
    /// 200 MB/s takes ~5.5 minutes) and get the answer into a block, with room for a retry or a
    /// node restart. Shorter windows (down to one TRON block) would let a client make a deal no
    /// honest provider can keep; longer ones are the parties' choice.
    uint256 public constant MIN_RESPONSE_WINDOW = 15 minutes;

    uint256 private constant _MAX_AMOUNT = type(uint112).max;
    uint256 private constant _MAX_BLOCKS = 1 << 40;

    IERC20 private immutable _token;
    mapping(DealId id => PackedDeal) private _deals;
    /// @dev Payouts that could not be pushed (`_payOrCredit`), withdrawable by their owner.
    mapping(address account => uint256) private _balances;
    /// @dev Everything this contract owes, plus one: escrowed prices not yet paid out, bonds,
    /// challenge fees and credited balances. The bias keeps the slot from ever returning to zero,
    /// so each update is a 5,000-energy rewrite on TRON and never a 20,000-energy new slot.
    uint256 private _owedPlusOne = 1;

    constructor(IERC20 token_) {
        _token = token_;
    }

    // ----------------------------------------------------------------------------------------
    // Offer, cancel, accept
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IStorageBond
    function offer(DealTerms calldata terms) external returns (DealId id) {
        id = terms.toId();
        if (msg.sender != terms.client) revert NotClient(id, msg.sender, terms.client);
        _checkTerms(terms);
        if (D.status(_deals[id]) != D.NONE) revert DealAlreadyExists(id);
        if (block.timestamp > terms.offerExpiresAt) revert OfferExpired(id, terms.offerExpiresAt, block.timestamp);
        _deals[id] = D.pack(D.OFFERED, 0, 0, 0, 0, 0);
        emit DealOffered(
            id,
            terms.client,
            terms.provider,
            terms.piecesRoot,
            terms.fileLength,
            terms.price,
            terms.bond,
            terms.duration,
            terms.responseWindow,
            terms.challengeFee,
            terms.maxChallenges,
            terms.offerExpiresAt,
            terms.salt
        );
        _pull(msg.sender, terms.price);
    }

    /// @inheritdoc IStorageBond
    function cancel(DealTerms calldata terms) external {
        DealId id = terms.toId();
        if (msg.sender != terms.client) revert NotClient(id, msg.sender, terms.client);
        PackedDeal d = _load(id, D.OFFERED);
        _deals[id] = d.withStatus(D.CANCELLED);
        emit DealCancelled(id);
        _owedPlusOne -= terms.price;
        _payOrCredit(terms.client, terms.price);
    }

    /// @inheritdoc IStorageBond
    function accept(DealTerms calldata terms, bytes calldata lastBlock, bytes32[] calldata lastProof) external {
        DealId id = terms.toId();
        if (msg.sender != terms.provider) revert NotProvider(id, msg.sender, terms.provider);
        _load(id, D.OFFERED);
        if (block.timestamp > terms.offerExpiresAt) revert OfferExpired(id, terms.offerExpiresAt, block.timestamp);
        // A pieces root does not commit to the file's length: proving the last block with its exact
        // length, at the depth the length implies, binds `fileLength` to the root (header).
        uint256 last = Bep52.blockCount(terms.fileLength) - 1;
        if (!Bep52.verify(terms.piecesRoot, terms.fileLength, last, lastBlock, lastProof)) {
            revert LastBlockUnproven(id, last, Bep52.blockLength(terms.fileLength, last));
        }
        _deals[id] = D.pack(D.ACTIVE, block.timestamp, 0, 0, 0, 0);
        emit DealAccepted(id, block.timestamp);
        _pull(msg.sender, terms.bond);
    }

    // ----------------------------------------------------------------------------------------
    // Earnings
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IStorageBond
    function withdrawEarnings(DealTerms calldata terms) external {
        DealId id = terms.toId();
        if (msg.sender != terms.provider) revert NotProvider(id, msg.sender, terms.provider);
        PackedDeal d = _load(id, D.ACTIVE);
        uint256 earned = _earned(terms, d.acceptedAt(), block.timestamp);
        uint256 withdrawn = d.withdrawn();
        if (earned == withdrawn) revert NothingToWithdraw(id);
        _deals[id] = D.pack(D.ACTIVE, d.acceptedAt(), earned, d.challenges(), d.deadline(), d.index());
        emit EarningsWithdrawn(id, earned - withdrawn, earned);
        _owedPlusOne -= earned - withdrawn;
        _token.push(terms.provider, earned - withdrawn);
    }

    // ----------------------------------------------------------------------------------------
    // Challenges
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IStorageBond
    function challenge(DealTerms calldata terms, uint256 index) external {
        DealId id = terms.toId();
        if (msg.sender != terms.client) revert NotClient(id, msg.sender, terms.client);
        PackedDeal d = _load(id, D.ACTIVE);
        uint256 endsAt = d.acceptedAt() + terms.duration;
        if (block.timestamp >= endsAt) revert DealOver(id, endsAt);
        uint256 made = d.challenges();
        if (made >= terms.maxChallenges) revert ChallengeLimitReached(id, terms.maxChallenges);
        // One challenge per response window: the next may come once the last one's deadline passed.
        if (block.timestamp < d.deadline()) revert ChallengeTooSoon(id, d.deadline());
        uint256 blocks = Bep52.blockCount(terms.fileLength);
        if (index >= blocks) revert BlockIndexOutOfRange(id, index, blocks);

        uint256 deadline = block.timestamp + terms.responseWindow;
        _deals[id] = D.pack(D.CHALLENGED, d.acceptedAt(), d.withdrawn(), made + 1, deadline, index);
        emit BlockChallenged(id, index, deadline);
        if (terms.challengeFee != 0) _pull(msg.sender, terms.challengeFee);
    }

    /// @inheritdoc IStorageBond
    function respond(DealTerms calldata terms, bytes calldata data, bytes32[] calldata proof) external {
        DealId id = terms.toId();
        PackedDeal d = _load(id, D.CHALLENGED);
        if (block.timestamp > d.deadline()) revert ResponseTooLate(id, d.deadline(), block.timestamp);
        uint256 index = d.index();
        if (!Bep52.verify(terms.piecesRoot, terms.fileLength, index, data, proof)) revert InvalidProof(id, index);
        _deals[id] = d.withStatus(D.ACTIVE);
        emit ChallengeAnswered(id, index);
    }

    /// @inheritdoc IStorageBond
    function slash(DealTerms calldata terms) external {
        DealId id = terms.toId();
        PackedDeal d = _load(id, D.CHALLENGED);
        uint256 deadline = d.deadline();
        if (block.timestamp <= deadline) revert ResponseWindowNotOver(id, deadline, block.timestamp);

        // The provider keeps what it had earned when the missed challenge was made, and the fees
        // of the challenges it did answer; the client gets everything else back plus the bond.
        uint256 earned = _earned(terms, d.acceptedAt(), deadline - terms.responseWindow);
        uint256 answered = d.challenges() - 1;
        uint256 toProvider = earned - d.withdrawn() + answered * terms.challengeFee;
        // The client's share does not depend on who slashes, so front-running its own slash takes
        // nothing from it. The keeper's reward comes out of the provider's payout, so a provider
        // slashing itself from a second address only moves its own money between its addresses.
        uint256 toClient = terms.price - earned + terms.bond + terms.challengeFee;
        uint256 reward;
        if (msg.sender != terms.client && msg.sender != terms.provider) {
            reward = (terms.bond * SLASH_REWARD_BPS) / 10_000;
            if (reward > toProvider) reward = toProvider;
            // Cannot underflow: reward <= toProvider.
            unchecked {
                toProvider -= reward;
            }
        }

        _deals[id] = d.withStatus(D.SLASHED);
        emit DealSlashed(id, msg.sender, toClient, reward, toProvider);
        _owedPlusOne -= toClient + reward + toProvider;
        _payOrCredit(terms.client, toClient);
        if (reward != 0) _payOrCredit(msg.sender, reward);
        if (toProvider != 0) _payOrCredit(terms.provider, toProvider);
    }

    /// @inheritdoc IStorageBond
    function finish(DealTerms calldata terms) external {
        DealId id = terms.toId();
        PackedDeal d = _load(id, D.ACTIVE);
        uint256 endsAt = d.acceptedAt() + terms.duration;
        if (block.timestamp < endsAt) revert DealNotOver(id, endsAt, block.timestamp);
        uint256 toProvider = terms.bond + terms.price - d.withdrawn() + d.challenges() * terms.challengeFee;
        _deals[id] = d.withStatus(D.FINISHED);
        emit DealFinished(id, toProvider);
        _owedPlusOne -= toProvider;
        _payOrCredit(terms.provider, toProvider);
    }

    /// @inheritdoc IStorageBond
    function pushPayout(address to, uint256 amount) external {
        if (msg.sender != address(this)) revert NotSelf(msg.sender);
        _token.push(to, amount);
    }

    /// @inheritdoc IStorageBond
    function withdraw(address to, uint256 amount) external {
        if (to == address(0)) revert InvalidTerms("recipient is the zero address");
        uint256 balance = _balances[msg.sender];
        if (amount == 0 || amount > balance) revert InsufficientBalance(msg.sender, balance, amount);
        unchecked {
            _balances[msg.sender] = balance - amount;
        }
        emit Withdrawn(msg.sender, to, amount);
        _owedPlusOne -= amount;
        _token.push(to, amount);
    }

    // ----------------------------------------------------------------------------------------
    // Reading
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IStorageBond
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IStorageBond
    function owed() external view returns (uint256) {
        return _owedPlusOne - 1;
    }

    /// @inheritdoc IStorageBond
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IStorageBond
    function dealId(DealTerms calldata terms) external pure returns (DealId) {
        return terms.toId();
    }

    /// @inheritdoc IStorageBond
    function getDeal(DealTerms calldata terms) external view returns (DealState memory state) {
        PackedDeal d = _deals[terms.toId()];
        state.status = DealStatus(d.status());
        state.acceptedAt = d.acceptedAt();
        state.withdrawn = d.withdrawn();
        state.challenges = d.challenges();
        state.challengedIndex = d.index();
        state.challengeDeadline = d.deadline();
        if (state.acceptedAt != 0) {
            uint256 until = block.timestamp;
            if (state.status == DealStatus.Slashed) until = state.challengeDeadline - terms.responseWindow;
            state.earned = _earned(terms, state.acceptedAt, until);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    /// @dev Pays `to`, or keeps the amount on its balance here for `withdraw` if the push fails in
    /// any way: the token refuses (a blacklisted recipient), a recipient hook reverts, or a hook
    /// moves tokens of this contract (a reentrant deposit or withdrawal) so the balance does not drop
    /// by exactly `amount`. The push runs in a call to this contract (`pushPayout`) whose revert
    /// undoes everything nested in it, hooks included, so no party can block another's payout or
    /// make a slash, cancel or finish revert. Measured on TRON against crediting every payout
    /// (bench/bond.md): the self-call costs ~600 energy per payout; a credit costs a new storage
    /// slot (20,000) plus the recipient's own withdrawal later.
    function _payOrCredit(address to, uint256 amount) private {
        try this.pushPayout(to, amount) {} catch {
            // Still owed: back into the total the caller took it out of.
            _owedPlusOne += amount;
            _balances[to] += amount;
            emit Credited(to, amount);
        }
    }

    /// @dev Pulls exactly `amount` from `from`, recording it as owed first, and then requires the
    /// balance to cover everything owed. A token that runs the sender's hook before moving funds
    /// lets that hook make a nested deposit (an `offer` with the same tokens) before the outer
    /// transfer silently fails or charges a fee; both would be credited by a balance-difference
    /// check alone, since the nested deposit fills the outer difference. The nested call finds the
    /// outer amount already owed but not yet received and is refused (`BalanceBelowOwed`); a
    /// swallowed refusal leaves the outer difference wrong (`TokenAmountMismatch`). Chosen over a
    /// reentrancy lock by measured TRON energy (bench/bond.md): one 5,000-energy slot rewrite per
    /// movement (the total never returns to zero, see `_owedPlusOne`) against two for a lock's set
    /// and reset (no refunds on TRON), and it also checks what a lock cannot: the token's word.
    function _pull(address from, uint256 amount) private {
        _owedPlusOne += amount;
        uint256 before = _selfBalance();
        // The return value is not trusted (TRON USDT returns false on success): the balance decides.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory returned) = address(_token).call(
            abi.encodeCall(IERC20.transferFrom, (from, address(this), amount))
        );
        if (!ok) _bubble(returned, from, amount);
        uint256 afterwards = _selfBalance();
        if (afterwards < before || afterwards - before != amount) {
            revert TokenTransfers.TokenAmountMismatch(amount, afterwards < before ? 0 : afterwards - before);
        }
        uint256 owedNow = _owedPlusOne - 1;
        if (afterwards < owedNow) revert BalanceBelowOwed(afterwards, owedNow);
    }

    /// @dev This contract's token balance, without the high-level call's extra checks.
    function _selfBalance() private view returns (uint256 amount) {
        address token_ = address(_token);
        bytes4 selector = IERC20.balanceOf.selector;
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, address())
            ok := staticcall(gas(), token_, 0x00, 0x24, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            amount := mload(0x00)
        }
        if (!ok) revert TokenTransfers.TokenBalanceUnreadable(token_);
    }

    /// @dev Re-raises a failed pull's revert data (the token's own reason, e.g. an allowance error).
    function _bubble(bytes memory returned, address from, uint256 amount) private pure {
        if (returned.length == 0) revert TokenTransfers.TokenPullFailed(from, amount);
        assembly ("memory-safe") {
            revert(add(returned, 0x20), mload(returned))
        }
    }

    function _checkTerms(DealTerms calldata t) private pure {
        if (t.provider == address(0)) revert InvalidTerms("provider is the zero address");
        if (t.fileLength == 0) revert InvalidTerms("file length is zero (an empty file has no pieces root)");
        if (Bep52.blockCount(t.fileLength) > _MAX_BLOCKS) revert InvalidTerms("file has more than 2^40 blocks");
        if (t.price == 0 || t.bond == 0) revert InvalidTerms("price and bond must be non-zero");
        if (t.price > _MAX_AMOUNT || t.bond > _MAX_AMOUNT || t.challengeFee > _MAX_AMOUNT) {
            revert InvalidTerms("an amount exceeds 2^112 - 1");
        }
        if (t.duration == 0) revert InvalidTerms("duration is zero");
        if (t.responseWindow < MIN_RESPONSE_WINDOW)
            revert ResponseWindowTooShort(t.responseWindow, MIN_RESPONSE_WINDOW);
    }

    function _load(DealId id, uint8 expected) private view returns (PackedDeal d) {
        d = _deals[id];
        uint8 status = d.status();
        if (status == D.NONE) revert DealNotFound(id);
        if (status != expected) revert DealNotInStatus(id, DealStatus(status), DealStatus(expected));
    }

    /// @dev Price earned linearly from acceptance until `until`, capped at the deal's end.
    function _earned(DealTerms calldata terms, uint256 acceptedAt, uint256 until) private pure returns (uint256) {
        uint256 elapsed = until > acceptedAt ? until - acceptedAt : 0;
        if (elapsed >= terms.duration) return terms.price;
        // Cannot overflow: price < 2^112 and elapsed < 2^32.
        return (terms.price * elapsed) / terms.duration;
    }
}
