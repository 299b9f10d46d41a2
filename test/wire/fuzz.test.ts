import { expect } from "chai";
import fc from "fast-check";
import { encodeBencode } from "../../src/wire/bencodeEncode";
import { STRIKE_LIMIT } from "../../src/wire/constants";
import { encodeMessage, type WireMessage } from "../../src/wire/messages";
import { SellerMarket } from "../../src/wire/sellerMarket";
import { MAX_HELD_REQUESTS, SellerSession } from "../../src/wire/sellerSession";
import type { Wire } from "../../src/wire/torrentTypes";
import { BTT, deployEscrow, makePayee, makePayer, type Deployment } from "./helpers";

/**
 * fast-check drives the seller's message handler with random bytes, mutated valid messages and
 * well-formed messages with hostile values: it never throws, acknowledges only vouchers that are
 * stored, counts every refusal, and disconnects exactly once, at the limit.
 */
describe("sp_pay seller message handler (fuzz)", () => {
  let d: Deployment;
  let valid: WireMessage[];
  before(async () => {
    d = await deployEscrow();
    const { payer } = makePayer(d);
    const channel = await payer.open(d.terms.payee, 2n * BTT);
    const v = payer.pay(channel.id, BTT / 4n);
    valid = [
      { type: "channel", key: channel.key },
      { type: "voucher", channelId: v.channelId, amount: v.cumulativeAmount, signature: v.signature },
      { type: "ack", channelId: channel.id, amount: 1n },
      { type: "owed", channelId: channel.id, amount: 1n, paid: 0n },
      { type: "refused", of: "voucher", reason: "x", detail: "y" },
      { type: "bid", channelId: channel.id, pricePerMiB: BTT, rounds: 2 },
      { type: "topup", channelId: channel.id },
      { type: "round", round: 3, won: true, clearingPricePerMiB: BTT, slotMs: 1000 },
    ];
  });

  const mutated = () =>
    fc
      .tuple(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat()),
      )
      .map(([pick, flips, cut]) => {
        const bytes = Buffer.from(encodeMessage(valid[pick % valid.length]));
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
      });
  const hostileValues = () =>
    fc
      .record({
        id: fc.uint8Array({ minLength: 0, maxLength: 40 }),
        amount: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 300n }).map(String), fc.string({ maxLength: 90 })),
        sig: fc.uint8Array({ minLength: 60, maxLength: 70 }),
        t: fc.constantFrom("voucher", "channel", "ack", "owed", "refused", "accepted", "bid", "topup", "round", "x"),
        price: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 300n }).map(String), fc.string({ maxLength: 90 })),
        rounds: fc.integer({ min: -1, max: 300 }),
        n: fc.integer({ min: -1, max: 2 ** 31 }),
        won: fc.integer({ min: -1, max: 2 }),
        v: fc.integer({ min: -1, max: 3 }),
      })
      .map((r) => {
        const { encodeBencode } =
          require("../../src/wire/bencodeEncode") as typeof import("../../src/wire/bencodeEncode");
        return encodeBencode({ ...r });
      });
  const payload = () => fc.oneof(fc.uint8Array({ maxLength: 20_000 }), mutated(), hostileValues());

  it("never throws, never acknowledges an unstored voucher, and disconnects once at the strike limit (fixed price and auction)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(payload(), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        async (steps, auction) => {
          const { payee, store } = makePayee(d);
          const sent: WireMessage[] = [];
          let disconnects = 0;
          // Auction mode: a market with one slot runs a round wherever a step says so.
          const market = auction
            ? new SellerMarket({ slots: 1, roundMs: 1000 }, { setOptimistic() {}, update() {} })
            : undefined;
          const terms = market ? { ...d.terms, pricePerMiB: 0n, auction: market.terms } : d.terms;
          const session = new SellerSession(
            {
              payee,
              store,
              terms,
              pieceBytes: () => 256 * 1024,
              liveChannels: new Set(),
              ...(market && {
                onBid: (s: SellerSession, bid: { pricePerMiB: bigint; rounds: number }) => market.onBid(s, bid),
              }),
            },
            {
              send: (m) => sent.push(m),
              choke() {},
              unchoke() {},
              serve() {},
              reject() {},
              disconnect: () => void disconnects++,
            },
          );
          market?.add({ peerInterested: true, destroyed: false } as Wire, session);
          for (const [p, runRound] of steps) {
            session.onMessage(p);
            if (runRound) market?.runRound();
            // Let a channel check finish between messages, as it would on a live connection.
            await new Promise((r) => setImmediate(r));
          }
          await new Promise((r) => setTimeout(r, 20));
          const { strikes } = session.stats;
          expect(disconnects).to.equal(strikes >= STRIKE_LIMIT ? 1 : 0);
          expect(strikes).to.be.at.most(STRIKE_LIMIT);
          for (const m of sent) {
            if (m.type !== "ack") continue;
            expect(store.getBestReceivedVoucher(m.channelId)?.cumulativeAmount).to.equal(m.amount);
          }
          // Round outcomes go to bidders only, and a win only to a paying connection.
          if (sent.some((m) => m.type === "round")) expect(session.bidder).to.equal(true);
          if (session.slot.won) expect(session.mode).to.equal("paying");
          session.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});

/**
 * The seller's entitlement under any interleaving of requests, cancels and payments: the value
 * of the pieces it has served (or released from the held queue) never exceeds the best voucher
 * it holds plus the credit limit, and the held queue never grows past MAX_HELD_REQUESTS.
 */
describe("sp_pay seller metering (property)", () => {
  it("never serves more than the credit limit beyond what is paid, however requests and payments interleave", async () => {
    const d = await deployEscrow();
    await d.token.mint(d.payerWallet.address, 1000n * BTT);
    const price = BTT / 4n; // 256 KiB at 1 BTT per MiB
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("request" as const), index: fc.nat({ max: 40 }), block: fc.nat({ max: 15 }) }),
            fc.record({ op: fc.constant("cancel" as const), index: fc.nat({ max: 40 }), block: fc.nat({ max: 15 }) }),
            fc.record({ op: fc.constant("pay" as const), pieces: fc.integer({ min: 1, max: 3 }) }),
          ),
          { maxLength: 300 },
        ),
        async (ops) => {
          const { payee, store } = makePayee(d);
          const { payer } = makePayer(d);
          const channel = await payer.open(d.terms.payee, 8n * BTT);
          const served = new Set<number>();
          const sent: WireMessage[] = [];
          const session = new SellerSession(
            { payee, store, terms: d.terms, pieceBytes: () => 256 * 1024, liveChannels: new Set() },
            {
              send: (m) => sent.push(m),
              choke() {},
              unchoke() {},
              serve: (r) => served.add(r.index),
              reject() {},
              disconnect() {},
            },
          );
          session.onMessage(encodeMessage({ type: "channel", key: channel.key }));
          for (let i = 0; i < 200 && session.mode !== "paying"; i++) await new Promise((r) => setTimeout(r, 5));
          expect(session.mode).to.equal("paying");
          let paid = 0n;
          for (const o of ops) {
            if (o.op === "request") {
              const r = { index: o.index, offset: o.block * 16384, length: 16384 };
              if (session.onRequest(r) === "serve") served.add(o.index);
            } else if (o.op === "cancel") {
              session.onCancel({ index: o.index, offset: o.block * 16384, length: 16384 });
            } else {
              if (payer.remaining(channel.id) < BigInt(o.pieces) * price) continue;
              const v = payer.pay(channel.id, BigInt(o.pieces) * price);
              session.onMessage(
                encodeMessage({
                  type: "voucher",
                  channelId: v.channelId,
                  amount: v.cumulativeAmount,
                  signature: v.signature,
                }),
              );
              paid = store.getBestReceivedVoucher(channel.id)?.cumulativeAmount ?? 0n;
            }
            expect(BigInt(served.size) * price).to.be.at.most(paid + d.terms.creditLimit);
            expect(session.held.length).to.be.at.most(MAX_HELD_REQUESTS);
          }
          session.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
