import { Command } from "commander";
import { Payee } from "../../channel/payee";
import { action, examples } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt } from "../format";
import type { CliIo } from "../output";
import { describeMissing, refreshChannel } from "../refreshChannel";
import type { Session } from "../session";

type CloseOptions = { channel: string; withdraw: boolean };

export function closeCommand(io: CliIo): Command {
  return new Command("close")
    .summary("payee: close a channel at once with its best voucher, then withdraw")
    .description(
      "The payee closes the channel immediately, claiming its best voucher if it pays anything new; the rest " +
        "of the deposit goes back to the payer. Then everything credited to the payee in the escrow is " +
        "withdrawn to the wallet (unless --no-withdraw).",
    )
    .requiredOption("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .option("--no-withdraw", "leave the payee's balance in the escrow")
    .addHelpText("after", examples([["seedpay close --channel 0x1a2b3c4d", "close, claim the last voucher, withdraw"]]))
    .action(
      action<CloseOptions>(io, async (s, o) => {
        const chain = await s.chain();
        const store = s.store();
        const { channel, onChain } = await refreshChannel(store, chain, await s.findChannel(o.channel, "payee"));
        if (onChain.status === "none") throw new CliUsageError(`channel ${channel.id}: ${describeMissing(channel)}`);
        if (onChain.status === "closed") throw new CliUsageError(`channel ${channel.id} is already closed`);
        const payee = new Payee({ store, chain, verifier: await s.verifier(), claimPolicy: { threshold: 0n } });
        let withdrawn = 0n;
        if (o.withdraw) {
          const result = await payee.closeAndWithdraw(channel.id);
          if (result.withdraw) withdrawn = await withdrawnIn(s, result.withdraw.hash);
        } else {
          const best = store.getBestReceivedVoucher(channel.id);
          await chain.close(
            best && best.cumulativeAmount > channel.claimed
              ? { key: channel.key, amount: best.cumulativeAmount, signature: best.signature }
              : { key: channel.key },
          );
        }
        const { channel: closed } = await refreshChannel(store, chain, channel);
        const refunded = closed.deposit - closed.claimed;
        return {
          json: {
            channelId: closed.id,
            status: closed.status,
            claimed: amountJson(closed.claimed),
            claimedNow: amountJson(closed.claimed - channel.claimed),
            refunded: amountJson(refunded),
            withdrawn: amountJson(withdrawn),
            transactions: s.txs.sent,
          },
          text: [
            `closed channel ${closed.id}: ${formatBtt(closed.claimed)} paid to the payee in total ` +
              `(+${formatBtt(closed.claimed - channel.claimed)} now), ${formatBtt(refunded)} refunded to the payer`,
            o.withdraw
              ? `withdrew ${formatBtt(withdrawn)} from the escrow to ${s.address(chain.account)}`
              : "the payee's balance stays in the escrow (seedpay withdraw)",
          ],
        };
      }),
    );
}

/** The amount of the Withdrawn event in a transaction. */
async function withdrawnIn(s: Session, hash: string): Promise<bigint> {
  const logs = await (await s.node()).logs(hash);
  const escrow = (await s.escrow()).toLowerCase();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ChannelEscrow__factory } = require("../../../typechain-types") as typeof import("../../../typechain-types");
  const iface = ChannelEscrow__factory.createInterface();
  for (const log of logs) {
    if (log.address.toLowerCase() !== escrow) continue;
    const event = iface.parseLog(log);
    if (event?.name === "Withdrawn") return event.args.amount as bigint;
  }
  return 0n;
}
