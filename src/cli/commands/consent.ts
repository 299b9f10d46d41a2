import { Command, InvalidArgumentError, Option } from "commander";
import { action, examples } from "../commandKit";
import { encodeConsentMessage } from "../consentMessage";
import { CliUsageError } from "../errors";
import { amountJson, bttString, formatBtt, formatDuration, parseBtt, shortId, toJson } from "../format";
import type { CliIo } from "../output";
import { describeMissing, refreshChannel } from "../refreshChannel";

type ConsentOptions = { channel: string; amount?: bigint; validFor: number; force?: boolean };

/** How long a consent stays usable by default: enough for the payer to send it, short enough to go stale fast. */
const DEFAULT_VALID_FOR = 3600;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90", "90s", "30m", "1h", "1h30m", "2d": a positive number of seconds, at most a year. */
export function durationArg(value: string): number {
  const parts = value.trim().match(/^(?:\d+[smhd]?)+$/) ? [...value.trim().matchAll(/(\d+)([smhd]?)/g)] : [];
  const seconds = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit || "s"], 0);
  if (parts.length === 0 || !(seconds > 0) || seconds > 365 * 86400) {
    throw new InvalidArgumentError("Expected a duration from 1s to 365d, e.g. 600, 10m, 1h or 1h30m.");
  }
  return seconds;
}

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
      "Signs the escrow's TIP-712 CloseConsent(channelId, finalAmount, deadline) with the payee's wallet key (the " +
        "escrow checks it against the channel's payee, not its voucher signer) and prints it as one line of JSON for " +
        "the payer's `seedpay close --consent`. The payer (only the payer: the escrow refuses anyone else without " +
        "the payer's authorisation) can then close the channel immediately, without a dispute window, until the " +
        "deadline (--valid-for from now, chain time): the payee gets --amount in total (cumulative, like a " +
        "voucher; default: the best voucher held), credited to its balance in the escrow, and the rest of the " +
        "deposit goes back to the payer. An amount below what the payee already claimed, or above the deposit, is " +
        "refused; one below the best voucher held is refused unless --force. Sends nothing.",
    )
    .requiredOption("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .addOption(
      new Option("--amount <btt>", "what the payee gets in total (default: the best voucher held)").argParser(
        amountArg,
      ),
    )
    .addOption(
      new Option("--valid-for <duration>", "how long the payer may use it (600, 10m, 1h, 2d)")
        .argParser(durationArg)
        .default(DEFAULT_VALID_FOR, "1h"),
    )
    .option("--force", "consent to less than the best voucher held (gives up the difference)")
    .addHelpText(
      "after",
      examples([
        ["seedpay consent --channel 0x1a2b3c4d > consent.json", "consent to close at the best voucher held"],
        [
          "seedpay consent --channel 0x1a2b3c4d | SEEDPAY_PRIVATE_KEY=$PAYER_KEY seedpay --db payer.db close --consent -",
          "hand it straight to the payer, who closes",
        ],
        ["seedpay consent --channel 0x1a2b3c4d --amount 2.5", "settle for 2.5 BTT in total"],
        ["seedpay consent --channel 0x1a2b3c4d --valid-for 10m", "usable for 10 minutes only"],
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
          const giveUp =
            `the best voucher held pays ${formatBtt(best)}; this consent gives it up for ${formatBtt(amount)} ` +
            `(claim it first with \`seedpay claim --channel ${short}\` to keep it)`;
          if (!o.force) {
            throw new CliUsageError(`channel ${channel.id}: ${giveUp}`, {
              metaMessages: [
                `Consent to the best voucher: seedpay consent --channel ${short} (or --amount ${bttString(best)}),`,
                "or add --force to give up the difference on purpose. Nothing was signed.",
              ],
            });
          }
          s.out.warn(giveUp);
        }
        // Chain time, not the local clock: the escrow compares the deadline with block.timestamp.
        const now = (await (await s.readChain(stored.key.payee)).latestBlock()).timestamp;
        const deadline = now + BigInt(o.validFor);
        const { signature } = signer.signCloseConsent({ channelId: channel.id, finalAmount: amount, deadline });
        const message = encodeConsentMessage(
          {
            chainId: await s.chainId(),
            escrow: await s.escrow(),
            channelId: channel.id,
            key: channel.key,
            finalAmount: amount,
            deadline,
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
              deadline: deadline.toString(),
              newForPayee: amountJson(amount - channel.claimed),
              refund: amountJson(refund),
            },
          };
        }
        s.out.raw(`${toJson(message)}\n`);
        s.out.note(
          `signed a close consent on channel ${short}: ${formatBtt(amount)} to the payee in total ` +
            `(+${formatBtt(amount - channel.claimed)} on closing), ${formatBtt(refund)} back to the payer, ` +
            `usable for ${formatDuration(o.validFor)} (until ${new Date(Number(deadline) * 1000).toISOString()}, chain time). ` +
            "The JSON on stdout is for the payer's `seedpay close --consent`; only the payer can use it.",
        );
      }),
    );
}
