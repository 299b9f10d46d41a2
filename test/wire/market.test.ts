import { expect } from "chai";
import { BID_ROUNDS, Bidder } from "../../src/wire/bidder";
import { BuyerSession } from "../../src/wire/buyerSession";
import { encodeMessage, type Terms, type WireMessage } from "../../src/wire/messages";
import { SellerMarket } from "../../src/wire/sellerMarket";
import { SellerSession, type PeerControl } from "../../src/wire/sellerSession";
import type { Wire } from "../../src/wire/torrentTypes";
import { BTT, deployEscrow, makePayee, makePayer, PIECE, until, type Deployment } from "./helpers";

/**
 * The seller's and buyer's sides of bidding rounds, driven message by message (no wire): bids,
 * the round outcome on the wire, the price of each piece, penalties, and the buyer's limits.
 */
describe("sp_pay bidding rounds (sessions)", () => {
  let d: Deployment;
  let auctionTerms: Terms;
  before(async () => {
    d = await deployEscrow();
    await d.token.mint(d.payerWallet.address, 1000n * BTT);
    auctionTerms = {
      ...d.terms,
      pricePerMiB: 0n,
      creditLimit: 4n * BTT,
      auction: { slots: 1, reservePerMiB: BTT, roundMs: 1000 },
    };
  });

  /** A seller market with `n` paying connections, each with its own channel. */
  async function market(n: number, options: { now?: () => number } = {}) {
    const { payee, store } = makePayee(d);
    const { payer } = makePayer(d);
    const wires: Wire[] = [];
    const optimistic: (Wire | undefined)[] = [];
    const m = new SellerMarket(
      { slots: 1, reservePerMiB: BTT, roundMs: 1000 },
      {
        setOptimistic: (w) => optimistic.push(w),
        update() {},
      },
      options.now,
    );
    const liveChannels = new Set<string>();
    const peers = [];
    for (let i = 0; i < n; i++) {
      const channel = await payer.open(d.terms.payee, 20n * BTT);
      const sent: WireMessage[] = [];
      const rejected: number[] = [];
      const control: PeerControl = {
        send: (msg) => sent.push(msg),
        choke() {},
        unchoke() {},
        serve() {},
        reject: (r) => rejected.push(r.index),
        disconnect() {},
      };
      const seller = new SellerSession(
        {
          payee,
          store,
          terms: auctionTerms,
          pieceBytes: () => PIECE,
          liveChannels,
          onBid: (s, bid) => m.onBid(s, bid),
          ...(options.now && { now: options.now }),
        },
        control,
      );
      const wire = { peerInterested: true, destroyed: false } as Wire;
      wires.push(wire);
      m.add(wire, seller);
      seller.onMessage(encodeMessage({ type: "channel", key: channel.key }));
      await until(() => seller.mode === "paying", "channel accepted");
      const bid = (pricePerMiB: bigint, rounds = 1) =>
        seller.onMessage(encodeMessage({ type: "bid", channelId: channel.id, pricePerMiB, rounds }));
      const pay = (amount: bigint) => {
        const v = payer.payForReceived(channel.id, amount)!;
        seller.onMessage(
          encodeMessage({
            type: "voucher",
            channelId: v.channelId,
            amount: v.cumulativeAmount,
            signature: v.signature,
          }),
        );
      };
      peers.push({ seller, sent, rejected, channel, bid, pay });
    }
    return { m, peers, optimistic, store };
  }

  it("the highest bid wins the one slot at the second bid; every bidder is told, in a round message", async () => {
    const { m, peers } = await market(3);
    peers[0].bid(5n * BTT);
    peers[1].bid(3n * BTT);
    // peers[2] does not bid: it is not told the outcome
    const r = m.runRound();
    expect(r.winners).to.deep.equal([peers[0].channel.id]);
    expect(r.clearingPricePerMiB).to.equal(3n * BTT);
    expect(peers[0].sent.at(-1)).to.deep.equal({
      type: "round",
      round: r.round,
      won: true,
      clearingPricePerMiB: 3n * BTT,
      slotMs: 1000,
    });
    expect(peers[1].sent.at(-1)).to.include({ type: "round", won: false });
    expect(peers[2].sent.some((s) => s.type === "round")).to.equal(false);
    expect(peers[0].seller.mayUnchoke()).to.equal(true);
    expect(peers[1].seller.mayUnchoke()).to.equal(false);
    // A one-round bid lapses: next round nobody bids, the slot is unsold.
    expect(m.runRound().winners).to.deep.equal([]);
  });

  it("a piece costs the price in force when its first block is sent, not when it was requested", async () => {
    const { m, peers } = await market(2);
    const [a, b] = peers;
    a.bid(5n * BTT, 3);
    b.bid(2n * BTT, 3);
    m.runRound(); // a wins at 2 (b's bid)
    expect(a.seller.onRequest({ index: 0, offset: 0, length: 16384 })).to.equal("serve");
    expect(a.seller.onRequest({ index: 1, offset: 0, length: 16384 })).to.equal("serve");
    a.seller.onBlockSent(0); // piece 0 goes out in this round: 2 BTT/MiB
    b.bid(4n * BTT, 3); // replaces b's bid from the next round
    m.runRound(); // a wins at 4
    a.seller.onBlockSent(1); // piece 1's first block goes out after the round message: 4 BTT/MiB
    a.seller.onBlockSent(1); // later blocks of a priced piece change nothing
    expect(a.seller.charges.map((c) => [c.pricePerMiB, c.amount])).to.deep.equal([
      [2n * BTT, BTT / 2n],
      [4n * BTT, BTT],
    ]);
    // The buyer pays exactly that, and the seller accepts it: a voucher for 1.5 BTT.
    a.pay(BTT / 2n + BTT);
    // The seller records it through the store's group commit: held once it is on disk.
    await until(() => a.seller.paidAmount > 0n, "the voucher recorded");
    expect(a.seller.paidAmount).to.equal(BTT / 2n + BTT);
    // A loser is served only as the optimistic peer, for free.
    b.seller.onRequest({ index: 2, offset: 0, length: 16384 });
    b.seller.onBlockSent(2);
    expect(b.seller.charges.map((c) => c.amount)).to.deep.equal([0n]);
  });

  it("refuses bids it cannot place, saying why, and counts them as strikes", async () => {
    const { peers } = await market(1);
    const [a] = peers;
    a.bid(BTT, 31); // more rounds than maxBidRounds (30)
    a.seller.onMessage(encodeMessage({ type: "bid", channelId: `0x${"11".repeat(32)}`, pricePerMiB: BTT, rounds: 1 }));
    for (let i = 0; i < 4; i++) a.bid(BTT + BigInt(i)); // 3 more are fine (4 per round, the bad one counted)
    const refusals = a.sent.filter((s) => s.type === "refused");
    expect(refusals.map((r) => (r as { reason: string }).reason)).to.deep.equal([
      "bad-bid",
      "wrong-channel",
      "too-many",
    ]);
    expect(a.seller.stats.strikes).to.equal(3);
    // A fixed-price seller does not take bids at all.
    const { payee, store } = makePayee(d);
    const sent: WireMessage[] = [];
    const fixed = new SellerSession(
      { payee, store, terms: d.terms, pieceBytes: () => PIECE, liveChannels: new Set() },
      { send: (m) => sent.push(m), choke() {}, unchoke() {}, serve() {}, reject() {}, disconnect() {} },
    );
    fixed.onMessage(encodeMessage({ type: "bid", channelId: a.channel.id, pricePerMiB: BTT, rounds: 1 }));
    expect(sent).to.deep.equal([
      { type: "refused", of: "bid", reason: "no-auction", detail: "this seller sells at the fixed price of its terms" },
    ]);
  });

  it("a winner that does not pay within its credit is penalized: its bids are ignored, the next bid wins", async () => {
    let now = 0;
    const { m, peers } = await market(2, { now: () => now });
    const [a, b] = peers;
    a.bid(5n * BTT, 30);
    b.bid(2n * BTT, 30);
    expect(m.runRound().winners).to.deep.equal([a.channel.id]); // a at 2 BTT/MiB: 0.5 BTT a piece
    // a takes its 4 BTT of credit (8 pieces) and never pays: the 9th piece waits for a voucher.
    for (let i = 0; i < 9; i++) {
      a.seller.onRequest({ index: i, offset: 0, length: 16384 });
      a.seller.onBlockSent(i);
    }
    expect(a.seller.held).to.have.length(1);
    now += 9_999;
    expect(m.runRound().penalized).to.deep.equal([]); // within the grace (10 s here): a slow link, not yet a default
    now += 1;
    const r = m.runRound();
    expect(r.penalized).to.deep.equal([a.channel.id]);
    expect(r.winners).to.deep.equal([b.channel.id]);
    expect(r.clearingPricePerMiB).to.equal(BTT); // the reserve: a's bid does not count
    expect(a.rejected).to.deep.equal([8]); // its held request is dropped with the slot
    expect(a.sent.at(-1)).to.include({ type: "round", won: false });
  });

  it("a buyer without bidding settings, or whose value is below the reserve, treats an auction seller as an ordinary peer", async () => {
    const { payer, store } = makePayer(d);
    const limits = { chainId: d.chainId, escrow: d.escrowAddress, maxPricePerMiB: 10n * BTT, disputeWindow: 3600 };
    const { encodeTerms } = await import("../../src/wire/messages");
    const buyer = (bidder?: Bidder) =>
      new BuyerSession(
        {
          payer,
          store,
          limits,
          pieceBytes: () => PIECE,
          channelFor: () => Promise.reject(new Error("no channel should be opened")),
          ...(bidder && { bidder }),
        },
        { send: () => undefined },
      );
    const plain = buyer();
    plain.onTerms(encodeTerms(auctionTerms));
    expect(plain.mode).to.equal("plain");
    expect(plain.declined).to.match(/auction.*no bidding settings/);
    const cheap = buyer(new Bidder({ maxPricePerMiB: BTT - 1n, budget: 10n * BTT }));
    cheap.onTerms(encodeTerms(auctionTerms));
    expect(cheap.declined).to.match(/reserve .* above this client's value/);
  });

  it("a buyer moves its demand to the seller where it wins, at once, and stays away from one that priced it out", async () => {
    const { payer, store } = makePayer(d);
    const { encodeTerms } = await import("../../src/wire/messages");
    const bidder = new Bidder({ maxPricePerMiB: 4n * BTT, budget: 100n * BTT, maxSeeders: 1 });
    const sellers = [];
    for (let i = 0; i < 2; i++) {
      const channel = await payer.open(d.terms.payee, 20n * BTT);
      const sent: WireMessage[] = [];
      const buyer = new BuyerSession(
        {
          payer,
          store,
          limits: { chainId: d.chainId, escrow: d.escrowAddress, maxPricePerMiB: 0n, disputeWindow: 3600 },
          pieceBytes: () => PIECE,
          channelFor: async () => channel,
          bidder,
        },
        { send: (m) => sent.push(m) },
      );
      buyer.onTerms(encodeTerms(auctionTerms));
      await until(() => buyer.mode === "announced", "channel announced");
      buyer.onMessage(encodeMessage({ type: "accepted", channelId: channel.id, deposit: 20n * BTT, paid: 0n }));
      const round = (n: number, won: boolean, price: bigint) =>
        buyer.onMessage(encodeMessage({ type: "round", round: n, won, clearingPricePerMiB: price, slotMs: 1000 }));
      sellers.push({ sent, round, bids: () => sent.filter((m) => m.type === "bid").length });
    }
    const [first, second] = sellers;
    // One seller at a time (maxSeeders 1): the first one gets the bid, the second waits.
    expect([first.bids(), second.bids()]).to.deep.equal([1, 0]);
    first.round(10, false, 9n * BTT); // priced out there: 9 > our 4
    // The demand moves at once: the second seller gets a bid without waiting for a round of its own,
    // and the first one's standing bid is withdrawn (a zero bid).
    expect([first.bids(), second.bids()]).to.deep.equal([2, 1]);
    expect(first.sent.at(-1)).to.include({ type: "bid", pricePerMiB: 0n });
    second.round(50, true, 2n * BTT);
    expect(second.bids()).to.equal(2); // keeps bidding where it wins
    for (let n = 11; n <= 13; n++) first.round(n, false, 9n * BTT);
    expect(first.bids()).to.equal(2); // stays away from the seller that priced it out for 3 rounds
  });

  it("a buyer pays the clearing price for pieces of won rounds, never above its bid, and stops at its budget", async () => {
    const sent: WireMessage[] = [];
    const { payer, store } = makePayer(d);
    const channel = await payer.open(d.terms.payee, 20n * BTT);
    const bidder = new Bidder({ maxPricePerMiB: 4n * BTT, budget: 5n * BTT });
    const buyer = new BuyerSession(
      {
        payer,
        store,
        limits: { chainId: d.chainId, escrow: d.escrowAddress, maxPricePerMiB: 0n, disputeWindow: 3600 },
        pieceBytes: () => PIECE,
        channelFor: async () => channel,
        bidder,
      },
      { send: (m) => sent.push(m) },
    );
    const { encodeTerms } = await import("../../src/wire/messages");
    buyer.onTerms(encodeTerms(auctionTerms));
    await until(() => buyer.mode === "announced", "channel announced");
    buyer.onMessage(encodeMessage({ type: "accepted", channelId: channel.id, deposit: 20n * BTT, paid: 0n }));
    // Accepted: it bids its value at once, for BID_ROUNDS rounds.
    expect(sent.at(-1)).to.deep.equal({
      type: "bid",
      channelId: channel.id,
      pricePerMiB: 4n * BTT,
      rounds: BID_ROUNDS,
    });
    const round = (n: number, won: boolean, price: bigint) =>
      buyer.onMessage(encodeMessage({ type: "round", round: n, won, clearingPricePerMiB: price, slotMs: 1000 }));
    const piece = (index: number) => {
      for (let offset = 0; offset < PIECE; offset += 16384) {
        buyer.onRequest(index, offset);
        buyer.onBlock(index, offset);
      }
      buyer.onVerified(index);
    };
    const issued = () => store.getHighestIssuedVoucher(channel.id)?.cumulativeAmount ?? 0n;
    round(0, true, 2n * BTT);
    piece(0); // 0.5 BTT
    round(1, true, 9n * BTT); // a seller claiming more than our 4 BTT bid is paid our bid
    piece(1); // 1 BTT
    await payer.settled(); // reservations go through the store's group commit
    expect(issued()).to.equal(BTT + BTT / 2n);
    expect(buyer.refusals.some((r) => /above our bid/.test(r))).to.equal(true);
    round(2, false, 4n * BTT);
    piece(2); // lost round: the optimistic slot is free
    await payer.settled(); // reservations go through the store's group commit
    expect(issued()).to.equal(BTT + BTT / 2n);
    round(3, true, 4n * BTT);
    for (const index of [3, 4, 5]) piece(index); // 1 BTT each: 4.5 of 5 spent
    piece(6); // 1 more would pass the budget: not paid
    await payer.settled(); // reservations go through the store's group commit
    expect(issued()).to.equal(4n * BTT + BTT / 2n);
    expect(bidder.spent).to.equal(4n * BTT + BTT / 2n);
    expect(buyer.refusals.some((r) => /budget spent/.test(r))).to.equal(true);
    // 0.5 BTT left, and this seller delivered 0.75 MiB in a won round (3 BTT at our bid): no more bids.
    const bids = sent.filter((m) => m.type === "bid").length;
    round(4, false, 4n * BTT);
    // Its standing bid is withdrawn with a zero bid (which never pays), then nothing more.
    expect(sent.at(-1)).to.deep.equal({ type: "bid", channelId: channel.id, pricePerMiB: 0n, rounds: 1 });
    round(5, false, 4n * BTT);
    round(6, false, 4n * BTT);
    expect(sent.filter((m) => m.type === "bid").length).to.equal(bids + 1);
  });
});
