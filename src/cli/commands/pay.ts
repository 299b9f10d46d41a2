import { Command, Option } from "commander";
import { Payer } from "../../channel/payer";
import { syncChannel } from "../../channel/syncChannel";
import { EXPLICIT_PAYMENTS } from "../channelJson";
import { action, bttArg, examples } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, bttString, formatBtt, toJson } from "../format";
import type { CliIo } from "../output";
import { encodeVoucherMessage } from "../voucherMessage";
import { requireOpened } from "../refreshChannel";

type PayOptions = { channel: string; amount?: bigint; total?: bigint };

export function payCommand(io: CliIo): Command {
  return new Command("pay")
    .summary("payer: sign a voucher (prints its JSON for the payee's `receive`)")
    .description(
      "Signs the next cumulative voucher on a channel with the signer key and prints it as one line of " +
        "JSON on stdout, carrying the channel's key so a payee who has never seen the channel can accept " +
        "it (`seedpay receive`). --amount pays that much more than the last voucher; --total sets the " +
        "cumulative amount. The amount is recorded before signing, so no amount is ever signed twice. " +
        "Needs only the signer key (SEEDPAY_SIGNER_KEY), not the wallet; the channel is checked on-chain first.",
    )
    .requiredOption("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .addOption(
      new Option("--amount <btt>", "pay this much more than the last voucher").argParser(bttArg).conflicts("total"),
    )
    .addOption(new Option("--total <btt>", "the voucher's cumulative amount").argParser(bttArg))
    .addHelpText(
      "after",
      examples([
        ["seedpay pay --channel 0x1a2b3c4d --amount 0.25 > voucher.json", "pay 0.25 BTT more"],
        [
          "seedpay pay --channel 0x1a2b3c4d --amount 0.25 | SEEDPAY_PRIVATE_KEY=$PAYEE_KEY seedpay receive --db payee.db",
          "hand it straight to the payee",
        ],
        ["seedpay pay --channel 0x1a2b3c4d --total 3", "a voucher for 3 BTT in total"],
      ]),
    )
    .action(
      action<PayOptions>(io, async (s, o) => {
        if (o.amount === undefined && o.total === undefined) {
          throw new CliUsageError(
            "say how much: --amount BTT (more than the last voucher) or --total BTT (cumulative)",
          );
        }
        const store = s.store();
        const stored = await s.findChannel(o.channel, "payer");
        const signer = await s.voucherSigner();
        if (signer.address.toLowerCase() !== stored.key.signer.toLowerCase()) {
          throw new CliUsageError(
            `channel ${stored.id} takes vouchers signed by ${s.address(stored.key.signer)}, but the signer key is ${s.address(signer.address)}`,
            { metaMessages: ["Set SEEDPAY_SIGNER_KEY (or --signer-key-file) to the key the channel was opened with."] },
          );
        }
        // Read-only: paying needs the signer key, not the wallet.
        const chain = await s.readChain(stored.key.payer);
        const channel = await syncChannel(store, chain, stored.id);
        requireOpened(channel, "pay");
        const payer = new Payer({ store, chain, signer, policy: EXPLICIT_PAYMENTS });
        const issued = store.getHighestIssuedVoucher(channel.id)?.cumulativeAmount ?? 0n;
        const increment = o.amount ?? o.total! - issued;
        if (increment <= 0n) {
          throw new CliUsageError(`a voucher for ${formatBtt(issued)} was already signed; --total must be above it`);
        }
        if (issued + increment > channel.deposit) {
          throw new CliUsageError(
            `channel ${channel.id} holds ${formatBtt(channel.deposit)} and ${formatBtt(issued)} is signed; ` +
              `cannot pay up to ${formatBtt(issued + increment)}`,
            {
              metaMessages: [
                `Top it up first: seedpay top-up --channel ${channel.id.slice(0, 10)} --amount ${bttString(issued + increment - channel.deposit)}`,
              ],
            },
          );
        }
        const voucher = payer.pay(channel.id, increment);
        const message = encodeVoucherMessage(
          {
            chainId: await s.chainId(),
            escrow: chain.escrow,
            channelId: channel.id,
            key: channel.key,
            cumulativeAmount: voucher.cumulativeAmount,
            signature: voucher.signature,
          },
          (a) => s.address(a),
        );
        const remaining = channel.deposit - voucher.cumulativeAmount;
        if (s.out.json) {
          return {
            text: [],
            json: {
              voucher: message,
              channelId: channel.id,
              increment: amountJson(increment),
              cumulative: amountJson(voucher.cumulativeAmount),
              remaining: amountJson(remaining),
            },
          };
        }
        s.out.raw(`${toJson(message)}\n`);
        s.out.note(
          `signed a voucher for ${formatBtt(voucher.cumulativeAmount)} in total on channel ${channel.id.slice(0, 10)} ` +
            `(+${formatBtt(increment)}; ${formatBtt(remaining)} of the deposit left): the voucher JSON on stdout is for the payee's \`seedpay receive\``,
        );
      }),
    );
}
