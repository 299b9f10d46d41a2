/**
 * How `seedpay get` pays a seller it meets: reuses an open channel of this wallet and signer to
 * that seller, or opens one, once the torrent's metadata says what a piece costs. Problems the
 * user must fix (a deposit that cannot pay for one piece, a wallet that cannot fund the deposit, a
 * transaction that failed) stop the download through `fail`; a seller whose terms do not fit is
 * only declined, and served (or not) as an ordinary peer.
 */
import type { Payer } from "../channel/payer";
import type { ChannelRecord } from "../store/types";
import type { Terms } from "../wire/messages";
import { piecePrice, termsProblem } from "../wire/pricing";
import type { Torrent } from "../wire/torrentTypes";
import { CliUsageError } from "./errors";
import { formatBtt, shortId } from "./format";
import type { BuyerMarketOptions } from "./marketOptions";
import type { Session } from "./session";

/** The parts of WebTorrent's torrent that the CLI reads beyond the library's view. */
export type CliTorrent = Torrent & {
  name: string;
  path: string;
  files: { path: string; length: number }[];
  bitfield?: { get(index: number): boolean };
  numPeers: number;
  ready: boolean;
  select(start: number, end: number, priority?: number): void;
};

/** A channel this run pays through, and what had been signed on it before the run. */
export type UsedChannel = { channel: ChannelRecord; terms: Terms; issuedBefore: bigint; opened: boolean };

export class SellerChannels {
  /** By channel id. */
  readonly used = new Map<string, UsedChannel>();
  private readonly pending = new Map<string, Promise<ChannelRecord>>();
  /** Transactions under way: their progress line is open on stderr, so nothing else may write there. */
  private sending = 0;

  constructor(
    private readonly s: Session,
    private readonly payer: Payer,
    private readonly options: BuyerMarketOptions,
    private readonly torrent: CliTorrent,
    private readonly signer: string,
    /** Stops the download with an error the user must act on. */
    private readonly fail: (error: Error) => void,
  ) {}

  /** For BuyerContext.channelFor: one channel per seller, even if it connects twice. */
  channelFor(terms: Terms): Promise<ChannelRecord> {
    const key = terms.payee.toLowerCase();
    let found = this.pending.get(key);
    if (!found) {
      found = this.find(terms);
      this.pending.set(key, found);
      found.catch(() => this.pending.delete(key));
    }
    return found;
  }

  /** Whether a transaction is being sent (and its "sending …" line is open on stderr). */
  get busy(): boolean {
    return this.sending > 0;
  }

  /** Resolves once no channel is being opened or topped up. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
  }

  /** BTT signed in this run, over every channel it paid through. */
  spent(): bigint {
    let total = 0n;
    for (const { channel, issuedBefore } of this.used.values()) {
      total += (this.s.store().getHighestIssuedVoucher(channel.id)?.cumulativeAmount ?? 0n) - issuedBefore;
    }
    return total;
  }

  private async find(terms: Terms): Promise<ChannelRecord> {
    // With a magnet link the terms can arrive before the metadata: the piece size decides the rest.
    // And WebTorrent is ready once it has checked the data already on disk: only what is missing is paid for.
    if (!this.torrent.ready) await new Promise((resolve) => this.torrent.once("ready", resolve));
    if (this.torrent.done) throw new Error("nothing left to download");
    const chainId = await this.s.chainId();
    const escrow = await this.s.escrow();
    const pieceBytes = this.torrent.pieceLength;
    // An auction seller's data is free outside a paid slot (pricePerMiB 0); what a won round costs
    // is bounded by the bidder's budget, so the budget is the default deposit there.
    const problem = termsProblem(terms, {
      chainId,
      escrow,
      maxPricePerMiB: this.options.maxPrice,
      disputeWindow: this.options.window,
      pieceBytes,
    });
    if (problem) throw new Error(problem);
    const onePiece = piecePrice(terms.pricePerMiB, pieceBytes);
    const cost = terms.auction ? (this.options.budget ?? 0n) : this.costLeft(terms.pricePerMiB);
    try {
      const reusable = (await this.s.channels("payer"))
        .filter(
          (c) =>
            c.status === "open" &&
            same(c.key.payee, terms.payee) &&
            same(c.key.signer, this.signer) &&
            c.key.disputeWindow >= terms.minDisputeWindow,
        )
        .map((c) => ({ channel: c, remaining: this.payer.remaining(c.id) }))
        .sort((a, b) => (a.remaining > b.remaining ? -1 : a.remaining < b.remaining ? 1 : 0))[0];
      let channel: ChannelRecord;
      let opened = false;
      if (reusable && reusable.remaining >= onePiece) {
        channel = reusable.channel;
        // Without --deposit the default is "enough for the torrent": top the reused channel up to it.
        if (this.options.deposit === undefined && reusable.remaining < cost) {
          await this.checkBalance(cost - reusable.remaining, `a top-up of channel ${shortId(channel.id)}`);
          await this.sendingTx(() => this.payer.ensureFunds(channel.id, cost));
          channel = this.s.store().getChannel(channel.id)!;
        }
      } else {
        // A free seller still gets a channel (it gives paying peers their own slot); the escrow
        // refuses an empty deposit, so the smallest one is 1 base unit.
        const deposit = this.options.deposit ?? (cost > onePiece ? cost : onePiece > 0n ? onePiece : 1n);
        if (deposit < onePiece) {
          throw new CliUsageError(
            `--deposit ${formatBtt(deposit)} cannot pay for one piece of this torrent: ` +
              `${pieceBytes / 1024} KiB at the seller's ${formatBtt(terms.pricePerMiB)} per MiB is ${formatBtt(onePiece)}`,
            {
              metaMessages: [
                `Pass --deposit ${formatBtt(cost).replace(" BTT", "")} (the whole torrent at this price) or at least one piece's worth,`,
                "or leave --deposit out: the default deposit is what the torrent costs at the seller's price.",
              ],
            },
          );
        }
        await this.checkBalance(deposit, `a deposit of ${formatBtt(deposit)}`);
        this.s.out.note(
          `opening a channel to seller ${this.s.address(terms.payee)} with ${formatBtt(deposit)}; ` +
            "pieces are requested once it is open",
        );
        channel = await this.sendingTx(() => this.payer.open(terms.payee, deposit));
        opened = true;
      }
      const issuedBefore = this.s.store().getHighestIssuedVoucher(channel.id)?.cumulativeAmount ?? 0n;
      this.used.set(channel.id, { channel, terms, issuedBefore, opened });
      return channel;
    } catch (error) {
      this.fail(error as Error);
      throw error;
    }
  }

  private async sendingTx<T>(send: () => Promise<T>): Promise<T> {
    this.sending++;
    try {
      return await send();
    } finally {
      this.sending--;
    }
  }

  /** What the pieces not yet verified cost at `pricePerMiB`. */
  private costLeft(pricePerMiB: bigint): bigint {
    let total = 0n;
    const count = this.torrent.pieces.length;
    for (let i = 0; i < count; i++) {
      if (this.torrent.bitfield?.get(i)) continue;
      total += piecePrice(pricePerMiB, i === count - 1 ? this.torrent.lastPieceLength : this.torrent.pieceLength);
    }
    return total;
  }

  private async checkBalance(needed: bigint, what: string): Promise<void> {
    const chain = await this.s.chain();
    const balance = await chain.tokenBalance(chain.account);
    if (balance < needed) {
      throw new CliUsageError(
        `the wallet ${this.s.address(chain.account)} holds ${formatBtt(balance)}; ${what} needs more`,
        {
          metaMessages: [
            "Fund the wallet with BTT, or pass a smaller --deposit (at least one piece's worth),",
            "or --max-price below this seller's price to download from it as an ordinary peer.",
          ],
        },
      );
    }
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
