import { Command, Option } from "commander";
import { Payer } from "../../channel/payer";
import { channelJson, displayKey, EXPLICIT_PAYMENTS } from "../channelJson";
import { action, addressArg, bttArg, examples, secondsArg } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, formatDuration, formatGas } from "../format";
import type { CliIo } from "../output";

type OpenOptions = { payee: string; deposit: bigint; window: number };

export function openCommand(io: CliIo): Command {
  return new Command("open")
    .summary("payer: open a channel to a payee with a deposit")
    .description(
      "Opens a one-way channel from the wallet to --payee, depositing --deposit BTT (approving the escrow " +
        "first if needed). Vouchers on it are signed by the signer key (SEEDPAY_SIGNER_KEY / --signer-key-file), " +
        "whose address goes into the channel's key. The channel is recorded in the store before the " +
        "transaction is sent, so a crash cannot lose it.",
    )
    .addOption(new Option("--payee <address>", "who the channel pays").argParser(addressArg).makeOptionMandatory())
    .addOption(new Option("--deposit <btt>", "deposit, in BTT").argParser(bttArg).makeOptionMandatory())
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
      ]),
    )
    .action(
      action<OpenOptions>(io, async (s, o) => {
        const chain = await s.chain();
        const signer = await s.voucherSigner();
        const [min, max] = (await (
          await s.node()
        ).view(chain.escrow, "function disputeWindowBounds() view returns (uint256, uint256)")) as unknown as [
          bigint,
          bigint,
        ];
        if (BigInt(o.window) < min || BigInt(o.window) > max) {
          throw new CliUsageError(`--window ${o.window} is outside this escrow's dispute windows ${min}..${max} s`);
        }
        const balance = await chain.tokenBalance(chain.account);
        if (balance < o.deposit) {
          throw new CliUsageError(
            `the wallet ${s.address(chain.account)} holds ${formatBtt(balance)}; a deposit of ${formatBtt(o.deposit)} needs more`,
          );
        }
        const payer = new Payer({
          store: s.store(),
          chain,
          signer,
          policy: EXPLICIT_PAYMENTS,
          disputeWindow: o.window,
        });
        const channel = await payer.open(o.payee, o.deposit);
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
