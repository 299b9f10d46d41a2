import { expect } from "chai";
import type { AttachPaymentsParameters } from "../../src/wire/attachPayments";
import { EXTENSION_NAME } from "../../src/wire/constants";
import {
  BTT,
  connectPair,
  deployEscrow,
  fetchPiece,
  makePayee,
  makePayer,
  PIECE,
  unchoked,
  until,
  type Deployment,
  type Pair,
} from "./helpers";

/**
 * The extension between two real bittorrent-protocol wires piped together in-process, with a real
 * escrow on the in-process chain: terms, channel check, metered serving, vouchers made durable.
 */
describe("sp_pay extension on bittorrent-protocol wires", () => {
  let d: Deployment;
  beforeEach(async () => {
    d = await deployEscrow();
  });

  function sides(deposit = 4n * BTT) {
    const payeeSide = makePayee(d);
    const payerSide = makePayer(d);
    const seller: AttachPaymentsParameters = {
      seller: { payee: payeeSide.payee, store: payeeSide.store, terms: d.terms },
    };
    const buyer: AttachPaymentsParameters = {
      buyer: {
        payer: payerSide.payer,
        store: payerSide.store,
        limits: {
          chainId: d.chainId,
          escrow: d.escrowAddress,
          maxPricePerMiB: 2n * BTT,
          disputeWindow: 3600,
        },
        channelFor: (terms) => payerSide.payer.openOrReuse(terms.payee, deposit),
      },
    };
    return { payeeSide, payerSide, seller, buyer };
  }

  const buyerOf = (pair: Pair) => pair.buyer.peers.get(pair.buyerWire)!.buyer!;
  const sellerOf = (pair: Pair) => pair.seller.peers.get(pair.sellerWire)!.seller!;

  it("a buyer reads the terms, its channel is checked on-chain, and each verified piece is paid and acknowledged once durable", async () => {
    const s = sides();
    const pair = await connectPair(s.seller, s.buyer);
    expect(pair.buyerWire.peerExtendedMapping[EXTENSION_NAME]).to.be.a("number");
    await until(() => buyerOf(pair).mode === "paying", "channel accepted");
    expect(buyerOf(pair).terms).to.deep.equal(d.terms);
    await until(
      () => !pair.buyerWire.amChoking || !(pair.buyerWire as unknown as { peerChoking: boolean }).peerChoking,
      "unchoked",
    );

    for (let index = 0; index < 4; index++) {
      expect(await fetchPiece(pair.buyerWire, index)).to.equal(true);
      pair.buyerTorrent.emit("verified", index);
      const amount = BigInt(index + 1) * (BTT / 4n);
      await until(() => buyerOf(pair).acked === amount, `ack of ${amount}`);
      // Acknowledged means durable on the seller's side.
      expect(s.payeeSide.store.getBestReceivedVoucher(buyerOf(pair).channelId!)?.cumulativeAmount).to.equal(amount);
    }
    expect(buyerOf(pair).vouchers).to.equal(4);
    expect(sellerOf(pair).stats).to.include({ strikes: 0, vouchers: 4, refusedVouchers: 0 });
  });

  it("a buyer that stops paying is held at the credit limit and served again once it pays", async () => {
    const s = sides();
    const pair = await connectPair(s.seller, s.buyer);
    await until(() => buyerOf(pair).mode === "paying", "channel accepted");
    await unchoked(pair.buyerWire);
    // Pieces arrive but are never reported verified: the buyer does not pay.
    expect(await fetchPiece(pair.buyerWire, 0)).to.equal(true);
    expect(await fetchPiece(pair.buyerWire, 1)).to.equal(true);
    const third = fetchPiece(pair.buyerWire, 2);
    await until(() => buyerOf(pair).owed !== undefined, "owed notice");
    expect(buyerOf(pair).owed).to.deep.equal({ amount: BTT / 2n, paid: 0n });
    // The seller's entitlement: never more than the credit limit served unpaid. Piece 2 waits.
    expect(new Set(pair.served.map((b) => b.index))).to.deep.equal(new Set([0, 1]));
    expect(sellerOf(pair).held).to.have.length(16);

    pair.buyerTorrent.emit("verified", 0);
    expect(await third).to.equal(true);
    expect(sellerOf(pair).held).to.have.length(0);
    void fetchPiece(pair.buyerWire, 3);
    await until(() => sellerOf(pair).held.length === 16, "piece 3 held");
    expect(new Set(pair.served.map((b) => b.index))).to.deep.equal(new Set([0, 1, 2]));
  });

  it("a peer without the extension is an ordinary peer: nothing metered, nothing charged", async () => {
    const s = sides();
    const pair = await connectPair(s.seller, {});
    expect(pair.buyerWire.peerExtendedMapping[EXTENSION_NAME]).to.be.a("number");
    expect(sellerOf(pair).mode).to.equal("unpaid");
    // The optimistic slot: the choker lets this one unpaid peer in.
    pair.sellerWire.unchoke();
    await unchoked(pair.buyerWire);
    for (let index = 0; index < 5; index++) expect(await fetchPiece(pair.buyerWire, index)).to.equal(true);
    expect(sellerOf(pair).stats.reservedPieces).to.equal(0);
    expect(s.payeeSide.store.listChannels({})).to.deep.equal([]);
  });
});
