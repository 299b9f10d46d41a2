import { Command } from "commander";
import { keyJson } from "../channelJson";
import { action, examples } from "../commandKit";
import { amountJson, bttString, formatBtt, formatDuration, shortAddress, uniqueShortId } from "../format";
import type { CliIo } from "../output";
import { refreshChannel } from "../refreshChannel";

type StatusOptions = { channel?: string };

export function statusCommand(io: CliIo): Command {
  return new Command("status")
    .summary("channels in the store with their on-chain state, balances, windows and unclaimed amounts")
    .description(
      "Lists the store's channels on this escrow, refreshed from the chain: role, counterpart, status, " +
        "deposit, claimed, the latest voucher (signed as payer, held as payee), what a payee has not claimed " +
        "yet, and the time left in a closing channel's dispute window (chain time). With a wallet key, also " +
        "the wallet's token balance and its balance in the escrow. Needs no key.",
    )
    .option("--channel <id>", "only this channel (id or unique prefix)")
    .addHelpText(
      "after",
      examples([
        ["seedpay status", "everything"],
        ["seedpay status --json | jq '.channels[] | select(.unclaimed.baseUnits != \"0\")'", "what is left to claim"],
        ["seedpay status --network development", "on the TRON devnode (`seedpay devnode`): addresses in base58"],
      ]),
    )
    .action(
      action<StatusOptions>(io, async (s, o) => {
        const node = await s.node();
        const { url, chainId } = node;
        const escrow = await s.escrow();
        const block = await node.head();
        const now = BigInt(block.timestamp);
        const account = s.walletAddress();
        // Only reads: any address will do as the adapter's account.
        const chain = await s.readChain(account ?? escrow);
        const token = await chain.token();
        const show = (address: string): string => s.address(address);
        const store = s.store();
        const all = await s.channels();
        const everyId = all.map((c) => c.id);
        const stored = o.channel ? [await s.findChannel(o.channel)] : all;

        const rows: Record<string, unknown>[] = [];
        const table: string[][] = [
          ["channel", "role", "counterpart", "status", "deposit", "claimed", "voucher", "unclaimed", "window"],
        ];
        let totalUnclaimed = 0n;
        for (const record of stored) {
          const { channel, onChain } =
            record.status === "closed"
              ? { channel: record, onChain: undefined }
              : await refreshChannel(store, chain, record);
          const status =
            onChain?.status === "none" ? (channel.status === "opening" ? "opening" : "unknown") : channel.status;
          const voucher =
            channel.role === "payer"
              ? (store.getHighestIssuedVoucher(channel.id)?.cumulativeAmount ?? 0n)
              : (store.getBestReceivedVoucher(channel.id)?.cumulativeAmount ?? 0n);
          const payable = voucher < channel.deposit ? voucher : channel.deposit;
          const unclaimed =
            channel.role === "payee" && status !== "closed" && payable > channel.claimed
              ? payable - channel.claimed
              : 0n;
          totalUnclaimed += unclaimed;
          const closesAt = channel.status === "closing" ? BigInt(channel.closesAt ?? 0) : undefined;
          const left = closesAt === undefined ? undefined : closesAt > now ? closesAt - now : 0n;
          const counterpart = show(channel.role === "payer" ? channel.key.payee : channel.key.payer);
          rows.push({
            id: channel.id,
            role: channel.role,
            counterpart,
            status,
            key: keyJson(channel.key, show),
            deposit: amountJson(channel.deposit),
            claimed: amountJson(channel.claimed),
            voucher: amountJson(voucher),
            unclaimed: amountJson(unclaimed),
            closesAt: closesAt === undefined ? null : Number(closesAt),
            secondsLeft: left === undefined ? null : Number(left),
          });
          table.push([
            // Enough of the id to be unique among the store's channels: what --channel accepts.
            uniqueShortId(channel.id, everyId),
            channel.role,
            shortAddress(counterpart),
            status,
            bttString(channel.deposit),
            bttString(channel.claimed),
            bttString(voucher),
            channel.role === "payee" ? bttString(unclaimed) : "-",
            left === undefined ? "-" : left > 0n ? `${formatDuration(left)} left` : "over: settle",
          ]);
        }

        const balances = account
          ? { address: account, wallet: await chain.tokenBalance(account), escrow: await chain.escrowBalance(account) }
          : undefined;
        const text = [
          `node    ${url} (${node.kind === "tron" ? "TRON" : "EVM"}), chain ${chainId}, block ${block.number}, chain time ${new Date(block.timestamp * 1000).toISOString()}`,
          `escrow  ${show(escrow)} (token ${show(token)})`,
          balances
            ? `account ${show(balances.address)}: wallet ${formatBtt(balances.wallet)}, in the escrow ${formatBtt(balances.escrow)}`
            : "account (no wallet key: balances not shown)",
          `store   ${s.dbPath}: ${rows.length} channel${rows.length === 1 ? "" : "s"} on this escrow`,
        ];
        if (rows.length > 0) text.push("", ...renderTable(table));
        if (totalUnclaimed > 0n)
          text.push("", `unclaimed in total: ${formatBtt(totalUnclaimed)} (seedpay claim --all)`);
        if (rows.some((r) => r.status === "opening")) {
          text.push(
            "",
            "opening: an interrupted `seedpay open`; `seedpay open --resume CHANNEL --deposit BTT` finishes it",
          );
        }
        if (rows.some((r) => r.status === "unknown")) {
          text.push(
            "",
            "unknown: the chain does not know the channel (a restarted development node?): use a fresh --db",
          );
        }
        return {
          json: {
            node: { url, kind: node.kind, chainId: chainId.toString(), block: block.number, time: block.timestamp },
            escrow: show(escrow),
            token: show(token),
            account: balances && {
              address: show(balances.address),
              wallet: amountJson(balances.wallet),
              escrow: amountJson(balances.escrow),
            },
            store: s.dbPath,
            channels: rows,
            unclaimed: amountJson(totalUnclaimed),
          },
          text,
        };
      }),
    );
}

/** Left-aligned text columns, right-aligned amounts. */
function renderTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const numeric = new Set([4, 5, 6, 7]);
  return rows.map((r) =>
    r
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}
