/**
 * The seller's side of one peer connection: which mode the peer is in, what it may be served,
 * and what every incoming message does. No wire, no timers: the extension feeds it bytes and
 * requests, and it answers through `PeerControl`. The chain read that checks a channel runs off
 * the hot path: while it is under way the peer is served within the credit limit.
 */
import { decideServe, type CreditPolicy } from "../channel/creditPolicy";
import type { Payee } from "../channel/payee";
import type { VoucherStore } from "../store/types";
import { channelId as toChannelId } from "../voucher/typedData";
import { STRIKE_LIMIT } from "./constants";
import { WireMessageError } from "./errors";
import { decodeMessage, type Terms, type WireMessage } from "./messages";
import type { SlotCharge } from "./slotCharges";
import { piecePrice } from "./pricing";

/** What a session can do to its peer. */
export type PeerControl = {
  send(message: WireMessage): void;
  /** Stop serving: pending requests are dropped, new ones ignored. */
  choke(): void;
  /** Serving may resume. */
  unchoke(): void;
  /** Serve a request that was held for credit. */
  serve(request: HeldRequest): void;
  /** Refuse one request (a BEP 6 reject; a peer without BEP 6 is choked instead). */
  reject(request: HeldRequest): void;
  disconnect(reason: string): void;
};

export type HeldRequest = { index: number; offset: number; length: number };

/** What to do with a block request. */
export type RequestDecision = "serve" | "hold" | "refuse";

/**
 * Requests held for credit, at most: 1,024 blocks of 16 KiB (16 MiB; WebTorrent pipelines a few
 * hundred on loopback). Past it a request is rejected (BEP 6), or the peer choked without BEP 6.
 */
export const MAX_HELD_REQUESTS = 1024;

/**
 * Bids one connection may place per round (a buyer needs one; a few more let it change its mind).
 * Each bid replaces an entry in the seller's book, so more is refused as `too-many`.
 */
export const MAX_BIDS_PER_ROUND = 4;

export type SellerContext = {
  payee: Payee;
  store: VoucherStore;
  terms: Terms;
  /** Size of piece `index` in bytes (the last piece may be shorter). */
  pieceBytes(index: number): number;
  /** Channels served on some connection now: one channel is served on one connection at a time. */
  liveChannels: Set<string>;
  /**
   * Auction mode (the terms carry `auction`): a `bid` from the peer, to place in the seller's
   * book. Returns why it is refused, or undefined when it stands.
   */
  onBid?(session: SellerSession, bid: { pricePerMiB: bigint; rounds: number }): BidRefusal | undefined;
  /** Now in ms (tests move it); Date.now by default. */
  now?(): number;
  log?(line: string): void;
};

export type BidRefusal = { reason: string; detail: string };

/** This connection's place in the current round (auction mode). */
export type SlotState = { round: number; won: boolean; clearingPricePerMiB: bigint };

/**
 * unpaid: no channel (an ordinary peer: the choker gives it the optimistic slot only);
 * checking: channel announced, its on-chain check under way, served within the credit limit;
 * paying: channel accepted, served while its unpaid value stays within the credit limit.
 */
export type SellerMode = "unpaid" | "checking" | "paying";

export type SellerStats = { strikes: number; vouchers: number; refusedVouchers: number; reservedPieces: number };

export class SellerSession {
  mode: SellerMode = "unpaid";
  channelId?: string;
  /** Choked: the deposit cannot pay for the next piece. */
  creditChoked = false;
  /** Requests for new pieces waiting for a voucher (served in order once the credit allows). */
  readonly held: HeldRequest[] = [];
  /** The seller sells slots by auction: prices come from rounds, not from the terms. */
  readonly auction: boolean;
  /** The current round's outcome for this peer (auction mode; before any round: no slot). */
  slot: SlotState = { round: -1, won: false, clearingPricePerMiB: 0n };
  /** The peer has bid on this connection: it is told every round's outcome. */
  bidder = false;
  /** What each round charged this channel (auction mode), oldest first. */
  readonly charges: SlotCharge[] = [];
  private bidsThisRound = 0;
  /** Since when (ms) requests have waited for a voucher, if they do. */
  private heldSince?: number;
  /** Auction mode: pieces reserved at the price of their request, not yet priced by their first block sent. */
  private readonly provisional = new Map<number, bigint>();
  private owedSent = false;
  /** A `topup` re-read of the deposit: none, one under way, or one more wanted after it. */
  private topUp: "idle" | "reading" | "again" = "idle";
  private deposit = 0n;
  private paid = 0n;
  /** Priced value of pieces reserved on this channel, absolute (a resumed channel starts at what was paid). */
  private reserved = 0n;
  private readonly pieces = new Set<number>();
  private strikes = 0;
  private vouchers = 0;
  /** Vouchers checked and waiting for their group commit. */
  private writingVouchers = 0;
  private refusedVouchers = 0;
  private closed = false;
  private readonly policy: CreditPolicy;

  constructor(
    private readonly context: SellerContext,
    private readonly peer: PeerControl,
  ) {
    this.policy = { price: {}, maxUnpaidCredit: context.terms.creditLimit, maxPrepayment: 0n };
    this.auction = context.terms.auction !== undefined;
  }

  get stats(): SellerStats {
    return {
      strikes: this.strikes,
      vouchers: this.vouchers,
      refusedVouchers: this.refusedVouchers,
      reservedPieces: this.pieces.size,
    };
  }

  /**
   * Whether the peer holds a paid slot: fixed price, any peer with a channel (paying or being
   * checked); auction, a channel that won the current round. Others can only get the optimistic slot.
   */
  holdsPaidSlot(): boolean {
    return this.auction ? this.mode === "paying" && this.slot.won : this.mode !== "unpaid";
  }

  /** A peer in a paid slot may be unchoked now unless its deposit is spent; others are the choker's call. */
  mayUnchoke(): boolean {
    return this.holdsPaidSlot() && !this.creditChoked;
  }

  /** The price per MiB of a piece whose first block is sent now. */
  get pricePerMiB(): bigint {
    if (!this.auction) return this.context.terms.pricePerMiB;
    return this.slot.won ? this.slot.clearingPricePerMiB : 0n;
  }

  /**
   * Auction mode, once per round: tells a bidder the outcome (the `round` message goes out
   * before any block of the round, so both sides price every piece by the same message), then
   * applies it. A peer that lost its slot loses its held requests (the choke that follows
   * drops them on the wire too; it asks again when unchoked).
   */
  startRound(slot: SlotState, slotMs: number): void {
    if (this.closed) return;
    if (this.bidder) {
      this.peer.send({
        type: "round",
        round: slot.round,
        won: slot.won,
        clearingPricePerMiB: slot.clearingPricePerMiB,
        slotMs,
      });
    }
    this.slot = slot;
    this.bidsThisRound = 0;
    if (!slot.won && this.held.length > 0) {
      for (const request of this.held.splice(0)) this.peer.reject(request);
      this.heldSince = undefined;
      this.owedSent = false;
    }
  }

  /**
   * Auction mode: a block is going onto the wire. A piece costs the price in force when its first
   * block is sent (after the last `round` message the peer will have read before it): the one
   * moment both sides see in the same order. Its reservation at request time is corrected to it.
   */
  onBlockSent(index: number): void {
    const provisional = this.provisional.get(index);
    if (provisional === undefined) return;
    this.provisional.delete(index);
    const bytes = this.context.pieceBytes(index);
    const price = piecePrice(this.pricePerMiB, bytes);
    this.reserved += price - provisional;
    const last = this.charges.at(-1);
    if (last && last.round === this.slot.round && last.pricePerMiB === this.pricePerMiB) {
      last.pieces++;
      last.bytes += bytes;
      last.amount += price;
    } else {
      this.charges.push({ round: this.slot.round, pricePerMiB: this.pricePerMiB, pieces: 1, bytes, amount: price });
      // One entry per round at most: a day of 10 s rounds is 8,640; keep the last 10,000.
      if (this.charges.length > 10_000) this.charges.shift();
    }
  }

  /**
   * A winner that has had requests waiting for a voucher for `ms` or more, or whose deposit ran
   * out: it is not paying within its credit.
   */
  overdue(now: number, ms: number): boolean {
    return this.creditChoked || (this.heldSince !== undefined && now - this.heldSince >= ms);
  }

  /** The best voucher held on this connection's channel. */
  get paidAmount(): bigint {
    return this.paid;
  }

  /**
   * A block request arrived while the peer is unchoked. The whole piece's price is reserved on the
   * first accepted request for it, so the credit limit bounds what a peer can take however it
   * pipelines, and blocks of a reserved piece are always served (a buyer must be able to finish a
   * piece to verify it and pay). A request for a new piece beyond the credit is held, not
   * refused: it is served when a voucher makes room (and the buyer's client never sees a choke
   * in the steady state), or choked away if the peer piles up more than MAX_HELD_REQUESTS.
   */
  onRequest(request: HeldRequest): RequestDecision {
    if (this.closed) return "refuse";
    if (this.mode === "unpaid" || this.pieces.has(request.index)) return "serve";
    // New pieces are reserved in the order they were asked for: none jumps the held queue.
    if (this.held.length === 0 && this.reserve(request.index)) return "serve";
    if (this.deposit !== 0n && this.mode === "paying" && this.reserved + this.priceOf(request.index) > this.deposit) {
      this.creditChoke();
      return "refuse";
    }
    if (this.held.length >= MAX_HELD_REQUESTS) return "refuse";
    this.held.push(request);
    this.heldSince ??= (this.context.now ?? Date.now)();
    if (!this.owedSent && this.channelId) {
      this.owedSent = true;
      this.peer.send({ type: "owed", channelId: this.channelId, amount: this.reserved, paid: this.paid });
    }
    return "hold";
  }

  /** The peer cancelled a request: forget it if it was held. */
  onCancel(request: HeldRequest): void {
    const at = this.held.findIndex((h) => h.index === request.index && h.offset === request.offset);
    if (at >= 0) this.held.splice(at, 1);
    if (this.held.length === 0) this.heldSince = undefined;
  }

  private priceOf(index: number): bigint {
    return piecePrice(this.pricePerMiB, this.context.pieceBytes(index));
  }

  /** Reserves piece `index` if it is not yet and the credit (and deposit) allow; false if not. */
  private reserve(index: number): boolean {
    if (this.pieces.has(index)) return true;
    const price = this.priceOf(index);
    const decision = decideServe(
      { ...this.policy, price: { perPiece: price } },
      {
        served: this.reserved,
        paid: this.paid,
        nextPieceBytes: 0,
        // While checking, the deposit is unknown: the credit limit alone bounds the exposure.
        deposit: this.mode === "checking" ? this.paid + this.context.terms.creditLimit : this.deposit,
      },
    );
    if (!decision.serve) return false;
    this.reserved += price;
    this.pieces.add(index);
    if (this.auction) this.provisional.set(index, price);
    return true;
  }

  /** One extension message from the peer. Never throws: bad input is refused, counted, and ends the connection at the limit. */
  onMessage(bytes: Uint8Array): void {
    if (this.closed) return;
    let message: WireMessage;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      if (!(error instanceof WireMessageError)) throw error;
      return this.strike(error.shortMessage);
    }
    switch (message.type) {
      case "channel":
        return this.onChannel(message.key);
      case "voucher":
        return this.onVoucher(message);
      case "bid":
        return this.onBid(message);
      case "topup":
        return this.onTopUp(message.channelId);
      default:
        return this.strike(`a buyer does not send ${message.type}`);
    }
  }

  /** The connection is gone. */
  close(): void {
    this.closed = true;
    if (this.channelId && this.mode !== "unpaid") this.context.liveChannels.delete(this.channelId);
  }

  private onChannel(key: Extract<WireMessage, { type: "channel" }>["key"]): void {
    if (this.mode !== "unpaid") {
      return this.strike(`channel announced again (this connection pays through ${this.channelId})`);
    }
    const id = toChannelId(key);
    if (this.context.liveChannels.has(id)) {
      this.peer.send({
        type: "refused",
        of: "channel",
        reason: "channel-in-use",
        detail: `channel ${id} pays on another connection`,
      });
      return this.strike(`channel ${id} already in use`);
    }
    this.context.liveChannels.add(id);
    this.mode = "checking";
    this.channelId = id;
    this.peer.unchoke();
    this.context.payee.acceptChannel(key).then(
      (channel) => {
        if (this.closed) return;
        this.mode = "paying";
        this.deposit = channel.deposit;
        // A returning payer: what it paid before is the baseline; unpaid value from an earlier
        // connection (at most the credit limit) is written off.
        this.paid = this.context.store.getBestReceivedVoucher(id)?.cumulativeAmount ?? 0n;
        this.reserved += this.paid;
        this.peer.send({ type: "accepted", channelId: id, deposit: channel.deposit, paid: this.paid });
        this.context.log?.(`accepted channel ${id.slice(0, 10)}: open on-chain with ${channel.deposit}`);
        this.reconsider();
      },
      (error: unknown) => {
        this.context.liveChannels.delete(id);
        if (this.closed) return;
        this.mode = "unpaid";
        this.channelId = undefined;
        this.creditChoked = false;
        this.held.length = 0;
        const detail = (error as { shortMessage?: string }).shortMessage ?? String((error as Error).message ?? error);
        this.peer.send({ type: "refused", of: "channel", reason: "channel-refused", detail });
        this.peer.choke();
        this.strike(`channel refused: ${detail}`);
      },
    );
  }

  private onVoucher(voucher: Extract<WireMessage, { type: "voucher" }>): void {
    const refuse = (reason: string, detail: string): void => {
      this.refusedVouchers++;
      this.peer.send({ type: "refused", of: "voucher", reason, detail });
      this.strike(`voucher refused (${reason}): ${detail}`);
    };
    if (this.mode !== "paying") return refuse("no-channel", "no accepted channel on this connection");
    if (voucher.channelId.toLowerCase() !== this.channelId) {
      return refuse(
        "wrong-channel",
        `voucher for ${voucher.channelId}, this connection pays through ${this.channelId}`,
      );
    }
    // More vouchers than pieces is a flood: each costs a signature check and a disk write.
    const counted = this.vouchers + this.writingVouchers;
    if (counted > this.pieces.size + 8) return refuse("too-many", `${counted} vouchers for ${this.pieces.size} pieces`);
    this.writingVouchers++;
    // Checked now; written in the store's group commit with the other vouchers of this moment.
    this.context.payee
      .receiveVoucherAsync({
        channelId: voucher.channelId,
        cumulativeAmount: voucher.amount,
        signature: voucher.signature,
      })
      .then(
        (result) => {
          this.writingVouchers--;
          if (this.closed) return;
          if (!result.accepted) return refuse(result.reason, result.detail);
          this.vouchers++;
          if (result.best > this.paid) this.paid = result.best;
          // Durable now (the commit resolved): only then acknowledged.
          this.peer.send({ type: "ack", channelId: this.channelId!, amount: result.best });
          this.reconsider();
        },
        (error: Error) => {
          // The store failed (disk full, lock held too long): nothing more can be acknowledged here.
          this.writingVouchers--;
          if (this.closed) return;
          this.context.log?.(`cannot store vouchers: ${error.message}`);
          this.close();
          this.peer.disconnect(`cannot store vouchers: ${error.message}`);
        },
      );
  }

  private onBid(bid: Extract<WireMessage, { type: "bid" }>): void {
    const refuse = ({ reason, detail }: BidRefusal): void => {
      this.peer.send({ type: "refused", of: "bid", reason, detail });
      this.strike(`bid refused (${reason}): ${detail}`);
    };
    if (!this.auction || !this.context.onBid) {
      return refuse({ reason: "no-auction", detail: "this seller sells at the fixed price of its terms" });
    }
    if (this.mode !== "paying")
      return refuse({ reason: "no-channel", detail: "no accepted channel on this connection" });
    if (bid.channelId.toLowerCase() !== this.channelId) {
      return refuse({
        reason: "wrong-channel",
        detail: `bid for ${bid.channelId}, this connection pays through ${this.channelId}`,
      });
    }
    if (this.bidsThisRound >= MAX_BIDS_PER_ROUND) {
      return refuse({ reason: "too-many", detail: `more than ${MAX_BIDS_PER_ROUND} bids in round ${this.slot.round}` });
    }
    this.bidsThisRound++;
    const refusal = this.context.onBid(this, { pricePerMiB: bid.pricePerMiB, rounds: bid.rounds });
    if (refusal) return refuse(refusal);
    this.bidder = true;
  }

  /**
   * The buyer says it topped up: re-read the deposit from the chain (never the buyer's word), tell
   * the buyer with `accepted`, and serve again what the new deposit covers. One read at a time; a
   * `topup` during a read is answered by one more read after it. A top-up the chain does not show
   * is a strike (each costs the seller a chain read).
   */
  private onTopUp(channelId: string): void {
    if (this.mode !== "paying") return this.strike("topup without an accepted channel on this connection");
    if (channelId.toLowerCase() !== this.channelId) {
      return this.strike(`topup for ${channelId}, this connection pays through ${this.channelId}`);
    }
    if (this.topUp !== "idle") {
      this.topUp = "again";
      return;
    }
    this.topUp = "reading";
    const id = this.channelId;
    const key = this.context.store.getChannel(id)!.key;
    this.context.payee.acceptChannel(key).then(
      (channel) => {
        const again = this.topUp === "again";
        this.topUp = "idle";
        if (this.closed) return;
        if (channel.deposit > this.deposit) {
          this.context.log?.(`channel ${id.slice(0, 10)} topped up: deposit ${this.deposit} -> ${channel.deposit}`);
          this.deposit = channel.deposit;
          this.peer.send({ type: "accepted", channelId: id, deposit: channel.deposit, paid: this.paid });
          this.reconsider();
        } else if (!again) {
          this.strike(`topup, but the deposit on-chain is still ${channel.deposit}`);
        }
        if (again) this.onTopUp(id);
      },
      (error: unknown) => {
        this.topUp = "idle";
        if (this.closed) return;
        const detail = (error as { shortMessage?: string }).shortMessage ?? String((error as Error).message ?? error);
        this.strike(`topup: the channel could not be re-read: ${detail}`);
      },
    );
  }

  /** The deposit cannot pay for more: stop serving until the buyer tops up (`topup`) or reconnects. */
  private creditChoke(): void {
    this.creditChoked = true;
    for (const request of this.held.splice(0)) this.peer.reject(request);
    this.peer.choke();
  }

  /** After a payment: serve held requests the credit now covers, and lift a credit choke. */
  private reconsider(): void {
    if (this.mode !== "paying") return;
    while (this.held.length > 0 && this.reserve(this.held[0].index)) this.peer.serve(this.held.shift()!);
    if (this.held.length === 0) {
      this.owedSent = false;
      this.heldSince = undefined;
    } else {
      // Paid, but not enough for the next piece yet: the buyer is paying, the clock restarts.
      this.heldSince = (this.context.now ?? Date.now)();
    }
    if (this.creditChoked && this.reserved + this.priceOf(0) <= this.deposit) {
      this.creditChoked = false;
      this.peer.unchoke();
    }
  }

  private strike(why: string): void {
    this.strikes++;
    this.context.log?.(`peer strike ${this.strikes}/${STRIKE_LIMIT}: ${why}`);
    if (this.strikes >= STRIKE_LIMIT) {
      this.closed = true;
      this.close();
      this.peer.disconnect(`${this.strikes} protocol violations, the last: ${why}`);
    }
  }
}
