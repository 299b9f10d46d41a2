import { Command, Option } from "commander";
import { decideClaim } from "../../channel/creditPolicy";
import type { ChannelRecord } from "../../store/types";
import { action, bttArg, examples } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, formatGas, shortId } from "../format";
import type { CliIo } from "../output";
import { refreshChannel } from "../refreshChannel";

type ClaimOptions = { channel?: string; all?: boolean; threshold?: bigint };

type Due = { channel: ChannelRecord; amount: bigint; signature: string; owed: bigint; reason: string };

export function claimCommand(io: CliIo): Command {
  return new Command("claim")
    .summary("payee: claim vouchers without closing (one channel, or all in one transaction)")
    .description(
      "Presents the best voucher of each chosen channel to the escrow, crediting the payee's balance there " +
        "(withdraw it with `seedpay withdraw`, or `seedpay close` does). --channel claims one channel; --all " +
        "claims every channel with anything unclaimed in one claimMany transaction; --threshold BTT claims, " +
        "in one transaction, the channels owing at least that much plus every closing channel (whose " +
        "dispute window is running).",
    )
    .addOption(new Option("--channel <id>", "claim this channel (id or unique prefix)").conflicts(["all", "threshold"]))
    .addOption(
      new Option("--all", "claim every channel with anything unclaimed, in one transaction").conflicts("threshold"),
    )
    .addOption(
      new Option("--threshold <btt>", "claim channels owing at least this much, and closing ones").argParser(bttArg),
    )
    .addHelpText(
      "after",
      examples([
        ["seedpay claim --all", "one claimMany of everything unclaimed"],
        ["seedpay claim --channel 0x1a2b3c4d", "claim one channel"],
        ["seedpay claim --threshold 1 --json", "what a cron job runs: claim what is worth the gas"],
      ]),
    )
    .action(
      action<ClaimOptions>(io, async (s, o) => {
        if (!o.channel && !o.all && o.threshold === undefined) {
          throw new CliUsageError("choose what to claim: --channel ID, --all, or --threshold BTT");
        }
        const chain = await s.chain();
        const store = s.store();
        const chosen = o.channel ? [await s.findChannel(o.channel, "payee")] : await s.channels("payee");
        const now = BigInt((await (await s.node()).head()).timestamp);
        const due: Due[] = [];
        const skipped: string[] = [];
        for (const stored of chosen) {
          if (stored.status === "closed") continue;
          const { channel, onChain } = await refreshChannel(store, chain, stored);
          const best = store.getBestReceivedVoucher(channel.id);
          if (onChain.status === "none" || onChain.status === "closed" || !best) continue;
          const payable = best.cumulativeAmount < channel.deposit ? best.cumulativeAmount : channel.deposit;
          const owed = payable > channel.claimed ? payable - channel.claimed : 0n;
          const decision = decideClaim(
            { threshold: o.threshold ?? 1n },
            { best: payable, claimed: channel.claimed, status: onChain.status, closesAt: onChain.closesAt, now },
          );
          if (decision.claim) {
            due.push({
              channel,
              amount: best.cumulativeAmount,
              signature: best.signature,
              owed,
              reason: o.threshold === undefined ? "unclaimed" : decision.reason,
            });
          } else if (owed > 0n) skipped.push(`${shortId(channel.id)} owes ${formatBtt(owed)}, below the threshold`);
        }
        if (o.channel && due.length === 0) {
          const channel = store.getChannel(chosen[0].id)!;
          const best = store.getBestReceivedVoucher(channel.id)?.cumulativeAmount ?? 0n;
          throw new CliUsageError(
            `nothing to claim on channel ${channel.id}: ${channel.status} on-chain, best voucher ${formatBtt(best)}, ` +
              `${formatBtt(channel.claimed)} of ${formatBtt(channel.deposit)} already claimed`,
          );
        }
        if (due.length === 0) {
          return {
            json: { claimed: [], credited: amountJson(0n), skipped, transactions: [] },
            text: ["nothing to claim", ...skipped.map((line) => `  ${line}`)],
          };
        }
        const requests = due.map((d) => ({ key: d.channel.key, amount: d.amount, signature: d.signature }));
        const tx = due.length === 1 ? await chain.claim(requests[0]) : await chain.claimMany(requests);
        const claimed: Record<string, unknown>[] = [];
        const lines: string[] = [];
        let credited = 0n;
        for (const d of due) {
          const { channel } = await refreshChannel(store, chain, d.channel);
          const gained = channel.claimed - d.channel.claimed;
          credited += gained;
          store.upsertClaim({ txRef: tx.hash, channelId: channel.id, amount: channel.claimed, status: "confirmed" });
          claimed.push({
            channelId: channel.id,
            reason: d.reason,
            credited: amountJson(gained),
            claimed: amountJson(channel.claimed),
          });
          lines.push(`  ${channel.id}  +${formatBtt(gained)}${d.reason === "unclaimed" ? "" : ` (${d.reason})`}`);
        }
        const balance = await chain.escrowBalance(chain.account);
        return {
          json: {
            claimed,
            credited: amountJson(credited),
            escrowBalance: amountJson(balance),
            skipped,
            transactions: s.txs.sent,
          },
          text: [
            `claimed ${formatBtt(credited)} from ${due.length} channel${due.length === 1 ? "" : "s"} in one ${due.length === 1 ? "claim" : "claimMany"} transaction (${s.txs.unit} ${formatGas(tx.gasUsed)})`,
            ...lines,
            ...skipped.map((line) => `  skipped ${line}`),
            `escrow balance of ${s.address(chain.account)}: ${formatBtt(balance)} (seedpay withdraw moves it to the wallet)`,
          ],
        };
      }),
    );
}
