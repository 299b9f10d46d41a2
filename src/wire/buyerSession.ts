/**
 * The buyer's side of one peer connection: reads the seller's terms, announces a channel, and
 * pays with `Payer` for each piece that this peer delivered and that passed its hash check: never
 * for data not yet verified. Like SellerSession it owns no wire and no timer.
 */
import type { Payer } from "../channel/payer";
import type { ChannelRecord, VoucherStore } from "../store/types";
import { BID_ROUNDS, type Bidder, type BidderView } from "./bidder";
import { MIB } from "./constants";
import { WireMessageError } from "./errors";
import { decodeMessage, decodeTerms, type Terms, type WireMessage } from "./messages";
import { auctionTermsProblem, piecePrice, termsProblem, type BuyerLimits } from "./pricing";

export type BuyerContext = {
  payer: Payer;
  store: VoucherStore;
  limits: BuyerLimits;
  /** Size of piece `index` in bytes. */
  pieceBytes(index: number): number;
  /** An open channel to the seller (reused or newly opened); may take a chain round trip. */
  channelFor(terms: Terms): Promise<ChannelRecord>;
  /** Bids at sellers that sell by auction; without it such sellers are ordinary peers. */
  bidder?: Bidder;
  /**
   * Keep the channel funded: when the deposit left after the last voucher is below the seller's
   * credit limit, add this much on-chain (Payer.ensureFunds) and tell the seller (`topup`).
   * Without it a spent deposit ends the paid service (the seller chokes).
   */
  topUpAmount?: bigint;
  log?(line: string): void;
};

/** One round's outcome as a seller told this buyer. */
export type RoundSeen = { round: number; won: boolean; clearingPricePerMiB: bigint; bidPerMiB?: bigint };

let sessions = 0;

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
  /** A name for this connection in the buyer's own plans and logs. */
  readonly id = `seller-${sessions++}`;
  /** Every round outcome this seller sent (auction mode), oldest first. */
  readonly rounds: RoundSeen[] = [];
  /** The price per MiB this connection pays for pieces whose first block arrives now (auction mode). */
  pricePerMiB = 0n;
  /** Auction mode: each piece's price, fixed by its first paid-for block. */
  private readonly piecePrices = new Map<number, bigint>();
  /** Round messages since our last bid (Infinity before any): a bid stands BID_ROUNDS rounds. */
  roundsSinceBid = Infinity;
  /** The last bid sent, if any. */
  get lastBid(): bigint | undefined {
    return this.bids.at(-1);
  }
  /** Bids sent, newest last (only the last BID_ROUNDS can still stand). */
  private readonly bids: bigint[] = [];
  private roundBytes = 0;
  private view: BidderView = { round: -1 };
  /** The round number of the first `round` after our latest bid: its outcome is the bid's. */
  private awaitingOutcome = false;
  /** Blocks requested from this peer after the channel was announced ("index:offset"). */
  private readonly requested = new Set<string>();
  /** Pieces this peer sent such blocks of, not yet verified. */
  private readonly delivered = new Set<number>();
  /** Value of verified pieces from this peer, before the channel was accepted. */
  private early = 0n;
  /** Cumulative value received on the channel: what Payer pays up to. */
  private received = 0n;
  private closed = false;
  private toppingUp = false;

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
    const limits = { ...this.context.limits, pieceBytes: this.context.pieceBytes(0) };
    const problem = terms.auction
      ? this.context.bidder
        ? auctionTermsProblem(terms, { ...limits, maxPricePerMiB: this.context.bidder.valuePerMiB })
        : "it sells slots by auction and this client has no bidding settings"
      : termsProblem(terms, limits);
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
        // The seller re-read the deposit after our `topup`: vouchers up to it will be accepted.
        if (this.mode === "paying" && message.channelId === this.channelId) return this.pay();
        if (this.mode !== "announced" || message.channelId !== this.channelId) return this.note("unexpected accepted");
        this.mode = "paying";
        const issued = this.context.store.getHighestIssuedVoucher(this.channelId)?.cumulativeAmount ?? 0n;
        this.received = issued + this.early;
        this.acked = message.paid;
        this.pay();
        if (this.terms?.auction) this.context.bidder?.add(this);
        return;
      }
      case "round":
        return this.onRound(message);
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
  onBlock(index: number, offset: number, length = 16384): void {
    if (!this.requested.delete(`${index}:${offset}`)) return;
    this.delivered.add(index);
    if (!this.terms?.auction) return;
    // The piece costs the price of the round in which its first block arrived (the seller fixes
    // it when it sends that block; the wire keeps the order of blocks and `round` messages).
    if (!this.piecePrices.has(index)) {
      this.piecePrices.set(index, piecePrice(this.pricePerMiB, this.context.pieceBytes(index)));
    }
    if (this.pricePerMiB > 0n) this.roundBytes += length;
  }

  /** Piece `index` passed its hash check: pay for it if this peer delivered any of it. */
  onVerified(index: number): void {
    if (!this.delivered.delete(index) || !this.terms) return;
    let price: bigint;
    if (this.terms.auction) {
      price = this.piecePrices.get(index) ?? 0n;
      this.piecePrices.delete(index);
      if (price > 0n && !this.context.bidder?.spend(price)) {
        return this.note(`budget spent: piece ${index} (${price}) not paid; the seller will penalize this channel`);
      }
    } else {
      price = piecePrice(this.terms.pricePerMiB, this.context.pieceBytes(index));
    }
    if (this.mode !== "paying") {
      this.early += price;
      return;
    }
    this.received += price;
    this.pay();
  }

  close(): void {
    this.closed = true;
    this.context.bidder?.remove(this);
  }

  /** What the bidder needs to know of this seller. */
  get bidderView(): BidderView {
    return this.view;
  }

  /** Sends a bid for the seller's next `rounds` rounds (auction mode, channel accepted). */
  sendBid(pricePerMiB: bigint, rounds: number): void {
    if (this.closed || this.mode !== "paying" || !this.channelId) return;
    this.bids.push(pricePerMiB);
    // A bid stands at most BID_ROUNDS rounds, and each round prompts at most one: older ones are gone.
    if (this.bids.length > BID_ROUNDS) this.bids.shift();
    // A withdrawal (0) has no outcome worth planning on: the last real bid's stays.
    if (pricePerMiB > 0n) this.awaitingOutcome = true;
    this.roundsSinceBid = 0;
    this.peer.send({ type: "bid", channelId: this.channelId, pricePerMiB, rounds });
  }

  /**
   * A seller's round outcome. A win is paid at the clearing price, but never above a bid that can
   * still stand: a seller claiming more is paid no more than our bid (and sees the shortfall).
   */
  private onRound(message: Extract<WireMessage, { type: "round" }>): void {
    if (!this.terms?.auction || this.mode !== "paying") return this.note("round from a seller without an auction");
    const previous = this.rounds.at(-1);
    if (previous?.won && this.roundBytes > 0) {
      const mib = this.roundBytes / Number(MIB);
      this.view = { ...this.view, bestMiBPerRound: Math.max(this.view.bestMiBPerRound ?? 0, mib) };
    }
    this.roundBytes = 0;
    this.roundsSinceBid++;
    const cap = this.bids.reduce((a, b) => (b > a ? b : a), 0n);
    const bidPerMiB = this.bids.at(-1);
    if (message.won && message.clearingPricePerMiB > cap) {
      this.note(`round ${message.round}: charged ${message.clearingPricePerMiB} per MiB, above our bid ${cap}`);
    }
    this.pricePerMiB = message.won ? (message.clearingPricePerMiB < cap ? message.clearingPricePerMiB : cap) : 0n;
    this.rounds.push({
      round: message.round,
      won: message.won,
      clearingPricePerMiB: message.clearingPricePerMiB,
      ...(bidPerMiB !== undefined && { bidPerMiB }),
    });
    if (this.rounds.length > 10_000) this.rounds.shift();
    const last = this.awaitingOutcome
      ? { round: message.round, won: message.won, clearingPrice: message.clearingPricePerMiB }
      : this.view.last;
    this.awaitingOutcome = false;
    this.view = { ...this.view, round: message.round, ...(last && { last }) };
    this.context.bidder?.onRound(this);
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
        this.topUpIfLow();
      },
      // The deposit is spent (or the channel no longer open): stop paying; the seller will choke.
      (error: Error) => this.note(`cannot pay: ${error.message}`),
    );
  }

  /** Tops the deposit up (one transaction at a time) once what is left is below the seller's credit limit. */
  private topUpIfLow(): void {
    const amount = this.context.topUpAmount;
    const id = this.channelId;
    if (!amount || this.toppingUp || !id || !this.terms) return;
    const left = this.context.payer.remaining(id);
    if (left >= this.terms.creditLimit) return;
    this.toppingUp = true;
    this.context.payer.ensureFunds(id, left + amount).then(
      (tx) => {
        this.toppingUp = false;
        if (this.closed || !tx) return;
        this.context.log?.(`topped up channel ${id.slice(0, 10)} by ${amount}: told the seller`);
        this.peer.send({ type: "topup", channelId: id });
        this.pay();
      },
      (error: unknown) => {
        // Not retried on this connection: every voucher would otherwise send another failing transaction.
        this.note(`top-up failed (not retried on this connection): ${(error as Error).message}`);
      },
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
