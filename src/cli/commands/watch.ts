import { Command, InvalidArgumentError } from "commander";
import type { WatchtowerEvent } from "../../channel/watchtowerTypes";
import { action, examples, untilInterrupted } from "../commandKit";
import { amountJson, formatBtt, formatDuration, formatGas, shortId } from "../format";
import type { CliIo } from "../output";

type WatchOptions = { fromBlock?: bigint; interval: number; confirmations: number };

const blockArg = (value: string): bigint => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("Expected a block number: 0, 1, 2, ...");
  return BigInt(value);
};

const millisecondsArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 10 || Number(value) > 3_600_000) {
    throw new InvalidArgumentError("Expected milliseconds from 10 to 3600000, e.g. 1000.");
  }
  return Number(value);
};

const confirmationsArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) > 1000) throw new InvalidArgumentError("Expected 0 to 1000 blocks.");
  return Number(value);
};

/**
 * `seedpay watch`: the watchtower (src/channel/watchtower.ts) as a process. It protects every
 * payee whose vouchers the store holds: when a payer starts a unilateral close, it claims the
 * best voucher before the dispute window ends. Its wallet pays the fees; the escrow pays the payee.
 */
export function watchCommand(io: CliIo): Command {
  return new Command("watch")
    .summary("watchtower: answer every unilateral close with the best stored voucher, until Ctrl-C")
    .description(
      "Runs the watchtower over this store (--db): it follows the escrow's events from a cursor kept in the " +
        "store, and when a payer starts a unilateral close on a channel whose vouchers the store holds, it claims " +
        "the best voucher within the dispute window (several channels in one claimMany). At start it also checks " +
        "the channels the store knows to be closing, so a close started while it was down is still answered. A " +
        "failed claim is retried with backoff until it lands or the channel is settled. Any wallet may run it " +
        "(it pays the fees; the escrow pays the payee). Each action is printed on stderr; Ctrl-C or SIGTERM stops " +
        "it after any claim in flight, and prints a summary.",
    )
    .option(
      "--from-block <n>",
      "on a first start (no cursor in the store yet), read events from this block, e.g. the escrow's deployment block",
      blockArg,
    )
    .option("--interval <ms>", "milliseconds between polls for events", millisecondsArg, 1000)
    .option("--confirmations <n>", "blocks an event must be buried under before it is acted on", confirmationsArg, 0)
    .addHelpText(
      "after",
      examples([
        [
          "seedpay --db payee.db watch",
          "protect the payee's channels until Ctrl-C (fees from SEEDPAY_PRIVATE_KEY's wallet)",
        ],
        ["seedpay --network shasta --db payee.db watch --from-block 51234567", "on Shasta, first start"],
      ]),
    )
    .action(
      action<WatchOptions>(io, async (s, o) => {
        const { startWatchtower } = await import("../../channel/watchtower");
        const chain = await s.chain();
        const store = s.store();
        const claimed: { channelId: string; paid: bigint; tx: string }[] = [];
        const lost: { channelId: string; unclaimed: bigint; reason: string }[] = [];
        const say = (text: string): void => s.out.note(text);
        const onEvent = (e: WatchtowerEvent): void => {
          switch (e.type) {
            case "started":
              say(
                `watching escrow ${s.address(chain.escrow)} ${e.resumed ? `from the stored cursor (block ${e.fromBlock})` : e.fromBlock === undefined ? "from the current block" : `from block ${e.fromBlock}`}; ` +
                  `checking ${e.scanning} stored channel(s) (Ctrl-C stops)`,
              );
              break;
            case "closeSeen":
              say(
                `channel ${shortId(e.channelId)} is closing (${e.source === "event" ? "close started" : "found at start"}); ` +
                  `window ends ${new Date(Number(e.closesAt) * 1000).toISOString()} (in ${formatDuration(timeLeft(e.closesAt))})`,
              );
              break;
            case "claimed":
              for (const c of e.channels) claimed.push({ channelId: c.channelId, paid: c.paid, tx: e.tx.hash });
              say(
                `claimed ${e.channels.map((c) => `${shortId(c.channelId)} +${formatBtt(c.paid)}`).join(", ")} ` +
                  `in one transaction (${s.txs.unit} ${formatGas(e.tx.gasUsed)})`,
              );
              break;
            case "claimFailed":
              say(
                `claim of ${e.channelIds.map(shortId).join(", ")} failed (attempt ${e.attempt}, retrying in ` +
                  `${Math.ceil(e.retryInMs / 1000)} s): ${e.error.message.split("\n")[0]}`,
              );
              break;
            case "skipped":
              say(`nothing to claim on ${shortId(e.channelId)}: ${e.detail}`);
              break;
            case "gaveUp":
              lost.push({ channelId: e.channelId, unclaimed: e.unclaimed, reason: e.reason });
              say(`gave up on ${shortId(e.channelId)} (${formatBtt(e.unclaimed)} unclaimed): ${e.detail}`);
              break;
            case "error":
              say(`warning: ${e.error.message.split("\n")[0]}`);
              break;
          }
        };
        const tower = await startWatchtower({
          chain,
          store,
          onEvent,
          fromBlock: o.fromBlock,
          pollingInterval: o.interval,
          confirmations: o.confirmations,
        });
        await untilInterrupted();
        await tower.stop();
        const { cursor, pending } = tower.status();
        const total = claimed.reduce((sum, c) => sum + c.paid, 0n);
        return {
          json: {
            claimed: claimed.map((c) => ({ channelId: c.channelId, paid: amountJson(c.paid), tx: c.tx })),
            gaveUp: lost.map((l) => ({ channelId: l.channelId, unclaimed: amountJson(l.unclaimed), reason: l.reason })),
            pending: pending.map((p) => p.channelId),
            cursor: cursor?.toString() ?? null,
            transactions: s.txs.sent,
          },
          text: [
            `stopped: claimed ${formatBtt(total)} on ${claimed.length} channel(s)` +
              (pending.length ? `; ${pending.length} still to claim at the next start` : "") +
              (lost.length ? `; gave up on ${lost.length}` : ""),
          ],
        };
      }),
    );
}

function timeLeft(closesAt: bigint): bigint {
  const left = closesAt - BigInt(Math.floor(Date.now() / 1000));
  return left > 0n ? left : 0n;
}
