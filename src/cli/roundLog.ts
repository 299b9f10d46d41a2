/**
 * `seedpay seed --auction`'s log of its bidding rounds: one short line on stderr per round that had
 * a bid (winners and clearing price in BTT), and with --json one `{"event":"round"}` line on
 * stdout. Rounds nobody bid in are only counted: with 1 s rounds they would drown the log.
 */
import type { SellerMarket } from "../wire/sellerMarket";
import type { SellerSession } from "../wire/sellerSession";
import type { Wire } from "../wire/torrentTypes";
import { amountJson, formatBtt, shortId, toJson } from "./format";
import type { Output } from "./output";
import { peerAddress } from "./torrentClient";

/** Where a channel's connection comes from ("127.0.0.1:50312"), for the log. */
export function peerOf(sessions: { wire: Wire; seller: SellerSession }[], channelId: string): string | undefined {
  const found = sessions.find((x) => x.seller.channelId === channelId);
  return found && peerAddress(found.wire);
}

export class RoundLog {
  /** Index in the market's history of the next round to report. */
  private next = 0;
  private ran = 0;
  private withBids = 0;
  private sold = 0;
  /** Each winning channel's rounds won and the clearing prices it won at. */
  private readonly won = new Map<string, { rounds: number; prices: Set<bigint> }>();

  constructor(
    private readonly market: SellerMarket,
    private readonly out: Output,
    private readonly where: (channelId: string) => string | undefined,
  ) {}

  /** Reports the rounds run since the last call. */
  flush(): void {
    const history = this.market.history;
    // The market keeps a bounded history: if it dropped rounds, start from what is left.
    const first = history[0]?.round ?? 0;
    const start = Math.max(this.next - first, 0);
    for (const record of history.slice(start)) {
      this.next = record.round + 1;
      this.ran++;
      for (const id of record.winners) {
        const entry = this.won.get(id) ?? { rounds: 0, prices: new Set<bigint>() };
        entry.rounds++;
        entry.prices.add(record.clearingPricePerMiB);
        this.won.set(id, entry);
      }
      this.sold += record.winners.length;
      if (record.bids.length === 0 && record.winners.length === 0 && record.penalized.length === 0) continue;
      this.withBids++;
      const name = (id: string): string => `${shortId(id)} (${this.where(id) ?? "gone"})`;
      this.out.note(
        `round ${record.round}: ${record.bids.length} bid(s), ` +
          (record.winners.length > 0
            ? `won by ${record.winners.map(name).join(", ")} at ${formatBtt(record.clearingPricePerMiB)} per MiB`
            : "no winner") +
          (record.penalized.length > 0 ? `; penalized ${record.penalized.map(name).join(", ")}` : ""),
      );
      if (this.out.json) {
        this.out.raw(
          `${toJson({
            event: "round",
            round: record.round,
            bids: record.bids.map((b) => ({ channelId: b.channelId, price: amountJson(b.pricePerMiB) })),
            winners: record.winners,
            clearingPrice: amountJson(record.clearingPricePerMiB),
            optimistic: record.optimistic ?? null,
            penalized: record.penalized,
          })}\n`,
        );
      }
    }
  }

  /** The whole run, for the `stopped` JSON line. */
  totals(): Record<string, unknown> {
    return {
      rounds: this.ran,
      roundsWithBids: this.withBids,
      slotsSold: this.sold,
      winners: [...this.won].map(([channelId, w]) => ({
        channelId,
        roundsWon: w.rounds,
        clearingPrices: [...w.prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(amountJson),
      })),
    };
  }

  /** The whole run, for the text summary. */
  summary(): string {
    const winners = [...this.won].map(
      ([id, w]) =>
        `${shortId(id)} won ${w.rounds} at ${[...w.prices]
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .map((p) => formatBtt(p))
          .join(" / ")} per MiB`,
    );
    return (
      `auction: ${this.ran} round(s), ${this.withBids} with bids, ${this.sold} slot(s) sold` +
      (winners.length > 0 ? `: ${winners.join("; ")}` : "")
    );
  }
}
