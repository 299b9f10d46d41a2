import { expect } from "chai";
import { Wallet } from "ethers";
import { encodeBencode } from "../../src/wire/bencodeEncode";
import { MAX_MESSAGE_BYTES } from "../../src/wire/constants";
import { WireMessageError } from "../../src/wire/errors";
import {
  decodeMessage,
  decodeTerms,
  encodeMessage,
  encodeTerms,
  type Terms,
  type WireMessage,
} from "../../src/wire/messages";
import { piecePrice, termsProblem } from "../../src/wire/pricing";

const address = () => Wallet.createRandom().address;
const id = `0x${"ab".repeat(32)}`;
const big = 2n ** 255n + 12345n; // far above 2^53: must survive as a decimal string

describe("sp_pay messages (codec)", () => {
  const messages: WireMessage[] = [
    {
      type: "channel",
      key: { payer: address(), payee: address(), signer: address(), disputeWindow: 3600, salt: 2n ** 64n - 1n },
    },
    { type: "accepted", channelId: id, deposit: big, paid: 0n },
    { type: "refused", of: "voucher", reason: "not-higher", detail: "voucher 1 is not above 2" },
    { type: "voucher", channelId: id, amount: big, signature: `0x${"11".repeat(64)}` },
    { type: "voucher", channelId: id, amount: 1n, signature: `0x${"22".repeat(65)}` },
    { type: "ack", channelId: id, amount: big },
    { type: "owed", channelId: id, amount: big, paid: 1n },
    { type: "topup", channelId: id },
    { type: "bid", channelId: id, pricePerMiB: big, rounds: 1 },
    { type: "bid", channelId: id, pricePerMiB: 0n, rounds: 255 },
    { type: "round", round: 0, won: false, clearingPricePerMiB: 0n, slotMs: 1 },
    { type: "round", round: 2 ** 53 - 1, won: true, clearingPricePerMiB: big, slotMs: 10_000 },
  ];

  it("round-trips every message type, amounts above 2^53 included", () => {
    for (const message of messages) expect(decodeMessage(encodeMessage(message))).to.deep.equal(message);
  });

  it("puts the type in t and the version in v, amounts as decimal strings", () => {
    const bytes = encodeMessage({ type: "ack", channelId: id, amount: big }).toString("latin1");
    expect(bytes).to.include(`1:t3:ack1:vi1e`);
    expect(bytes).to.include(`6:amount${big.toString().length}:${big}`);
  });

  const problem = (payload: Uint8Array) => {
    try {
      decodeMessage(payload);
    } catch (error) {
      expect(error).to.be.instanceOf(WireMessageError);
      return (error as WireMessageError).problem;
    }
    return "accepted";
  };

  it("refuses each kind of bad message with the reason", () => {
    const ok = { t: "ack", v: 1, id: Buffer.from(id.slice(2), "hex"), amount: "5" };
    expect(problem(encodeBencode(ok))).to.equal("accepted");
    expect(problem(Buffer.alloc(MAX_MESSAGE_BYTES + 1))).to.equal("too-large");
    expect(problem(Buffer.from("d1:t3:ack"))).to.equal("malformed");
    expect(problem(Buffer.from("le"))).to.equal("malformed");
    expect(problem(encodeBencode({ ...ok, v: 2 }))).to.equal("unsupported-version");
    expect(problem(encodeBencode({ ...ok, t: "bids" }))).to.equal("unknown-type");
    expect(problem(encodeBencode({ ...ok, amount: "05" }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...ok, amount: "-5" }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...ok, amount: 5 }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...ok, amount: "1".repeat(79) }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...ok, id: Buffer.alloc(31) }))).to.equal("bad-field");
    const { amount: _omitted, ...missing } = ok;
    expect(problem(encodeBencode(missing))).to.equal("bad-field");
  });

  it("refuses bids and rounds with fields out of range", () => {
    const bid = { t: "bid", v: 1, id: Buffer.from(id.slice(2), "hex"), price: "5", rounds: 1 };
    expect(problem(encodeBencode(bid))).to.equal("accepted");
    expect(problem(encodeBencode({ ...bid, rounds: 0 }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...bid, rounds: 256 }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...bid, price: 5 }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...bid, price: "-1" }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...bid, id: Buffer.alloc(20) }))).to.equal("bad-field");
    const round = { t: "round", v: 1, n: 7, won: 1, price: "3", ms: 1000 };
    expect(problem(encodeBencode(round))).to.equal("accepted");
    expect(problem(encodeBencode({ ...round, won: 2 }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...round, n: -1 }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...round, ms: 0 }))).to.equal("bad-field");
    expect(problem(encodeBencode({ ...round, price: "1".repeat(79) }))).to.equal("bad-field");
    const { n: _n, ...noRound } = round;
    expect(problem(encodeBencode(noRound))).to.equal("bad-field");
  });

  it("reads terms as bittorrent-protocol hands them over (decoded by the bencode package)", () => {
    const terms: Terms = {
      chainId: 2494104990n,
      escrow: address(),
      token: address(),
      payee: address(),
      pricePerMiB: big,
      minDisputeWindow: 3600,
      creditLimit: big - 1n,
    };
    const encoded = encodeTerms(terms);
    // bittorrent-protocol gives plain objects with Uint8Array strings and number integers.
    const loose = Object.fromEntries(
      Object.entries(encoded).map(([k, v]) => [k, typeof v === "string" ? new TextEncoder().encode(v) : v]),
    );
    expect(decodeTerms(loose)).to.deep.equal(terms);
    expect(() => decodeTerms({ ...loose, v: 2 })).to.throw(WireMessageError, /version 2/);
    expect(() => decodeTerms("nope")).to.throw(WireMessageError);
  });

  it("carries an auction in the terms as an optional key that fixed-price terms simply lack", () => {
    const fixed: Terms = {
      chainId: 1n,
      escrow: address(),
      token: address(),
      payee: address(),
      pricePerMiB: 0n,
      minDisputeWindow: 3600,
      creditLimit: 10n,
    };
    const auction = { slots: 2, reservePerMiB: big, roundMs: 1000 };
    const encoded = encodeTerms({ ...fixed, auction });
    expect(decodeTerms(encoded)).to.deep.equal({ ...fixed, auction });
    // Without the key: a version 1 seller of before the auction; nothing changes for it.
    expect(Object.keys(encodeTerms(fixed))).to.not.include("auction");
    expect(decodeTerms(encodeTerms(fixed))).to.deep.equal(fixed);
    const bad = (a: Record<string, unknown>) => () => decodeTerms({ ...encoded, auction: a });
    expect(bad({ slots: 2, reserve: "1", round: 99 })).to.throw(WireMessageError, /round/);
    expect(bad({ slots: 1025, reserve: "1", round: 1000 })).to.throw(WireMessageError, /slots/);
    expect(bad({ slots: 2, reserve: 1, round: 1000 })).to.throw(WireMessageError, /reserve/);
    expect(() => decodeTerms({ ...encoded, auction: "x" })).to.throw(WireMessageError, /auction/);
  });
});

describe("sp_pay pricing and terms", () => {
  const BTT = 10n ** 18n;
  const limits = { chainId: 1n, escrow: address(), maxPricePerMiB: BTT, disputeWindow: 86400, pieceBytes: 262144 };
  const terms: Terms = {
    chainId: 1n,
    escrow: limits.escrow,
    token: address(),
    payee: address(),
    pricePerMiB: BTT,
    minDisputeWindow: 3600,
    creditLimit: BTT / 4n,
  };

  it("prices a piece as ceil(bytes × price / 2^20): zero is free, nothing nonzero rounds to zero", () => {
    expect(piecePrice(BTT, 262144)).to.equal(BTT / 4n);
    expect(piecePrice(0n, 262144)).to.equal(0n);
    expect(piecePrice(1n, 1)).to.equal(1n);
    expect(piecePrice(3n, 2 ** 20 + 1)).to.equal(4n);
    expect(() => piecePrice(1n, -1)).to.throw(RangeError);
  });

  it("refuses terms it cannot work with, saying why", () => {
    expect(termsProblem(terms, limits)).to.equal(undefined);
    expect(termsProblem({ ...terms, chainId: 2n }, limits)).to.match(/chain 2/);
    expect(termsProblem({ ...terms, escrow: address() }, limits)).to.match(/escrow/);
    expect(termsProblem({ ...terms, pricePerMiB: BTT + 1n }, limits)).to.match(/price/);
    expect(termsProblem({ ...terms, minDisputeWindow: 90000 }, limits)).to.match(/dispute window/);
    // A credit below one piece would deadlock: refused up front.
    expect(termsProblem({ ...terms, creditLimit: BTT / 4n - 1n }, limits)).to.match(/does not cover one piece/);
    expect(termsProblem({ ...terms, pricePerMiB: 0n, creditLimit: 0n }, limits)).to.equal(undefined);
  });
});
