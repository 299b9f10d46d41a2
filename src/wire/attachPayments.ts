/**
 * Puts seedpay's BEP 10 extension on every wire of a WebTorrent torrent: as a seller (terms in
 * the extended handshake, requests metered against the credit limit, choking through PaidChoker)
 * and/or as a buyer (pays for verified pieces). The sessions hold the protocol logic; this file
 * only connects them to bittorrent-protocol's wire and WebTorrent's torrent events.
 */
import { EXTENSION_NAME, MAX_MESSAGE_BYTES } from "./constants";
import { encodeMessage, encodeTerms, type WireMessage } from "./messages";
import { Bidder, type BiddingOptions } from "./bidder";
import { boundWriteAhead, type WriteAhead } from "./boundWriteAhead";
import { BuyerSession, type BuyerContext } from "./buyerSession";
import { PaidChoker } from "./paidChoker";
import { SellerMarket, type SellerMarketOptions } from "./sellerMarket";
import { SellerSession, type PeerControl, type SellerContext } from "./sellerSession";
import type { ExtensionConstructor, Torrent, Wire } from "./torrentTypes";

export type AttachPaymentsParameters = {
  seller?: Omit<SellerContext, "pieceBytes" | "liveChannels" | "onBid"> & {
    /**
     * Sell the upload slots by auction (bidding rounds) instead of at a fixed price: the terms
     * then advertise it, `terms.pricePerMiB` must be 0n (data outside a paid slot is free), and
     * a winner pays each round's clearing price. See docs/market.md.
     */
    market?: SellerMarketOptions;
  };
  buyer?: Omit<BuyerContext, "pieceBytes" | "bidder"> & {
    /**
     * Bid for paid slots at sellers that sell by auction: the user's value per MiB (bid as is)
     * and the most to spend on this torrent. Without it, such sellers are ordinary peers.
     */
    bidding?: BiddingOptions;
  };
};

export type PeerSessions = { wire: Wire; seller?: SellerSession; buyer?: BuyerSession; writeAhead?: WriteAhead };

export type AttachedPayments = {
  /** Sessions of the connections open now. */
  readonly peers: Map<Wire, PeerSessions>;
  readonly choker?: PaidChoker;
  /** The seller's bidding rounds (with `seller.market`). */
  readonly market?: SellerMarket;
  /** The buyer's bidding across sellers (with `buyer.bidding`). */
  readonly bidder?: Bidder;
};

/**
 * Call right after `client.add()` / `client.seed()` returns the torrent (before any wire). Piece
 * sizes are read from the torrent once its metadata is known, which precedes every request.
 */
export function attachPayments(torrent: Torrent, parameters: AttachPaymentsParameters): AttachedPayments {
  const peers = new Map<Wire, PeerSessions>();
  const liveChannels = new Set<string>();
  // Before a magnet link's metadata arrives WebTorrent knows no piece size (undefined, which made
  // piecePrice throw from the extended handshake and crash the process): 0 until then.
  const pieceBytes = (index: number): number =>
    torrent.pieces.length === 0
      ? 0
      : index === torrent.pieces.length - 1
        ? torrent.lastPieceLength
        : torrent.pieceLength;
  const marketOptions = parameters.seller?.market;
  if (marketOptions && parameters.seller!.terms.pricePerMiB !== 0n) {
    throw new RangeError(
      `seller.market sells slots at each round's clearing price, but terms.pricePerMiB is ` +
        `${parameters.seller!.terms.pricePerMiB}: set it to 0n (data outside a paid slot is free) or drop seller.market`,
    );
  }
  const choker = parameters.seller
    ? new PaidChoker(
        torrent,
        (wire) => {
          const seller = peers.get(wire)?.seller;
          return seller && { paying: () => seller.holdsPaidSlot(), mayUnchoke: () => seller.mayUnchoke() };
        },
        marketOptions ? "market" : "rotate",
      )
    : undefined;
  const market =
    marketOptions && choker
      ? new SellerMarket(marketOptions, choker, parameters.seller!.now, parameters.seller!.log)
      : undefined;
  const sellerTerms =
    parameters.seller && (market ? { ...parameters.seller.terms, auction: market.terms } : parameters.seller.terms);
  const bidder = parameters.buyer?.bidding ? new Bidder(parameters.buyer.bidding, parameters.buyer.log) : undefined;

  const Extension = function (this: { wire: Wire }, wire: Wire) {
    this.wire = wire;
  } as unknown as ExtensionConstructor;
  Extension.prototype.name = EXTENSION_NAME;
  Object.assign(Extension.prototype, {
    onExtendedHandshake(this: { wire: Wire }, handshake: Record<string, unknown>) {
      const terms = handshake[EXTENSION_NAME];
      if (terms !== undefined) peers.get(this.wire)?.buyer?.onTerms(terms);
    },
    onMessage(this: { wire: Wire }, payload: Uint8Array) {
      const sessions = peers.get(this.wire);
      if (!sessions) return;
      // A message for the buyer comes from a seller and vice versa; a peer can be both.
      if (sessions.buyer && (!sessions.seller || isSellerMessage(payload))) sessions.buyer.onMessage(payload);
      else sessions.seller?.onMessage(payload);
    },
  });

  torrent.on("wire", (wire: Wire) => {
    const send = (message: WireMessage): void => {
      // Only to a peer that announced the extension: wire.extended() throws otherwise.
      if (wire.destroyed || !wire.peerExtendedMapping[EXTENSION_NAME]) return;
      wire.extended(EXTENSION_NAME, encodeMessage(message));
    };
    const sessions: PeerSessions = { wire };
    if (parameters.seller && choker) {
      const control: PeerControl = {
        send,
        choke: () => wire.choke(),
        unchoke: () => choker.update(wire),
        serve: ({ index, offset, length }) =>
          torrent.store.get(index, { offset, length }, (err, block) => {
            if (!err && block && !wire.destroyed && !wire.amChoking) wire.piece(index, offset, block);
          }),
        reject: ({ index, offset, length }) => {
          if (wire.destroyed) return;
          if (wire.hasFast) wire.reject(index, offset, length);
          else wire.choke();
        },
        disconnect: () => wire.destroy(),
      };
      const { market: _options, ...context } = parameters.seller;
      const seller = new SellerSession(
        {
          ...context,
          terms: sellerTerms!,
          pieceBytes,
          liveChannels,
          ...(market && { onBid: (session, bid) => market.onBid(session, bid) }),
        },
        control,
      );
      sessions.seller = seller;
      wire.extendedHandshake[EXTENSION_NAME] = encodeTerms(sellerTerms!);
      choker.attach(wire);
      if (market) market.add(wire, seller);
      // Blocks wait in front of the wire so that `round`, `ack` and `owed` do not queue behind
      // seconds of data. The price of a piece is fixed by its first block handed to the wire (see
      // SellerSession.onBlockSent): the order the buyer reads it in, after the `round` sent before it.
      const writeAhead = boundWriteAhead(wire, market ? { onWrite: (index) => seller.onBlockSent(index) } : {});
      sessions.writeAhead = writeAhead;
      // Registered before WebTorrent's own request handler (it is added after the 'wire' event):
      // a request taken back from `peerRequests` here is one WebTorrent's answer no longer sends.
      wire.on("request", (index: number, offset: number, length: number) => {
        const decision = sessions.seller!.onRequest({ index, offset, length });
        if (decision === "serve") return;
        if (decision === "refuse") return control.reject({ index, offset, length });
        const at = wire.peerRequests.findIndex((r) => r.piece === index && r.offset === offset && r.length === length);
        if (at >= 0) wire.peerRequests.splice(at, 1);
      });
      wire.on("cancel", (index: number, offset: number, length: number) => {
        writeAhead.cancel(index, offset, length);
        sessions.seller!.onCancel({ index, offset, length });
      });
    }
    if (parameters.buyer) {
      const { bidding: _bidding, ...context } = parameters.buyer;
      sessions.buyer = new BuyerSession({ ...context, pieceBytes, bidder }, { send });
      wire.on("piece", (index: number, offset: number, block: Uint8Array) =>
        sessions.buyer!.onBlock(index, offset, block.length),
      );
      // bittorrent-protocol emits nothing for outgoing requests: note each one on its way out.
      const request = wire.request.bind(wire);
      wire.request = (index, offset, length, cb) => {
        sessions.buyer!.onRequest(index, offset);
        return request(index, offset, length, cb);
      };
    }
    peers.set(wire, sessions);
    wire.use(Extension);
    wire.once("close", () => {
      if (sessions.seller) market?.remove(sessions.seller);
      sessions.seller?.close();
      sessions.buyer?.close();
      peers.delete(wire);
    });
  });
  if (parameters.buyer) {
    torrent.on("verified", (index: number) => {
      for (const { buyer } of peers.values()) buyer?.onVerified(index);
    });
  }
  if (market) {
    market.start();
    torrent.once("close", () => market.stop());
  }
  return { peers, choker, market, bidder };
}

const SELLER_TYPES = ["accepted", "refused", "ack", "owed", "round"].map((t) => Buffer.from(`1:t${t.length}:${t}`));

/** Whether a payload names a seller → buyer type (a cheap look; the session decodes it strictly). */
function isSellerMessage(payload: Uint8Array): boolean {
  if (payload.length > MAX_MESSAGE_BYTES) return false;
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return SELLER_TYPES.some((t) => bytes.includes(t));
}
