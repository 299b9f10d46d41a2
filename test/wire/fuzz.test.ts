import { expect } from "chai";
import fc from "fast-check";
import { encodeBencode } from "../../src/wire/bencodeEncode";
import { STRIKE_LIMIT } from "../../src/wire/constants";
import { encodeMessage, type WireMessage } from "../../src/wire/messages";
import { SellerSession } from "../../src/wire/sellerSession";
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
        t: fc.constantFrom("voucher", "channel", "ack", "owed", "refused", "accepted", "x"),
        v: fc.integer({ min: -1, max: 3 }),
      })
      .map((r) => {
        const { encodeBencode } =
          require("../../src/wire/bencodeEncode") as typeof import("../../src/wire/bencodeEncode");
        return encodeBencode({ ...r });
      });
  const payload = () => fc.oneof(fc.uint8Array({ maxLength: 20_000 }), mutated(), hostileValues());

  it("never throws, never acknowledges an unstored voucher, and disconnects once at the strike limit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(payload(), { minLength: 1, maxLength: 40 }), async (payloads) => {
        const { payee, store } = makePayee(d);
        const sent: WireMessage[] = [];
        let disconnects = 0;
        const session = new SellerSession(
          { payee, store, terms: d.terms, pieceBytes: () => 256 * 1024, liveChannels: new Set() },
          {
            send: (m) => sent.push(m),
            choke() {},
            unchoke() {},
            serve() {},
            reject() {},
            disconnect: () => void disconnects++,
          },
        );
        for (const p of payloads) {
          session.onMessage(p);
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
        session.close();
      }),
      { numRuns: 150 },
    );
  });
});
