import { Command } from "commander";
import type { ChainAdapter } from "../../chain/types";
import { Payee } from "../../channel/payee";
import type { ChannelRecord, VoucherStore } from "../../store/types";
import { action, examples, secondsArg } from "../commandKit";
import { CliUsageError, VoucherRefusedError } from "../errors";
import { amountJson, formatBtt, formatDuration } from "../format";
import type { CliIo } from "../output";
import { describeMissing, refreshChannel } from "../refreshChannel";
import { decodeVoucherMessage } from "../voucherMessage";

type ReceiveOptions = { minWindow: number };

const HINTS: Record<string, string[]> = {
  "not-higher": ["Vouchers are cumulative: each must pay more in total than the best one already held."],
  "above-deposit": ["The payer must top up the channel (seedpay top-up) before paying beyond its deposit."],
  "bad-signature": ["The voucher was not signed by the channel's signer for this escrow and chain."],
  "channel-not-open": ["Vouchers are only accepted on open channels."],
};

export function receiveCommand(io: CliIo): Command {
  return new Command("receive")
    .summary("payee: check a voucher and record it durably (accepting its channel if new)")
    .description(
      "Reads a voucher printed by `seedpay pay` (from the argument, or stdin when it is omitted or '-'). " +
        "A channel seen for the first time is checked on-chain (it pays this wallet, is open, and has a " +
        "dispute window of at least --min-window) and accepted. The voucher is accepted only if its " +
        "signature is the channel signer's, it pays more than the best voucher so far and fits the deposit; " +
        "it is on disk when this command reports it accepted. Exits 1 when the voucher is refused.",
    )
    .argument("[voucher]", "the voucher JSON (default: read stdin)")
    .option("--min-window <seconds>", "refuse new channels with a shorter dispute window", secondsArg, 3600)
    .addHelpText(
      "after",
      examples([
        ['seedpay receive "$(cat voucher.json)"', "record a voucher"],
        ["seedpay receive < voucher.json", "the same, from stdin"],
        ["seedpay receive --json - < voucher.json", "machine-readable result"],
      ]),
    )
    .action(
      action<ReceiveOptions>(io, async (s, o, args) => {
        const text = args[0] === undefined || args[0] === "-" ? await readStdin(s.io) : args[0];
        const message = decodeVoucherMessage(text);
        const chain = await s.chain();
        const chainId = await s.chainId();
        if (message.chainId !== chainId || message.escrow.toLowerCase() !== chain.escrow.toLowerCase()) {
          throw new CliUsageError(
            `the voucher is for escrow ${s.address(message.escrow)} on chain ${message.chainId}; ` +
              `this payee uses escrow ${s.address(chain.escrow)} on chain ${chainId}`,
            {
              metaMessages: [
                "Point the node (--rpc, or --tron / --network on TRON) and --escrow at the voucher's escrow.",
              ],
            },
          );
        }
        const store = s.store();
        const payee = new Payee({
          store,
          chain,
          verifier: await s.verifier(),
          claimPolicy: { threshold: 0n },
          minDisputeWindow: o.minWindow,
        });
        const known = store.getChannel(message.channelId);
        if (known && known.role !== "payee") {
          throw new CliUsageError(`channel ${known.id} is one this store pays on, not one it is paid on`, {
            metaMessages: ["Receive with the payee's store (--db) and key."],
          });
        }
        const channel = known ? await refreshKnown(store, chain, known) : await payee.acceptChannel(message.key);
        if (!known) {
          s.out.note(
            `accepted new channel ${channel.id} from ${s.address(channel.key.payer)}: open on-chain with ${formatBtt(channel.deposit)}, ` +
              `dispute window ${formatDuration(channel.key.disputeWindow)}`,
          );
        }
        const best = store.getBestReceivedVoucher(channel.id);
        const voucher = {
          channelId: channel.id,
          cumulativeAmount: message.cumulativeAmount,
          signature: message.signature,
        };
        const duplicate = best?.cumulativeAmount === voucher.cumulativeAmount && best.signature === voucher.signature;
        const result = duplicate ? undefined : payee.receiveVoucher(voucher);
        if (result && !result.accepted) {
          throw new VoucherRefusedError(result.reason, explain(result.reason, result.detail), HINTS[result.reason]);
        }
        const increment = result?.accepted ? result.increment : 0n;
        const unclaimed = message.cumulativeAmount - channel.claimed;
        return {
          json: {
            accepted: true,
            duplicate,
            newChannel: !known,
            channelId: channel.id,
            payer: s.address(channel.key.payer),
            cumulative: amountJson(message.cumulativeAmount),
            increment: amountJson(increment),
            unclaimed: amountJson(unclaimed),
            deposit: amountJson(channel.deposit),
          },
          text: [
            duplicate
              ? `already held: voucher for ${formatBtt(message.cumulativeAmount)} on channel ${channel.id}`
              : `accepted voucher for ${formatBtt(message.cumulativeAmount)} on channel ${channel.id} (+${formatBtt(increment)})`,
            `  unclaimed ${formatBtt(unclaimed)} of a ${formatBtt(channel.deposit)} deposit; claim with: seedpay claim --channel ${channel.id.slice(0, 10)} (or --all)`,
          ],
        };
      }),
    );
}

/** A channel accepted before, refreshed from the chain (a top-up raises what a voucher may pay). */
async function refreshKnown(store: VoucherStore, chain: ChainAdapter, known: ChannelRecord): Promise<ChannelRecord> {
  const { channel, onChain } = await refreshChannel(store, chain, known);
  if (onChain.status === "none") throw new CliUsageError(`channel ${channel.id}: ${describeMissing(channel)}`);
  return channel;
}

/** The library's refusal detail, with amounts in BTT where the CLI knows them. */
function explain(reason: string, detail: string): string {
  const btt = (base: string): string => formatBtt(BigInt(base));
  const amounts = detail.match(/^voucher (\d+) (is not above|exceeds the deposit) (\d+)$/);
  if (amounts && reason === "not-higher")
    return `a voucher for ${btt(amounts[1])} is not above the ${btt(amounts[3])} one held`;
  if (amounts && reason === "above-deposit")
    return `a voucher for ${btt(amounts[1])} exceeds the ${btt(amounts[3])} deposit`;
  return detail;
}

async function readStdin(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) {
    throw new CliUsageError("no voucher: pass the JSON `seedpay pay` printed as an argument, or pipe it to stdin");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) throw new CliUsageError("no voucher on stdin: pipe in the JSON `seedpay pay` printed");
  return text;
}
