import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { createVoucherVerifier } from "../../../src/voucher/createVoucherVerifier";
import { InvalidAddressError, InvalidChannelIdError } from "../../../src/voucher/errors";
import type { Secp256k1BackendName } from "../../../src/voucher/secp256k1Backend";
import { toTronAddress } from "../../../src/voucher/toTronAddress";
import { SHASTA, N, word, randomId, randomAddress, split, join, highS } from "./signatureHelpers";

for (const backend of ["native", "noble"] as Secp256k1BackendName[]) {
  describe(`voucher/createVoucherVerifier (${backend})`, function () {
    const wallet = new Wallet("0x" + randomBytes(32).toString("hex"));
    const escrow = randomAddress();
    const signer = createVoucherSigner({ privateKey: wallet.privateKey, chainId: SHASTA, escrow, backend });
    const newVerifier = (cacheSize?: number) => createVoucherVerifier({ chainId: SHASTA, escrow, backend, cacheSize });
    const voucher = (channelId = randomId(), cumulativeAmount = 10n ** 18n) => ({
      channelId,
      cumulativeAmount,
      ...signer.signVoucher({ channelId, cumulativeAmount }),
    });

    it("accepts the 65-byte and 64-byte forms, v = 27/28 and 0/1, hex or bytes; cached from the second", function () {
      const verifier = newVerifier();
      expect(verifier.backend).to.equal(backend);
      for (let i = 0; i < 20; i++) {
        const v = voucher(randomId(), BigInt(i));
        const { r, s, v: vv } = split(v.signature);
        const forms = [
          v.signature,
          v.compact,
          join(r, s, vv - 27),
          Buffer.from(v.compact.slice(2), "hex"),
          v.signature.slice(2),
        ];
        forms.forEach((signature, k) => {
          const result = verifier.verifyVoucher({ ...v, signature, expectedSigner: wallet.address });
          expect(result).to.deep.equal({ valid: true, signer: wallet.address, cached: k > 0 });
        });
      }
    });

    it("keeps accepting later vouchers of a cached channel and recovers their signer", function () {
      const verifier = newVerifier();
      const channelId = randomId();
      for (let amount = 1n; amount <= 20n; amount++) {
        const v = voucher(channelId, amount * 10n ** 18n);
        const result = verifier.verifyVoucher({ ...v, expectedSigner: wallet.address });
        expect(result).to.deep.equal({ valid: true, signer: wallet.address, cached: amount > 1n });
        expect(verifier.recoverVoucherSigner(v)).to.equal(wallet.address);
      }
      expect(verifier.cachedSigners).to.equal(1);
    });

    it("takes the expected signer in any address form and throws only on a malformed one", function () {
      const verifier = newVerifier();
      const v = voucher();
      for (const expectedSigner of [
        wallet.address,
        wallet.address.toLowerCase(),
        toTronAddress(wallet.address),
        "41" + wallet.address.slice(2),
      ]) {
        expect(verifier.verifyVoucher({ ...v, expectedSigner })).to.include({ valid: true, signer: wallet.address });
      }
      expect(() => verifier.verifyVoucher({ ...v, expectedSigner: "alice" })).to.throw(InvalidAddressError);
    });

    it("evicts the oldest channel past cacheSize, and forgets a channel on request", function () {
      const verifier = newVerifier(2);
      const [a, b, c] = [voucher(), voucher(), voucher()];
      const check = (x: typeof a) => verifier.verifyVoucher({ ...x, expectedSigner: wallet.address });
      expect([a, b, c, c, b, a].map((x) => (check(x) as { cached: boolean }).cached)).to.deep.equal([
        false,
        false,
        false,
        true,
        true,
        false,
      ]);
      expect(verifier.cachedSigners).to.equal(2);
      verifier.forgetChannel(a.channelId);
      expect(verifier.cachedSigners).to.equal(1);
      expect(check(a)).to.include({ cached: false });
      expect(() => verifier.forgetChannel("0x00")).to.throw(InvalidChannelIdError);
      // cacheSize 0: every voucher is a recovery.
      const uncached = newVerifier(0);
      for (let k = 0; k < 2; k++) {
        expect(uncached.verifyVoucher({ ...a, expectedSigner: wallet.address })).to.include({
          valid: true,
          cached: false,
        });
      }
      expect(uncached.cachedSigners).to.equal(0);
    });

    it("verifies close consents apart from vouchers (payee key, own type hash)", function () {
      const verifier = newVerifier();
      const payee = createVoucherSigner({ privateKey: randomBytes(32), chainId: SHASTA, escrow, backend });
      const channelId = randomId();
      expect(verifier.verifyVoucher({ ...voucher(channelId, 5n), expectedSigner: wallet.address }).valid).to.equal(
        true,
      );
      const signed = { channelId, finalAmount: 5n, deadline: 1_700_000_000n };
      const consent = { ...signed, ...payee.signCloseConsent(signed) };
      for (const [signature, cached] of [
        [consent.signature, false],
        [consent.compact, true],
      ] as const) {
        expect(verifier.verifyCloseConsent({ ...consent, signature, expectedSigner: payee.address })).to.deep.equal({
          valid: true,
          signer: payee.address,
          cached,
        });
      }
      expect(verifier.recoverCloseConsentSigner(consent)).to.equal(payee.address);
      // The same channel's voucher cache is untouched, and a voucher is no consent.
      expect(verifier.verifyVoucher({ ...voucher(channelId, 6n), expectedSigner: wallet.address })).to.include({
        cached: true,
      });
      const asVoucher = {
        channelId,
        cumulativeAmount: 5n,
        signature: consent.signature,
        expectedSigner: payee.address,
      };
      expect(verifier.verifyVoucher(asVoucher)).to.include({ valid: false, reason: "wrong-signer" });
      expect(verifier.verifyCloseConsent({ ...consent, finalAmount: 4n, expectedSigner: payee.address })).to.include({
        reason: "wrong-signer",
      });
      // The deadline is signed: a consent stretched past its deadline recovers someone else.
      expect(
        verifier.verifyCloseConsent({ ...consent, deadline: 1_800_000_000n, expectedSigner: payee.address }),
      ).to.include({ reason: "wrong-signer" });
      expect(verifier.verifyCloseConsent({ ...consent, deadline: -1n, expectedSigner: payee.address })).to.include({
        reason: "invalid-deadline",
      });
      expect(
        verifier.verifyCloseConsent({ ...consent, signature: highS(consent.signature), expectedSigner: payee.address }),
      ).to.include({
        reason: "malleable",
      });
      expect(verifier.cachedSigners).to.equal(2);
    });
  });
}
