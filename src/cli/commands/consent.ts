import { Command, InvalidArgumentError, Option } from "commander";
import { action, examples } from "../commandKit";
import { encodeConsentMessage } from "../consentMessage";
import { CliUsageError } from "../errors";
import { amountJson, bttString, formatBtt, parseBtt, shortId, toJson } from "../format";
import type { CliIo } from "../output";
import { describeMissing, refreshChannel } from "../refreshChannel";

type ConsentOptions = { channel: string; amount?: bigint };

/** `--amount 0` is a real consent (nothing more for the payee), unlike a payment of zero. */
function amountArg(value: string): bigint {
  const amount = parseBtt(value);
  if (amount === undefined) {
    throw new InvalidArgumentError("Expected an amount in BTT with at most 18 decimals, e.g. 10 or 0.25.");
  }
  return amount;
}

export function consentCommand(io: CliIo): Command {
  return new Command("consent")
    .summary("payee: sign a consent for the payer to close a channel at once (prints its JSON)")
    .description(
      "Signs the escrow's TIP-712 CloseConsent(channelId, finalAmount) with the payee's wallet key (the escrow " +
        "checks it against the channel's payee, not its voucher signer) and prints it as one line of JSON for the " +
        "payer's `seedpay close --consent`. The payer can then close the channel immediately, without a dispute " +
        "window: the payee gets --amount in total (cumulative, like a voucher; default: the best voucher held), " +
        "credited to its balance in the escrow, and the rest of the deposit goes back to the payer. An amount " +
        "below what the payee already claimed, or above the deposit, is refused. Sends nothing.",
    )
    .requiredOption("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .addOption(
      new Option("--amount <btt>", "what the payee gets in total (default: the best voucher held)").argParser(
        amountArg,
      ),
    )
    .addHelpText(
      "after",
      examples([
        ["seedpay consent --channel 0x1a2b3c4d > consent.json", "consent to close at the best voucher held"],
        [
          "seedpay consent --channel 0x1a2b3c4d | SEEDPAY_PRIVATE_KEY=$PAYER_KEY seedpay --db payer.db close --consent -",
          "hand it straight to the payer, who closes",
        ],
        ["seedpay consent --channel 0x1a2b3c4d --amount 2.5", "settle for 2.5 BTT in total"],
      ]),
    )
    .action(
      action<ConsentOptions>(io, async (s, o) => {
        const stored = await s.findChannel(o.channel, "payee");
        const signer = await s.walletSigner();
        if (signer.address.toLowerCase() !== stored.key.payee.toLowerCase()) {
          throw new CliUsageError(
            `channel ${stored.id} pays ${s.address(stored.key.payee)}, but the wallet key is ${s.address(signer.address)}`,
            {
              metaMessages: [
                "A close consent is signed by the payee's wallet key (SEEDPAY_PRIVATE_KEY / --key-file): the escrow",
                "checks it against the channel's payee. Run it with the payee's key and store (--db).",
              ],
            },
          );
        }
        const store = s.store();
        const { channel, onChain } = await refreshChannel(store, await s.readChain(stored.key.payee), stored);
        if (onChain.status === "none") throw new CliUsageError(`channel ${channel.id}: ${describeMissing(channel)}`);
        if (onChain.status === "closed") throw new CliUsageError(`channel ${channel.id} is already closed`);
        const best = store.getBestReceivedVoucher(channel.id)?.cumulativeAmount ?? 0n;
        const amount = o.amount ?? (best > channel.claimed ? best : channel.claimed);
        const short = shortId(channel.id);
        if (amount < channel.claimed) {
          throw new CliUsageError(
            `channel ${channel.id}: the payee already claimed ${formatBtt(channel.claimed)}; ` +
              `a consent for ${formatBtt(amount)} would still close at ${formatBtt(channel.claimed)} (claims are never taken back)`,
            {
              metaMessages: [
                `Consent to at least ${formatBtt(channel.claimed)}: seedpay consent --channel ${short} --amount ${bttString(channel.claimed)}`,
                `(or leave --amount out: the best voucher held, ${formatBtt(best > channel.claimed ? best : channel.claimed)}).`,
              ],
            },
          );
        }
        if (amount > channel.deposit) {
          throw new CliUsageError(
            `channel ${channel.id} holds ${formatBtt(channel.deposit)}; a consent for ${formatBtt(amount)} cannot be paid`,
            {
              metaMessages: [
                `Consent to at most the deposit: seedpay consent --channel ${short} --amount ${bttString(channel.deposit)}`,
              ],
            },
          );
        }
        if (amount < best) {
          s.out.warn(
            `the best voucher held pays ${formatBtt(best)}; this consent gives it up for ${formatBtt(amount)} ` +
              `(claim it first with \`seedpay claim --channel ${short}\` to keep it)`,
          );
        }
        const { signature } = signer.signCloseConsent({ channelId: channel.id, finalAmount: amount });
        const message = encodeConsentMessage(
          {
            chainId: await s.chainId(),
            escrow: await s.escrow(),
            channelId: channel.id,
            key: channel.key,
            finalAmount: amount,
            signature,
          },
          (a) => s.address(a),
        );
        const refund = channel.deposit - amount;
        if (s.out.json) {
          return {
            text: [],
            json: {
              consent: message,
              channelId: channel.id,
              finalAmount: amountJson(amount),
              newForPayee: amountJson(amount - channel.claimed),
              refund: amountJson(refund),
            },
          };
        }
        s.out.raw(`${toJson(message)}\n`);
        s.out.note(
          `signed a close consent on channel ${short}: ${formatBtt(amount)} to the payee in total ` +
            `(+${formatBtt(amount - channel.claimed)} on closing), ${formatBtt(refund)} back to the payer. ` +
            "The JSON on stdout is for the payer's `seedpay close --consent`; anyone holding it can close the channel.",
        );
      }),
    );
}
