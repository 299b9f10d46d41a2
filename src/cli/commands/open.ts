import { Command, Option } from "commander";
import { Payer } from "../../channel/payer";
import { channelJson, displayKey, EXPLICIT_PAYMENTS } from "../channelJson";
import { action, addressArg, bttArg, examples, secondsArg } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, formatDuration, formatGas } from "../format";
import { syncChannel } from "../../channel/syncChannel";
import type { ChannelRecord } from "../../store/types";
import type { CliIo, CommandResult } from "../output";
import type { Session } from "../session";

type OpenOptions = { payee?: string; deposit?: bigint; window: number; resume?: string | true };

export function openCommand(io: CliIo): Command {
  return new Command("open")
    .summary("payer: open a channel to a payee with a deposit")
    .description(
      "Opens a one-way channel from the wallet to --payee, depositing --deposit BTT (approving the escrow " +
        "first if needed). Vouchers on it are signed by the signer key (SEEDPAY_SIGNER_KEY / --signer-key-file), " +
        "whose address goes into the channel's key. The channel is recorded in the store before the " +
        "transaction is sent, so a crash cannot lose it.",
    )
    .addOption(new Option("--payee <address>", "who the channel pays (required)").argParser(addressArg))
    .addOption(new Option("--deposit <btt>", "deposit, in BTT (required)").argParser(bttArg))
    .addOption(
      new Option(
        "--resume [channel]",
        "finish an interrupted open (a channel still `opening`): record it if its transaction landed, else send it with --deposit",
      ).conflicts(["payee", "window"]),
    )
    .addOption(
      new Option("--window <seconds>", "dispute window: how long the payee has to claim after start-close")
        .argParser(secondsArg)
        .default(86400),
    )
    .addHelpText(
      "after",
      examples([
        ["seedpay open --payee 0x3C44…93BC --deposit 10", "open with 10 BTT and a 24 h dispute window"],
        ["seedpay open --payee 0x3C44…93BC --deposit 10 --window 3600 --json", "a 1 h window, JSON output"],
        ["seedpay --network shasta open --payee TJRab…Ffs4 --deposit 10", "on TRON Shasta (TronGrid)"],
        ["seedpay open --resume 0x1a2b3c4d --deposit 10", "after Ctrl-C during an open: finish it"],
      ]),
    )
    .action(
      action<OpenOptions>(io, async (s, o) => {
        if (o.resume !== undefined) return resumeOpen(s, o.resume, o.deposit);
        // Required unless --resume, which takes neither a payee nor always a deposit.
        for (const [value, flag] of [
          [o.payee, "--payee <address>"],
          [o.deposit, "--deposit <btt>"],
        ] as const) {
          if (value === undefined) {
            throw new CliUsageError(`required option '${flag}' not specified`, {
              metaMessages: ["(`seedpay open --resume` finishes an interrupted open instead)"],
            });
          }
        }
        const payee = o.payee!;
        const deposit = o.deposit!;
        // The escrow refuses it, but only after the approve was sent and paid for.
        if (BigInt(payee) === 0n) {
          throw new CliUsageError("--payee is the zero address: nobody could ever claim from the channel", {
            metaMessages: ["Pass the payee's wallet address (0x + 40 hex digits, or T… on TRON)."],
          });
        }
        const chain = await s.chain();
        const signer = await s.voucherSigner();
        const [min, max] = await s.disputeWindowBounds();
        if (BigInt(o.window) < min || BigInt(o.window) > max) {
          throw new CliUsageError(`--window ${o.window} is outside this escrow's dispute windows ${min}..${max} s`);
        }
        const balance = await chain.tokenBalance(chain.account);
        if (balance < deposit) {
          throw new CliUsageError(
            `the wallet ${s.address(chain.account)} holds ${formatBtt(balance)}; a deposit of ${formatBtt(deposit)} needs more`,
          );
        }
        const payer = new Payer({
          store: s.store(),
          chain,
          signer,
          policy: EXPLICIT_PAYMENTS,
          disputeWindow: o.window,
        });
        s.txs.interruptHint =
          "The channel stays `opening` in the store: `seedpay open --resume --deposit BTT` records it if the " +
          "open landed, or sends it if not (`seedpay status` shows it meanwhile).";
        const channel = await payer.open(payee, deposit);
        const key = displayKey(channel.key, (a) => s.address(a));
        return {
          json: {
            channel: channelJson(channel, (a) => s.address(a)),
            deposit: amountJson(channel.deposit),
            transactions: s.txs.sent,
          },
          text: [
            `opened channel ${channel.id}`,
            `  payer ${key.payer} → payee ${key.payee}`,
            `  deposit ${formatBtt(channel.deposit)}, dispute window ${formatDuration(o.window)}, vouchers signed by ${key.signer}`,
            `  ${s.txs.unit} ${formatGas(s.txs.gasUsed)} (${s.txs.sent.map((tx) => tx.action).join(" + ")})`,
            `pay with: seedpay pay --channel ${channel.id.slice(0, 10)} --amount <btt>`,
          ],
        };
      }),
    );
}

/**
 * Finishes an open that was interrupted (Ctrl-C, a crash) after the channel was recorded as
 * `opening`: the chain decides. Open there: the store catches up. Unknown there: the open is sent
 * now, for the same key, so vouchers already promised to the payee's id stay valid.
 */
async function resumeOpen(s: Session, which: string | true, deposit: bigint | undefined): Promise<CommandResult> {
  const chain = await s.chain();
  const store = s.store();
  let stored: ChannelRecord;
  if (which === true) {
    const opening = (await s.channels("payer")).filter((c) => c.status === "opening");
    if (opening.length !== 1) {
      throw new CliUsageError(
        opening.length === 0
          ? `no channel in ${s.dbPath} is still opening: nothing to resume`
          : `${opening.length} channels are still opening: say which, --resume CHANNEL`,
        { metaMessages: opening.map((c) => `  ${c.id}`) },
      );
    }
    stored = opening[0]!;
  } else {
    stored = await s.findChannel(which, "payer");
  }
  const show = (a: string): string => s.address(a);
  const onChain = await chain.getChannel(stored.id);
  if (onChain.status !== "none") {
    const channel = await syncChannel(store, chain, stored.id);
    return {
      json: { channel: channelJson(channel, show), deposit: amountJson(channel.deposit), transactions: [] },
      text: [
        `channel ${channel.id} is ${channel.status} on chain: its open had landed (deposit ${formatBtt(channel.deposit)}); the store is up to date`,
        `pay with: seedpay pay --channel ${channel.id.slice(0, 10)} --amount <btt>`,
      ],
    };
  }
  if (stored.status !== "opening") {
    throw new CliUsageError(`channel ${stored.id} is ${stored.status} in the store, but the chain does not know it`, {
      metaMessages: ["A restarted development node starts an empty chain: use a fresh --db."],
    });
  }
  if (deposit === undefined) {
    throw new CliUsageError(`channel ${stored.id} never opened on chain: say its deposit, --resume ... --deposit BTT`);
  }
  if (stored.key.payer.toLowerCase() !== chain.account.toLowerCase()) {
    throw new CliUsageError(
      `channel ${stored.id} is paid by ${show(stored.key.payer)}, but the wallet key is ${show(chain.account)}`,
    );
  }
  const balance = await chain.tokenBalance(chain.account);
  if (balance < deposit) {
    throw new CliUsageError(`the wallet holds ${formatBtt(balance)}; a deposit of ${formatBtt(deposit)} needs more`);
  }
  s.txs.interruptHint = `Run \`seedpay open --resume ${stored.id.slice(0, 10)} --deposit BTT\` again: it checks the chain first.`;
  if ((await chain.allowance(chain.account)) < deposit) await chain.approve(deposit);
  const tx = await chain.open(stored.key, deposit);
  const channel = store.updateChannel(stored.id, { status: "open", deposit, openedTx: tx.hash });
  return {
    json: { channel: channelJson(channel, show), deposit: amountJson(deposit), transactions: s.txs.sent },
    text: [
      `opened channel ${channel.id} (resumed)`,
      `  deposit ${formatBtt(deposit)}, ${s.txs.unit} ${formatGas(s.txs.gasUsed)} (${s.txs.sent.map((t) => t.action).join(" + ")})`,
      `pay with: seedpay pay --channel ${channel.id.slice(0, 10)} --amount <btt>`,
    ],
  };
}
