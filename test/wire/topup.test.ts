import { expect } from "chai";
import type { AttachPaymentsParameters } from "../../src/wire/attachPayments";
import { EXTENSION_NAME } from "../../src/wire/constants";
import { encodeMessage } from "../../src/wire/messages";
import {
  BTT,
  connectPair,
  deployEscrow,
  fetchPiece,
  makePayee,
  makePayer,
  PIECES,
  unchoked,
  until,
  type Deployment,
  type Pair,
} from "./helpers";

/**
 * Topping up over the wire: a buyer whose deposit covers only part of the file tops up on-chain
 * and sends `topup`; the seller re-reads the deposit from the chain (never the message's word) and
 * keeps serving. Real bittorrent-protocol wires in-process, a real escrow on the in-process chain.
 */
describe("sp_pay top-up over the wire", () => {
  let d: Deployment;
  beforeEach(async () => {
    d = await deployEscrow();
  });

  function sides(deposit: bigint, topUpAmount?: bigint) {
    const payeeSide = makePayee(d);
    const payerSide = makePayer(d);
    const seller: AttachPaymentsParameters = {
      seller: { payee: payeeSide.payee, store: payeeSide.store, terms: d.terms },
    };
    const buyer: AttachPaymentsParameters = {
      buyer: {
        payer: payerSide.payer,
        store: payerSide.store,
        limits: { chainId: d.chainId, escrow: d.escrowAddress, maxPricePerMiB: 2n * BTT, disputeWindow: 3600 },
        channelFor: (terms) => payerSide.payer.openOrReuse(terms.payee, deposit),
        ...(topUpAmount !== undefined && { topUpAmount }),
      },
    };
    return { payeeSide, payerSide, seller, buyer };
  }
  const buyerOf = (pair: Pair) => pair.buyer.peers.get(pair.buyerWire)!.buyer!;
  const sellerOf = (pair: Pair) => pair.seller.peers.get(pair.sellerWire)!.seller!;

  /** Fetches and verifies every piece in order; a piece refused (credit choke) is asked again once unchoked. */
  async function fetchAll(pair: Pair): Promise<number> {
    let refusals = 0;
    for (let index = 0; index < PIECES; index++) {
      while (!(await fetchPiece(pair.buyerWire, index))) {
        if (++refusals > PIECES) throw new Error(`piece ${index} refused ${refusals} times`);
        await unchoked(pair.buyerWire);
      }
      pair.buyerTorrent.emit("verified", index);
    }
    return refusals;
  }

  it("a deposit for a quarter of the file: the buyer tops up, the seller re-reads the chain and serves it all", async () => {
    // 16 pieces at 0.25 BTT: 4 BTT; the deposit pays 1 BTT, each top-up adds 1 BTT.
    const s = sides(BTT, BTT);
    const pair = await connectPair(s.seller, s.buyer);
    await until(() => buyerOf(pair).mode === "paying", "channel accepted");
    await unchoked(pair.buyerWire);
    const refusals = await fetchAll(pair);
    const id = buyerOf(pair).channelId!;
    await until(() => buyerOf(pair).acked === 4n * BTT, "the whole file paid and acknowledged");

    const onChain = await d.payeeChain.getChannel(id);
    expect(onChain.deposit).to.be.at.least(4n * BTT);
    // The seller's record of the deposit is the chain's, and it holds vouchers past the first deposit.
    expect(s.payeeSide.store.getChannel(id)!.deposit).to.equal(onChain.deposit);
    expect(s.payeeSide.store.getBestReceivedVoucher(id)!.cumulativeAmount).to.equal(4n * BTT);
    expect(sellerOf(pair).stats).to.include({ strikes: 0, refusedVouchers: 0 });
    expect(buyerOf(pair).refusals).to.deep.equal([]);
    console.log(
      `      deposit ${onChain.deposit / BTT} BTT after top-ups; ${refusals} piece(s) refused while topping up`,
    );
  });

  it("without a top-up the seller stops at the deposit; a `topup` the chain does not show changes nothing but a strike", async () => {
    const s = sides(BTT);
    const pair = await connectPair(s.seller, s.buyer);
    await until(() => buyerOf(pair).mode === "paying", "channel accepted");
    await unchoked(pair.buyerWire);
    for (let index = 0; index < 4; index++) {
      expect(await fetchPiece(pair.buyerWire, index)).to.equal(true);
      pair.buyerTorrent.emit("verified", index);
    }
    await until(() => buyerOf(pair).acked === BTT, "the deposit paid");
    // The fifth piece is past the deposit: refused, and the buyer choked.
    expect(await fetchPiece(pair.buyerWire, 4)).to.equal(false);
    expect(sellerOf(pair).creditChoked).to.equal(true);

    // A buyer claiming a top-up it never made: the seller reads the chain, still 1 BTT.
    const id = buyerOf(pair).channelId!;
    pair.buyerWire.extended(EXTENSION_NAME, encodeMessage({ type: "topup", channelId: id }));
    await until(() => sellerOf(pair).stats.strikes === 1, "strike for a top-up the chain does not show");
    expect(sellerOf(pair).creditChoked).to.equal(true);
    expect(s.payeeSide.store.getChannel(id)!.deposit).to.equal(BTT);

    // A real top-up, announced: served again.
    await s.payerSide.payer.ensureFunds(id, BTT); // covers 1 BTT more than the vouchers signed: 2 BTT
    pair.buyerWire.extended(EXTENSION_NAME, encodeMessage({ type: "topup", channelId: id }));
    await unchoked(pair.buyerWire);
    expect(sellerOf(pair).creditChoked).to.equal(false);
    expect(await fetchPiece(pair.buyerWire, 4)).to.equal(true);
    expect(s.payeeSide.store.getChannel(id)!.deposit).to.equal(2n * BTT);
  });
});
