import { expect } from "chai";
import {
  decideClaim,
  decideServe,
  nextVoucherAmount,
  priceOf,
  topUpNeeded,
  type CreditPolicy,
} from "../../../src/channel/creditPolicy";

const KIB = 1024;
const policy: CreditPolicy = {
  price: { perByte: 10n, perPiece: 1000n },
  maxUnpaidCredit: 5_000_000n,
  maxPrepayment: 3_000_000n,
};
const piece = priceOf(policy.price, 256 * KIB); // 1000 + 10 * 262144 = 2,622,440

describe("credit policy", () => {
  it("prices a piece per byte plus per piece, and refuses nonsense sizes", () => {
    expect(piece).to.equal(2_622_440n);
    expect(priceOf({ perPiece: 7n }, 0)).to.equal(7n);
    expect(priceOf({}, 100)).to.equal(0n);
    expect(() => priceOf(policy.price, -1)).to.throw(RangeError, "got -1");
    expect(() => priceOf(policy.price, 1.5)).to.throw(RangeError);
  });

  describe("payee: decideServe", () => {
    const cases: [string, { served: bigint; paid: bigint; deposit: bigint }, string][] = [
      ["serves the first piece on credit", { served: 0n, paid: 0n, deposit: 10n ** 18n }, "serve"],
      [
        "stops when the unpaid work would exceed the credit",
        { served: piece, paid: 0n, deposit: 10n ** 18n },
        "credit-exhausted",
      ],
      ["serves again once paid", { served: piece, paid: piece, deposit: 10n ** 18n }, "serve"],
      ["stops at the deposit", { served: 0n, paid: 0n, deposit: piece - 1n }, "deposit-exhausted"],
      ["overpaid counts as zero unpaid", { served: 0n, paid: 10n * piece, deposit: 10n ** 18n }, "serve"],
    ];
    for (const [name, p, expected] of cases) {
      it(name, () => {
        const d = decideServe(policy, { ...p, nextPieceBytes: 256 * KIB });
        expect(d.serve ? "serve" : d.reason).to.equal(expected);
      });
    }
    it("says how much more it needs", () => {
      const d = decideServe(policy, { served: piece, paid: 0n, deposit: 10n ** 18n, nextPieceBytes: 256 * KIB });
      expect(d).to.deep.equal({ serve: false, reason: "credit-exhausted", needed: 2n * piece - 5_000_000n });
    });
  });

  describe("payer: nextVoucherAmount", () => {
    it("pays what was received plus the prepayment", () => {
      expect(nextVoucherAmount(policy, { received: piece, issued: 0n, deposit: 10n ** 18n })).to.equal(
        piece + 3_000_000n,
      );
    });
    it("never exceeds the deposit", () => {
      expect(nextVoucherAmount(policy, { received: piece, issued: 0n, deposit: 100n })).to.equal(100n);
    });
    it("never signs an amount already signed or lower", () => {
      expect(nextVoucherAmount(policy, { received: 0n, issued: 3_000_000n, deposit: 10n ** 18n })).to.equal(undefined);
      expect(nextVoucherAmount(policy, { received: 0n, issued: 4_000_000n, deposit: 10n ** 18n })).to.equal(undefined);
    });
    it("tops up so the deposit covers what comes next", () => {
      expect(topUpNeeded(policy, { issued: 10n, deposit: 100n, upcoming: 50n })).to.equal(
        10n + 50n + 3_000_000n - 100n,
      );
      expect(topUpNeeded(policy, { issued: 0n, deposit: 10n ** 18n, upcoming: 50n })).to.equal(0n);
    });
  });

  describe("payee: decideClaim", () => {
    const claimPolicy = { threshold: 1000n };
    const base = { best: 5000n, claimed: 0n, status: "open" as const, closesAt: 0n, now: 0n };
    it("claims at the threshold", () => {
      expect(decideClaim(claimPolicy, base)).to.deep.equal({ claim: true, reason: "threshold", amount: 5000n });
      expect(decideClaim(claimPolicy, { ...base, claimed: 4500n })).to.deep.equal({ claim: false });
    });
    it("always claims a closing channel, whatever the amount", () => {
      expect(decideClaim(claimPolicy, { ...base, claimed: 4999n, status: "closing", closesAt: 100n })).to.deep.equal({
        claim: true,
        reason: "closing",
        amount: 1n,
      });
    });
    it("never claims a closed channel or nothing new", () => {
      expect(decideClaim(claimPolicy, { ...base, status: "closed" })).to.deep.equal({ claim: false });
      expect(decideClaim(claimPolicy, { ...base, claimed: 5000n })).to.deep.equal({ claim: false });
    });
  });
});
