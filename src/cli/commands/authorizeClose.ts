import { Command, Option } from "commander";
import { encodeCloseAuthorizationMessage, isCloseAuthorizationMessage } from "../closeAuthorizationMessage";
import { action, examples } from "../commandKit";
import { decodeConsentMessage } from "../consentMessage";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, shortId, toJson } from "../format";
import type { CliIo } from "../output";
import { checkConsentTarget, checkPayeeSignature, readConsent } from "./close";

type AuthorizeCloseOptions = { consent: string; channel?: string; by: "payer" | "signer" };

export function authorizeCloseCommand(io: CliIo): Command {
  return new Command("authorize-close")
    .summary("payer: let a relayer close a channel with the payee's consent (prints the JSON it submits)")
    .description(
      "Signs the escrow's TIP-712 CloseAuthorization(channelId, finalAmount, deadline) over exactly the payee's " +
        "close consent (`seedpay consent`): the same channel, amount and deadline. The escrow accepts a consent " +
        "close from anyone but the payer only with this authorisation, signed by the payer's wallet key (default) " +
        "or, with --by signer, by the channel's voucher signer key. Prints the consent and the authorisation as one " +
        "line of JSON for the relayer's `seedpay close --consent`, which needs neither this store nor these keys. " +
        "The consent's signature, the channel's state and the deadline are checked first. Sends nothing.",
    )
    .requiredOption("--consent <file>", "the payee's close consent (JSON from `seedpay consent`; - reads stdin)")
    .option("--channel <id>", "refuse a consent for any other channel (its id, or a unique prefix)")
    .addOption(
      new Option("--by <key>", "who signs: the payer's wallet key, or the channel's voucher signer key")
        .choices(["payer", "signer"])
        .default("payer"),
    )
    .addHelpText(
      "after",
      examples([
        [
          "seedpay authorize-close --consent consent.json > authorized.json",
          "authorise a relayer, who runs: seedpay close --consent authorized.json",
        ],
        [
          "SEEDPAY_SIGNER_KEY=$HOT_KEY seedpay authorize-close --consent - --by signer < consent.json",
          "sign with the channel's hot voucher signer key instead of the payer's wallet key",
        ],
      ]),
    )
    .action(
      action<AuthorizeCloseOptions>(io, async (s, o) => {
        const text = await readConsent(s, o.consent);
        if (isCloseAuthorizationMessage(text)) {
          throw new CliUsageError("--consent: this is already an authorization (from `seedpay authorize-close`)", {
            metaMessages: ["Pass the payee's consent (`seedpay consent` output); hand this one to the relayer."],
          });
        }
        const consent = decodeConsentMessage(text);
        await checkConsentTarget(s, consent, o.channel);
        await checkPayeeSignature(s, consent);
        const { key, channelId } = consent;
        const expected = o.by === "payer" ? key.payer : key.signer;
        const signer = o.by === "payer" ? await s.walletSigner() : await s.voucherSigner();
        if (signer.address.toLowerCase() !== expected.toLowerCase()) {
          const which = o.by === "payer" ? "wallet key" : "voucher signer key";
          throw new CliUsageError(
            `channel ${channelId} is paid by ${s.address(key.payer)} (voucher signer ${s.address(key.signer)}), ` +
              `but the ${which} is ${s.address(signer.address)}: the escrow would refuse its authorization (CloseNotAuthorized)`,
            {
              metaMessages: [
                "Sign with the payer's wallet key (SEEDPAY_PRIVATE_KEY / --key-file), or add --by signer and the",
                "channel's voucher signer key (SEEDPAY_SIGNER_KEY / --signer-key-file). Nothing was signed.",
              ],
            },
          );
        }
        const chain = await s.readChain(key.payer);
        const onChain = await chain.getChannel(channelId);
        if (onChain.status === "none") {
          throw new CliUsageError(`channel ${channelId} does not exist on escrow ${s.address(consent.escrow)}`);
        }
        if (onChain.status === "closed") throw new CliUsageError(`channel ${channelId} is already closed`);
        const now = (await chain.latestBlock()).timestamp;
        if (now > consent.deadline) {
          throw new CliUsageError(
            `the consent to close channel ${channelId} expired ${new Date(Number(consent.deadline) * 1000).toISOString()} ` +
              `(chain time is ${new Date(Number(now) * 1000).toISOString()})`,
            { metaMessages: ["Ask the payee for a new one (seedpay consent --valid-for 1h). Nothing was signed."] },
          );
        }
        const { signature } = signer.signCloseAuthorization({
          channelId,
          finalAmount: consent.finalAmount,
          deadline: consent.deadline,
        });
        const message = encodeCloseAuthorizationMessage(
          { consent, authorization: signature, authorizer: signer.address },
          (a) => s.address(a),
        );
        if (s.out.json) {
          return {
            text: [],
            json: {
              authorization: message,
              channelId,
              finalAmount: amountJson(consent.finalAmount),
              deadline: consent.deadline.toString(),
              authorizedBy: o.by,
            },
          };
        }
        s.out.raw(`${toJson(message)}\n`);
        s.out.note(
          `authorised any relayer to close channel ${shortId(channelId)} with the payee's consent: ` +
            `${formatBtt(consent.finalAmount)} to the payee in total, the rest of the deposit back to the payer, ` +
            `until ${new Date(Number(consent.deadline) * 1000).toISOString()} (chain time). ` +
            "The JSON on stdout is for the relayer's `seedpay close --consent`.",
        );
      }),
    );
}
