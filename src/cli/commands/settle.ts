import { Command } from "commander";
import { action, examples } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, formatDuration } from "../format";
import type { CliIo } from "../output";
import { describeMissing, refreshChannel } from "../refreshChannel";

type SettleOptions = { channel: string };

export function settleCommand(io: CliIo): Command {
  return new Command("settle")
    .summary("after the dispute window: settle a closing channel (refunds the payer)")
    .description(
      "Settles a channel whose dispute window is over: the deposit not claimed by the payee goes back to " +
        "the payer. Anyone may settle; the refund always goes to the payer.",
    )
    .requiredOption("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .addHelpText("after", examples([["seedpay settle --channel 0x1a2b3c4d", "settle once the window is over"]]))
    .action(
      action<SettleOptions>(io, async (s, o) => {
        const chain = await s.chain();
        const store = s.store();
        const { channel, onChain } = await refreshChannel(store, chain, await s.findChannel(o.channel));
        if (onChain.status === "none") throw new CliUsageError(`channel ${channel.id}: ${describeMissing(channel)}`);
        if (onChain.status !== "closing") {
          throw new CliUsageError(`channel ${channel.id} is ${onChain.status}, not closing`, {
            metaMessages: onChain.status === "open" ? ["The payer starts a close first: seedpay start-close"] : [],
          });
        }
        const now = BigInt((await (await s.node()).head()).timestamp);
        if (now < onChain.closesAt) {
          throw new CliUsageError(
            `the dispute window of channel ${channel.id} is not over: ${formatDuration(onChain.closesAt - now)} left ` +
              `(until ${new Date(Number(onChain.closesAt) * 1000).toISOString()})`,
          );
        }
        await chain.settle(channel.key);
        const { channel: settled } = await refreshChannel(store, chain, channel);
        const refunded = settled.deposit - settled.claimed;
        return {
          json: {
            channelId: settled.id,
            status: settled.status,
            claimed: amountJson(settled.claimed),
            refunded: amountJson(refunded),
            transactions: s.txs.sent,
          },
          text: [
            `settled channel ${settled.id}: ${formatBtt(refunded)} refunded to the payer ${s.address(settled.key.payer)}, ` +
              `${formatBtt(settled.claimed)} went to the payee`,
          ],
        };
      }),
    );
}
