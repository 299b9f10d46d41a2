// SPDX-License-Identifier: MIT
pragma solidity 0.8.29;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ChannelId} from "../libraries/ChannelKey.sol";
import {IChannelEscrow} from "../interfaces/IChannelEscrow.sol";

/// @notice Test helper: every balance and channel a property test checks after each step, in one
/// eth_call, as one flat array (cheap to decode thousands of times):
/// [escrow's token balance, each party's token balance, each party's escrow balance,
///  then per channel: status, deposit, claimed, closesAt].
contract BalanceReader {
    function read(
        IERC20 token,
        IChannelEscrow escrow,
        address[] calldata parties,
        ChannelId[] calldata ids
    ) external view returns (uint256[] memory out) {
        uint256 n = parties.length;
        out = new uint256[](1 + 2 * n + 4 * ids.length);
        out[0] = token.balanceOf(address(escrow));
        for (uint256 i; i < n; ++i) {
            out[1 + i] = token.balanceOf(parties[i]);
            out[1 + n + i] = escrow.balanceOf(parties[i]);
        }
        for (uint256 i; i < ids.length; ++i) {
            IChannelEscrow.ChannelState memory s = escrow.getChannel(ids[i]);
            uint256 at = 1 + 2 * n + 4 * i;
            out[at] = uint256(s.status);
            out[at + 1] = s.deposit;
            out[at + 2] = s.claimed;
            out[at + 3] = s.closesAt;
        }
    }
}
