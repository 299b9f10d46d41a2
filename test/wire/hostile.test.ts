import { expect } from "chai";
import { Wallet } from "ethers";
import { createVoucherSigner } from "../../src/voucher/createVoucherSigner";
import { SellerSession } from "../../src/wire/sellerSession";
import { EXTENSION_NAME, MAX_MESSAGE_BYTES, STRIKE_LIMIT } from "../../src/wire/constants";
import { decodeMessage, encodeMessage, type WireMessage } from "../../src/wire/messages";
import type { ExtensionConstructor } from "../../src/wire/torrentTypes";
import {
  BTT,
  connectPair,
  deployEscrow,
  fetchPiece,
  makePayee,
  makePayer,
  unchoked,
  until,
  type TestWire,
} from "./helpers";

/**
 * A peer holding only its own keys, speaking raw sp_pay messages to a seller: everything it can
 * send that is wrong is refused or ignored, counted, and ends in a disconnect at the limit; the
 * seller never serves past the credit limit and never loses an acknowledged voucher.
 */
describe("sp_pay seller against a hostile peer", () => {
  async function hostile() {
    const d = await deployEscrow();
    const payeeSide = makePayee(d);
    const payerSide = makePayer(d);
    const received: WireMessage[] = [];
    let rawWire: TestWire | undefined;
    const pair = await connectPair(
      { seller: { payee: payeeSide.payee, store: payeeSide.store, terms: d.terms } },
      {},
      (wire) => {
        rawWire = wire;
        const Raw = function () {} as unknown as ExtensionConstructor;
        Raw.prototype.name = EXTENSION_NAME;
        Object.assign(Raw.prototype, { onMessage: (payload: Uint8Array) => received.push(decodeMessage(payload)) });
        wire.use(Raw);
      },
    );
    const send = (payload: Uint8Array | WireMessage): void =>
      rawWire!.extended(EXTENSION_NAME, payload instanceof Uint8Array ? payload : encodeMessage(payload));
    // Held here: the seller drops the session from its peers on disconnect.
    const seller = pair.seller.peers.get(pair.sellerWire)!.seller!;
    const session = () => seller;
    const strikesNow = () => seller.stats.strikes;
    return { d, payeeSide, payerSide, pair, received, send, session, strikesNow };
  }

  it("malformed, unknown, oversized and future-version messages are counted, and the peer is disconnected at the limit", async () => {
    const h = await hostile();
    const bad: Uint8Array[] = [
      Buffer.from("d1:t7:voucher"), // truncated bencode
      Buffer.from("i42e"), // not a dictionary
      Buffer.from("d1:t5:hello1:vi1ee"), // unknown type
      Buffer.from("d1:t7:channel1:vi2ee"), // a version this peer does not speak
      Buffer.from("d6:amount2:-11:t3:ack1:vi1ee"), // a seller's message, from a buyer
      Buffer.concat([
        Buffer.from(`d1:t7:voucher1:vi1e1:x${MAX_MESSAGE_BYTES}:`),
        Buffer.alloc(MAX_MESSAGE_BYTES),
        Buffer.from("e"),
      ]),
    ];
    for (const [i, payload] of bad.entries()) {
      h.send(payload);
      await until(() => h.strikesNow() === i + 1, `strike ${i + 1}`);
    }
    expect(h.pair.sellerWire.destroyed).to.equal(false);
    for (let i = bad.length; i < STRIKE_LIMIT; i++) h.send(bad[i % bad.length]);
    await until(() => h.pair.sellerWire.destroyed, "disconnect");
    expect(h.strikesNow()).to.equal(STRIKE_LIMIT);
  });

  it("channels that are not on-chain, pay someone else, are closing or already in use are refused", async () => {
    const h = await hostile();
    const channel = await h.payerSide.payer.open(h.d.terms.payee, 2n * BTT);
    const refusals = () => h.received.filter((m) => m.type === "refused" && m.of === "channel");
    // Not on-chain: an unused salt.
    h.send({ type: "channel", key: { ...channel.key, salt: channel.key.salt + 1n } });
    await until(() => refusals().length === 1, "refusal: not on-chain");
    // Pays another payee.
    h.send({ type: "channel", key: { ...channel.key, payee: Wallet.createRandom().address } });
    await until(() => refusals().length === 2, "refusal: another payee");
    // Closing on-chain.
    const closing = await h.payerSide.payer.open(h.d.terms.payee, 2n * BTT);
    await h.d.payerChain.startClose(closing.key);
    h.send({ type: "channel", key: closing.key });
    await until(() => refusals().length === 3, "refusal: closing");
    expect(refusals().map((m) => (m as { detail: string }).detail)).to.satisfy((d: string[]) =>
      d[2].includes("closing"),
    );
    expect(h.session()!.mode).to.equal("unpaid");
    expect(h.strikesNow()).to.equal(3);
    expect(h.payeeSide.store.listChannels({})).to.have.length(0);
  });

  it("vouchers for another channel or chain, lower, replayed or before any channel are refused; acknowledged ones stay stored", async () => {
    const h = await hostile();
    const refused = () => h.received.filter((m) => m.type === "refused" && m.of === "voucher") as { reason: string }[];
    const channel = await h.payerSide.payer.open(h.d.terms.payee, 2n * BTT);
    const v1 = h.payerSide.payer.pay(channel.id, BTT / 4n);
    const voucher = (v: { channelId: string; cumulativeAmount: bigint; signature: string }): WireMessage => ({
      type: "voucher",
      channelId: v.channelId,
      amount: v.cumulativeAmount,
      signature: v.signature,
    });
    h.send(voucher(v1));
    await until(() => refused().length === 1, "refused: no channel yet");
    h.send({ type: "channel", key: channel.key });
    await until(() => h.received.some((m) => m.type === "accepted"), "accepted");
    // Take the two pieces of credit: the session must have reserved them before vouchers count.
    await unchoked(h.pair.buyerWire);
    expect(await fetchPiece(h.pair.buyerWire, 0)).to.equal(true);
    h.send(voucher(v1));
    await until(() => h.received.some((m) => m.type === "ack"), "ack");
    const stored = () => h.payeeSide.store.getBestReceivedVoucher(channel.id)?.cumulativeAmount;
    expect(stored()).to.equal(BTT / 4n);

    const other = await h.payerSide.payer.open(h.d.terms.payee, 2n * BTT);
    h.send(voucher(h.payerSide.payer.pay(other.id, BTT))); // another channel
    const otherChain = createVoucherSigner({
      privateKey: h.payerSide.hotKey.privateKey,
      chainId: 1n,
      escrow: h.d.escrowAddress,
    });
    const { compact } = otherChain.signVoucher({ channelId: channel.id, cumulativeAmount: BTT });
    h.send({ type: "voucher", channelId: channel.id, amount: BTT, signature: compact }); // signed for chain 1
    h.send(voucher(v1)); // replayed
    h.send({ ...(voucher(v1) as Extract<WireMessage, { type: "voucher" }>), amount: BTT / 8n }); // lower (and unsigned)
    await until(() => refused().length === 5, "four more refusals");
    expect(refused().map((m) => m.reason)).to.deep.equal([
      "no-channel",
      "wrong-channel",
      "bad-signature",
      "not-higher",
      "not-higher",
    ]);
    expect(stored()).to.equal(BTT / 4n);
    expect(h.session()!.stats).to.include({ vouchers: 1, refusedVouchers: 5 });
  });

  it("a peer that announces a channel and never pays gets the credit limit and no more", async () => {
    const h = await hostile();
    const channel = await h.payerSide.payer.open(h.d.terms.payee, 2n * BTT);
    h.send({ type: "channel", key: channel.key });
    await unchoked(h.pair.buyerWire);
    expect(await fetchPiece(h.pair.buyerWire, 0)).to.equal(true);
    expect(await fetchPiece(h.pair.buyerWire, 1)).to.equal(true);
    // Credit is 0.5 BTT = two 0.25 BTT pieces, whether or not the chain check has finished: the
    // rest is held until a voucher pays for it, which never comes.
    for (let index = 2; index < 6; index++) void fetchPiece(h.pair.buyerWire, index);
    await until(() => h.session().held.length === 4 * 16, "requests held");
    expect(new Set(h.pair.served.map((b) => b.index))).to.deep.equal(new Set([0, 1]));
    await until(() => h.received.some((m) => m.type === "owed"), "owed");
    expect(h.received.find((m) => m.type === "owed")).to.deep.include({ amount: BTT / 2n, paid: 0n });
  });

  it("the same channel on a second connection is refused while the first is live", async () => {
    const d = await deployEscrow();
    const payeeSide = makePayee(d);
    const payerSide = makePayer(d);
    const channel = await payerSide.payer.open(d.terms.payee, 2n * BTT);
    // Two sessions sharing one seller context: the registry of live channels refuses the second.
    const live = new Set<string>();
    const sent: WireMessage[][] = [[], []];
    const make = (i: number) =>
      new SellerSession(
        { payee: payeeSide.payee, store: payeeSide.store, terms: d.terms, pieceBytes: () => 1, liveChannels: live },
        { send: (m) => sent[i].push(m), choke() {}, unchoke() {}, serve() {}, reject() {}, disconnect() {} },
      );
    const [a, b] = [make(0), make(1)];
    a.onMessage(encodeMessage({ type: "channel", key: channel.key }));
    b.onMessage(encodeMessage({ type: "channel", key: channel.key }));
    expect(sent[1]).to.deep.equal([
      {
        type: "refused",
        of: "channel",
        reason: "channel-in-use",
        detail: `channel ${channel.id} pays on another connection`,
      },
    ]);
    await until(() => sent[0].length === 1, "first accepted");
    expect(sent[0][0].type).to.equal("accepted");
    a.close();
    const c = make(1);
    c.onMessage(encodeMessage({ type: "channel", key: channel.key }));
    await until(() => sent[1].length === 2, "accepted once the first connection closed");
    expect(sent[1][1].type).to.equal("accepted");
  });
});
