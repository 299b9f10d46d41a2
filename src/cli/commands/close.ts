import { readFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { Payee } from "../../channel/payee";
import { action, examples } from "../commandKit";
import {
  decodeCloseAuthorizationMessage,
  isCloseAuthorizationMessage,
  recoverCloseAuthorizer,
  type CloseAuthorizationMessage,
} from "../closeAuthorizationMessage";
import { decodeConsentMessage, type ConsentMessage } from "../consentMessage";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt } from "../format";
import type { CliIo, CommandResult } from "../output";
import { describeMissing, refreshChannel } from "../refreshChannel";
import type { Session } from "../session";

type CloseOptions = { channel?: string; consent?: string; withdraw: boolean };

export function closeCommand(io: CliIo): Command {
  return new Command("close")
    .summary("close a channel at once: the payee with its best voucher, or the payer with the payee's consent")
    .description(
      [
        "Closes a channel immediately, without a dispute window, in one of two ways:",
        "  the payee, --channel ID: claims its best voucher if it pays anything new, the rest of the deposit goes",
        "    back to the payer; then what the escrow holds for the payee is withdrawn (unless --no-withdraw).",
        "  the payer, --consent FILE (- reads stdin): with the close consent the payee signed (`seedpay consent`).",
        "    The consent is checked first (this chain and escrow, a channel this store pays on, the payee's",
        "    signature over this amount) and refused before anything is sent; then the payee is credited the",
        "    consented amount in the escrow and the rest is refunded to the payer.",
        "  anyone (a relayer), --consent FILE: with the payee's consent and the payer's (or its signer's)",
        "    authorisation (`seedpay authorize-close`); both signatures are checked before anything is sent.",
        "Without the payee's consent, the payer closes with start-close and, after the dispute window, settle.",
      ].join("\n"),
    )
    .option("--channel <id>", "the channel: its id, or a unique prefix of it (0x1a2b3c4d)")
    .option(
      "--consent <file>",
      "payer: the payee's close consent (JSON from `seedpay consent`); relayer: the payer's `seedpay " +
        "authorize-close` output; - reads stdin",
    )
    .option("--no-withdraw", "payee: leave the payee's balance in the escrow")
    .addHelpText(
      "after",
      examples([
        ["seedpay close --channel 0x1a2b3c4d", "payee: close, claim the last voucher, withdraw"],
        ["seedpay close --consent consent.json", "payer: close with the payee's consent, refund the rest now"],
        [
          "SEEDPAY_PRIVATE_KEY=$PAYEE_KEY seedpay --db payee.db consent --channel 0x1a2b3c4d | seedpay close --consent -",
          "the same, piped from the payee",
        ],
        ["seedpay close --consent authorized.json", "relayer: close for the payer with its `authorize-close` JSON"],
      ]),
    )
    .action(
      action<CloseOptions>(io, async (s, o) => {
        if (o.consent !== undefined) return closeWithConsent(s, o.consent, o.channel);
        if (o.channel === undefined) {
          throw new CliUsageError("say which channel: --channel ID (as the payee), or --consent FILE (as the payer)", {
            metaMessages: [
              "The payer closes at once only with the payee's consent (`seedpay consent`, run by the payee).",
            ],
          });
        }
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

/**
 * The payer's immediate close. Everything the escrow would check is checked here first, so a consent
 * for another channel, escrow or chain, signed by another key or altered after signing, is refused
 * before a transaction (and its fee) is sent.
 */
async function closeWithConsent(s: Session, source: string, channelFlag: string | undefined): Promise<CommandResult> {
  const text = await readConsent(s, source);
  if (isCloseAuthorizationMessage(text)) return relayedClose(s, decodeCloseAuthorizationMessage(text), channelFlag);
  const message = decodeConsentMessage(text);
  await checkConsentTarget(s, message, channelFlag);
  const store = s.store();
  const stored = store.getChannel(message.channelId);
  if (!stored || stored.role !== "payer") {
    throw new CliUsageError(
      `the consent is for channel ${message.channelId}, which is not a channel ${s.dbPath} pays on`,
      {
        metaMessages: [
          "Close with the payer's store (--db) of that channel; `seedpay status` lists this store's channels.",
        ],
      },
    );
  }
  await checkPayeeSignature(s, message);
  const chain = await s.chain();
  const { channel, onChain } = await refreshChannel(store, chain, stored);
  if (onChain.status === "none") throw new CliUsageError(`channel ${channel.id}: ${describeMissing(channel)}`);
  if (onChain.status === "closed") throw new CliUsageError(`channel ${channel.id} is already closed`);
  const now = (await chain.latestBlock()).timestamp;
  if (now > message.deadline) {
    throw new CliUsageError(
      `the consent to close channel ${channel.id} expired ${new Date(Number(message.deadline) * 1000).toISOString()} ` +
        `(chain time is ${new Date(Number(now) * 1000).toISOString()})`,
      {
        metaMessages: [
          "Ask the payee for a new one (seedpay consent --valid-for 1h), or start a unilateral close: seedpay start-close.",
          "Nothing was sent.",
        ],
      },
    );
  }
  // What the escrow will do with the amount: never above the deposit, never below what was claimed.
  const final =
    message.finalAmount > channel.deposit
      ? channel.deposit
      : message.finalAmount < channel.claimed
        ? channel.claimed
        : message.finalAmount;
  if (final !== message.finalAmount) {
    s.out.note(
      `the consent says ${formatBtt(message.finalAmount)}; the escrow closes at ${formatBtt(final)} ` +
        `(the deposit is ${formatBtt(channel.deposit)}, ${formatBtt(channel.claimed)} already claimed)`,
    );
  }
  // Sent from the payer's own account: a consent needs no authorisation then.
  await chain.closeWithConsent({
    key: channel.key,
    finalAmount: message.finalAmount,
    deadline: message.deadline,
    payeeSignature: message.signature,
  });
  const { channel: closed } = await refreshChannel(store, chain, channel);
  const refunded = closed.deposit - closed.claimed;
  return {
    json: {
      channelId: closed.id,
      status: closed.status,
      claimed: amountJson(closed.claimed),
      claimedNow: amountJson(closed.claimed - channel.claimed),
      refunded: amountJson(refunded),
      transactions: s.txs.sent,
    },
    text: [
      `closed channel ${closed.id} with the payee's consent: ${formatBtt(refunded)} refunded to the payer ` +
        `${s.address(closed.key.payer)}, ${formatBtt(closed.claimed)} paid to the payee in total ` +
        `(+${formatBtt(closed.claimed - channel.claimed)} now, credited in the escrow: the payee withdraws it with ` +
        "`seedpay withdraw`)",
    ],
  };
}

/**
 * A relayer's close (anyone may send it): the payee's consent with the payer's or its signer's
 * CloseAuthorization, from `seedpay authorize-close`. Needs no store: the channel's key travels in
 * the message, and its state is read from the chain. Both signatures, the channel's state and the
 * deadline are checked before sending, as the escrow will check them.
 */
async function relayedClose(
  s: Session,
  message: CloseAuthorizationMessage,
  channelFlag: string | undefined,
): Promise<CommandResult> {
  const { consent } = message;
  await checkConsentTarget(s, consent, channelFlag, "relayer");
  await checkPayeeSignature(s, consent);
  const authorizer = recoverCloseAuthorizer(message);
  const { payer, signer } = consent.key;
  const role =
    authorizer?.toLowerCase() === payer.toLowerCase()
      ? "payer"
      : authorizer?.toLowerCase() === signer.toLowerCase()
        ? "signer"
        : undefined;
  if (role === undefined) {
    throw new CliUsageError(
      `the authorization to close channel ${consent.channelId} at ${formatBtt(consent.finalAmount)} is ` +
        `${authorizer ? `signed by ${s.address(authorizer)}` : "unusable"}, which is neither its payer ` +
        `${s.address(payer)} nor its voucher signer ${s.address(signer)}: the escrow would refuse it (CloseNotAuthorized)`,
      {
        metaMessages: [
          "Either it was altered after signing (amount, deadline, channel or escrow), or signed with another key.",
          "Ask the payer for a new one: seedpay authorize-close --consent <the payee's consent>. Nothing was sent.",
        ],
      },
    );
  }
  const chain = await s.chain();
  const before = await chain.getChannel(consent.channelId);
  if (before.status === "none") {
    throw new CliUsageError(
      `channel ${consent.channelId} does not exist on escrow ${s.address(consent.escrow)} (never opened here)`,
    );
  }
  if (before.status === "closed") throw new CliUsageError(`channel ${consent.channelId} is already closed`);
  const now = (await chain.latestBlock()).timestamp;
  if (now > consent.deadline) {
    throw new CliUsageError(
      `the consent to close channel ${consent.channelId} expired ${new Date(Number(consent.deadline) * 1000).toISOString()} ` +
        `(chain time is ${new Date(Number(now) * 1000).toISOString()})`,
      {
        metaMessages: [
          "The payee signs a new consent (seedpay consent --valid-for 1h) and the payer authorises it again",
          "(seedpay authorize-close). Nothing was sent.",
        ],
      },
    );
  }
  await chain.closeWithConsent({
    key: consent.key,
    finalAmount: consent.finalAmount,
    deadline: consent.deadline,
    payeeSignature: consent.signature,
    authorization: message.authorization,
  });
  const closed = await chain.getChannel(consent.channelId);
  const refunded = closed.deposit - closed.claimed;
  return {
    json: {
      channelId: consent.channelId,
      status: closed.status,
      authorizedBy: role,
      claimed: amountJson(closed.claimed),
      claimedNow: amountJson(closed.claimed - before.claimed),
      refunded: amountJson(refunded),
      transactions: s.txs.sent,
    },
    text: [
      `closed channel ${consent.channelId} for its payer (relayed; authorised by the ${role} ` +
        `${s.address(authorizer!)}): ${formatBtt(refunded)} refunded to the payer ${s.address(payer)}, ` +
        `${formatBtt(closed.claimed)} paid to the payee in total (+${formatBtt(closed.claimed - before.claimed)} now, ` +
        "credited in the escrow)",
    ],
  };
}

/** The consent is for this chain and escrow (and for --channel, when given). */
export async function checkConsentTarget(
  s: Session,
  message: ConsentMessage,
  channelFlag: string | undefined,
  who = "payer",
): Promise<void> {
  const chainId = await s.chainId();
  const escrow = await s.escrow();
  if (message.chainId !== chainId || message.escrow.toLowerCase() !== escrow.toLowerCase()) {
    throw new CliUsageError(
      `the consent is for escrow ${s.address(message.escrow)} on chain ${message.chainId}; ` +
        `this ${who} uses escrow ${s.address(escrow)} on chain ${chainId}`,
      { metaMessages: ["Point the node (--rpc, or --tron / --network on TRON) and --escrow at the consent's escrow."] },
    );
  }
  if (channelFlag !== undefined && !message.channelId.startsWith(channelFlag.toLowerCase())) {
    throw new CliUsageError(`the consent is for channel ${message.channelId}, not ${channelFlag}`, {
      metaMessages: ["Ask the payee for a consent on this channel: seedpay consent --channel " + channelFlag],
    });
  }
}

/** The consent is signed by the channel's payee over exactly this channel, amount and deadline. */
export async function checkPayeeSignature(s: Session, message: ConsentMessage): Promise<void> {
  const verdict = (await s.verifier()).verifyCloseConsent({
    channelId: message.channelId,
    finalAmount: message.finalAmount,
    deadline: message.deadline,
    signature: message.signature,
    expectedSigner: message.key.payee,
  });
  if (!verdict.valid) {
    const by = verdict.recovered ? `signed by ${s.address(verdict.recovered)}` : `unusable (${verdict.reason})`;
    throw new CliUsageError(
      `the consent to close channel ${message.channelId} at ${formatBtt(message.finalAmount)} is ${by}, ` +
        `not by its payee ${s.address(message.key.payee)}`,
      {
        metaMessages: [
          "Either it was altered after signing (amount, channel or escrow), or signed with another key than the",
          "payee's wallet key (the voucher signer key does not do). Ask the payee for a new one: seedpay consent.",
          "Nothing was sent.",
        ],
      },
    );
  }
}

/** The consent's JSON from a file, or stdin for "-". */
export async function readConsent(s: Session, source: string): Promise<string> {
  if (source !== "-") {
    try {
      return readFileSync(path.resolve(s.io.cwd, source), "utf8");
    } catch (error) {
      throw new CliUsageError(
        `--consent ${source}: cannot read it (${(error as { code?: string }).code ?? "unreadable"})`,
        { metaMessages: ["Pass the file the payee's `seedpay consent` output went to, or - to read stdin."] },
      );
    }
  }
  if (s.io.stdin.isTTY) {
    throw new CliUsageError("--consent -: no consent on stdin: pipe in the JSON the payee's `seedpay consent` printed");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of s.io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) throw new CliUsageError("--consent -: stdin is empty: pipe in the JSON `seedpay consent` printed");
  return text;
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
