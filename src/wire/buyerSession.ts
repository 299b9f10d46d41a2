/**
 * The buyer's side of one peer connection: reads the seller's terms, announces a channel, and
 * pays with `Payer` for each piece that this peer delivered and that passed its hash check: never
 * for data not yet verified. Like SellerSession it owns no wire and no timer.
 */
import type { Payer } from "../channel/payer";
import type { ChannelRecord, VoucherStore } from "../store/types";
import { WireMessageError } from "./errors";
import { decodeMessage, decodeTerms, type Terms, type WireMessage } from "./messages";
import { piecePrice, termsProblem, type BuyerLimits } from "./pricing";

export type BuyerContext = {
  payer: Payer;
  store: VoucherStore;
  limits: BuyerLimits;
  /** Size of piece `index` in bytes. */
  pieceBytes(index: number): number;
  /** An open channel to the seller (reused or newly opened); may take a chain round trip. */
  channelFor(terms: Terms): Promise<ChannelRecord>;
  log?(line: string): void;
};

/**
 * plain: the peer has no acceptable terms (an ordinary peer; nothing is paid);
 * opening: terms accepted, the channel being found or opened; announced: waiting for the seller's
 * check; paying: vouchers flow.
 */
export type BuyerMode = "plain" | "opening" | "announced" | "paying";

export class BuyerSession {
  mode: BuyerMode = "plain";
  terms?: Terms;
  channelId?: string;
  /** Why this peer is not paid, if it is not. */
  declined?: string;
  /** Best amount the seller acknowledged as durable. */
  acked = 0n;
  /** The seller's last `owed` notice. */
  owed?: { amount: bigint; paid: bigint };
  vouchers = 0;
  readonly refusals: string[] = [];
  /** Blocks requested from this peer after the channel was announced ("index:offset"). */
  private readonly requested = new Set<string>();
  /** Pieces this peer sent such blocks of, not yet verified. */
  private readonly delivered = new Set<number>();
  /** Value of verified pieces from this peer, before the channel was accepted. */
  private early = 0n;
  /** Cumulative value received on the channel: what Payer pays up to. */
  private received = 0n;
  private closed = false;

  constructor(
    private readonly context: BuyerContext,
    private readonly peer: { send(message: WireMessage): void },
  ) {}

  /** The seller's extended handshake value under the extension's name. */
  onTerms(raw: unknown): void {
    if (this.mode !== "plain" || this.declined !== undefined) return;
    let terms: Terms;
    try {
      terms = decodeTerms(raw);
    } catch (error) {
      if (!(error instanceof WireMessageError)) throw error;
      return this.decline(error.shortMessage);
    }
    const problem = termsProblem(terms, { ...this.context.limits, pieceBytes: this.context.pieceBytes(0) });
    if (problem) return this.decline(problem);
    this.terms = terms;
    this.mode = "opening";
    this.context.channelFor(terms).then(
      (channel) => {
        if (this.closed) return;
        this.channelId = channel.id;
        this.mode = "announced";
        this.peer.send({ type: "channel", key: channel.key });
      },
      (error: unknown) => this.decline(`no channel: ${(error as Error).message}`),
    );
  }

  onMessage(bytes: Uint8Array): void {
    if (this.closed) return;
    let message: WireMessage;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      if (!(error instanceof WireMessageError)) throw error;
      return this.note(error.shortMessage);
    }
    switch (message.type) {
      case "accepted": {
        if (this.mode !== "announced" || message.channelId !== this.channelId) return this.note("unexpected accepted");
        this.mode = "paying";
        const issued = this.context.store.getHighestIssuedVoucher(this.channelId)?.cumulativeAmount ?? 0n;
        this.received = issued + this.early;
        this.acked = message.paid;
        this.pay();
        return;
      }
      case "refused":
        this.refusals.push(`${message.of}: ${message.reason} ${message.detail}`);
        if (message.of === "channel" && this.mode === "announced") this.decline(`channel refused: ${message.detail}`);
        return;
      case "ack":
        if (message.channelId === this.channelId && message.amount > this.acked) this.acked = message.amount;
        return;
      case "owed":
        if (message.channelId === this.channelId) this.owed = { amount: message.amount, paid: message.paid };
        return;
      default:
        return this.note(`a seller does not send ${message.type}`);
    }
  }

  /**
   * A block request goes to this peer. Only blocks requested after the channel announcement are
   * paid for: the seller reserves a piece on the first request it accepts after the announcement,
   * and the wire keeps order, so both sides count the same pieces.
   */
  onRequest(index: number, offset: number): void {
    if (this.mode === "announced" || this.mode === "paying") this.requested.add(`${index}:${offset}`);
  }

  /** A block arrived from this peer. */
  onBlock(index: number, offset: number): void {
    if (this.requested.delete(`${index}:${offset}`)) this.delivered.add(index);
  }

  /** Piece `index` passed its hash check: pay for it if this peer delivered any of it. */
  onVerified(index: number): void {
    if (!this.delivered.delete(index) || !this.terms) return;
    const price = piecePrice(this.terms.pricePerMiB, this.context.pieceBytes(index));
    if (this.mode !== "paying") {
      this.early += price;
      return;
    }
    this.received += price;
    this.pay();
  }

  close(): void {
    this.closed = true;
  }

  private pay(): void {
    // Sent once its reservation is on disk; reservations made close together share one commit.
    this.context.payer.payForReceivedAsync(this.channelId!, this.received).then(
      (voucher) => {
        if (!voucher || this.closed) return;
        this.vouchers++;
        this.peer.send({
          type: "voucher",
          channelId: voucher.channelId,
          amount: voucher.cumulativeAmount,
          signature: voucher.signature,
        });
      },
      // The deposit is spent (or the channel no longer open): stop paying; the seller will choke.
      (error: Error) => this.note(`cannot pay: ${error.message}`),
    );
  }

  private decline(why: string): void {
    this.mode = "plain";
    this.declined = why;
    this.context.log?.(`not paying this peer: ${why}`);
  }

  private note(why: string): void {
    this.refusals.push(why);
  }
}
