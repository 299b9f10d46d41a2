import { Command, Option } from "commander";
import { syncChannel } from "../../channel/syncChannel";
import { action, bttArg, examples } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt } from "../format";
import type { CliIo } from "../output";
import { requireOpened } from "../refreshChannel";

type TopUpOptions = { channel: string; amount: bigint };

export function topUpCommand(io: CliIo): Command {
  return new Command("top-up")
    .summary("payer: add to an open channel's deposit")
    .description("Adds --amount BTT to the deposit of an open channel (approving the escrow first if needed).")
    .requiredOption("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .addOption(new Option("--amount <btt>", "how much to add, in BTT").argParser(bttArg).makeOptionMandatory())
    .addHelpText("after", examples([["seedpay top-up --channel 0x1a2b3c4d --amount 5", "add 5 BTT"]]))
    .action(
      action<TopUpOptions>(io, async (s, o) => {
        const chain = await s.chain();
        const store = s.store();
        const channel = await syncChannel(store, chain, (await s.findChannel(o.channel, "payer")).id);
        requireOpened(channel, "top-up");
        if (channel.status !== "open") {
          throw new CliUsageError(`channel ${channel.id} is ${channel.status}: only open channels take top-ups`);
        }
        const balance = await chain.tokenBalance(chain.account);
        if (balance < o.amount) {
          throw new CliUsageError(`the wallet holds ${formatBtt(balance)}; cannot add ${formatBtt(o.amount)}`);
        }
        if ((await chain.allowance(chain.account)) < o.amount) await chain.approve(o.amount);
        await chain.topUp(channel.id, o.amount);
        const after = await syncChannel(store, chain, channel.id);
        return {
          json: {
            channelId: after.id,
            added: amountJson(o.amount),
            deposit: amountJson(after.deposit),
            transactions: s.txs.sent,
          },
          text: [`topped up channel ${after.id} by ${formatBtt(o.amount)}: deposit now ${formatBtt(after.deposit)}`],
        };
      }),
    );
}
