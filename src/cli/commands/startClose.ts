import { Command } from "commander";
import { action, examples } from "../commandKit";
import { CliUsageError } from "../errors";
import { formatDuration } from "../format";
import type { CliIo } from "../output";
import { describeMissing, refreshChannel } from "../refreshChannel";

type StartCloseOptions = { channel: string };

export function startCloseCommand(io: CliIo): Command {
  return new Command("start-close")
    .summary("payer: start a unilateral close (the dispute window starts)")
    .description(
      "The payer starts closing a channel without the payee. The channel's dispute window starts now: the " +
        "payee can still claim its best voucher during it; once it is over, `seedpay settle` returns the " +
        "unclaimed deposit to the payer. No more vouchers are signed on a closing channel.",
    )
    .requiredOption("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .addHelpText("after", examples([["seedpay start-close --channel 0x1a2b3c4d", "start the dispute window"]]))
    .action(
      action<StartCloseOptions>(io, async (s, o) => {
        const chain = await s.chain();
        const store = s.store();
        const { channel, onChain } = await refreshChannel(store, chain, await s.findChannel(o.channel, "payer"));
        if (onChain.status === "none") throw new CliUsageError(`channel ${channel.id}: ${describeMissing(channel)}`);
        if (onChain.status !== "open") {
          throw new CliUsageError(`channel ${channel.id} is ${onChain.status}: only an open channel can start closing`);
        }
        await chain.startClose(channel.key);
        const { channel: closing } = await refreshChannel(store, chain, channel);
        const closesAt = closing.closesAt ?? 0;
        return {
          json: { channelId: closing.id, status: closing.status, closesAt, transactions: s.txs.sent },
          text: [
            `channel ${closing.id} is closing: the payee can claim until ${new Date(closesAt * 1000).toISOString()} ` +
              `(${formatDuration(channel.key.disputeWindow)} from now, chain time)`,
            `then: seedpay settle --channel ${closing.id.slice(0, 10)}`,
          ],
        };
      }),
    );
}
