import { expect } from "chai";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { createVoucherVerifier } from "../../../src/voucher/createVoucherVerifier";
import {
  InvalidAmountError,
  InvalidChannelIdError,
  InvalidDeadlineError,
  InvalidSignatureError,
} from "../../../src/voucher/errors";
import { hashVoucher } from "../../../src/voucher/hashVoucher";
import type { Secp256k1BackendName } from "../../../src/voucher/secp256k1Backend";
import { SHASTA, N, word, randomId, randomAddress, split, join, highS, offCurveR } from "./signatureHelpers";

for (const backend of ["native", "noble"] as Secp256k1BackendName[]) {
  describe(`voucher/createVoucherVerifier rejections (${backend})`, function () {
    const wallet = new Wallet("0x" + randomBytes(32).toString("hex"));
    const escrow = randomAddress();
    const signer = createVoucherSigner({ privateKey: wallet.privateKey, chainId: SHASTA, escrow, backend });
    const newVerifier = (cacheSize?: number) => createVoucherVerifier({ chainId: SHASTA, escrow, backend, cacheSize });
    const voucher = (channelId = randomId(), cumulativeAmount = 10n ** 18n) => ({
      channelId,
      cumulativeAmount,
      ...signer.signVoucher({ channelId, cumulativeAmount }),
    });

    it("refuses the other v on a cached channel, which a plain ECDSA verify would accept", function () {
      const verifier = newVerifier();
      const channelId = randomId();
      expect(verifier.verifyVoucher({ ...voucher(channelId, 1n), expectedSigner: wallet.address }).valid).to.equal(
        true,
      );
      const v = voucher(channelId, 2n);
      const { r, s, v: vv } = split(v.signature);
      const flipped = join(r, s, vv === 27 ? 28 : 27);
      const digest = Buffer.from(hashVoucher({ chainId: SHASTA, escrow, ...v }).slice(2), "hex");
      const rs = Buffer.from(v.signature.slice(2, 130), "hex");
      expect(secp256k1.verify(rs, digest, Buffer.from(wallet.signingKey.publicKey.slice(2), "hex"))).to.equal(true);
      const result = verifier.verifyVoucher({ ...v, signature: flipped, expectedSigner: wallet.address });
      expect(result.valid).to.equal(false);
      expect(result).to.include({ reason: "wrong-signer" });
      expect(result).to.have.property("recovered").that.not.equals(wallet.address);
      const compactFlipped =
        v.compact.slice(0, 66) + (parseInt(v.compact[66], 16) ^ 8).toString(16) + v.compact.slice(67);
      expect(verifier.verifyVoucher({ ...v, signature: compactFlipped, expectedSigner: wallet.address })).to.include({
        valid: false,
        reason: "wrong-signer",
      });
    });

    it("refuses malleated (high-s) signatures in both forms, cached or not", function () {
      const verifier = newVerifier();
      const v = voucher();
      const twin = highS(v.signature);
      // The twin is a real signature by the same key: only the low-s rule tells them apart.
      const t = split(twin);
      const digest = hashVoucher({ chainId: SHASTA, escrow, ...v }).slice(2);
      const recovered = new secp256k1.Signature(t.r, t.s, t.v - 27).recoverPublicKey(digest).toHex(false);
      expect("0x" + recovered).to.equal(wallet.signingKey.publicKey);
      expect(verifier.verifyVoucher({ ...v, signature: twin, expectedSigner: wallet.address })).to.deep.equal({
        valid: false,
        reason: "malleable",
      });
      expect(verifier.verifyVoucher({ ...v, expectedSigner: wallet.address }).valid).to.equal(true);
      expect(verifier.verifyVoucher({ ...v, signature: twin, expectedSigner: wallet.address })).to.include({
        reason: "malleable",
      });
      // EIP-2098 has 255 bits for s: values in (n/2, 2^255) are still expressible, and malleable.
      const { r, s } = split(v.signature);
      const high = N - s;
      if (high < 1n << 255n) {
        const compact = "0x" + word(r) + word(high);
        expect(verifier.verifyVoucher({ ...v, signature: compact, expectedSigner: wallet.address })).to.include({
          reason: "malleable",
        });
      }
      expect(() => verifier.recoverVoucherSigner({ ...v, signature: twin }))
        .to.throw(InvalidSignatureError)
        .with.property("reason", "malleable");
    });

    it("reports the recovered address for another signer, amount, channel, chain or escrow", function () {
      const verifier = newVerifier();
      const v = voucher();
      const other = createVoucherSigner({ privateKey: randomBytes(32), chainId: SHASTA, escrow, backend });
      const cases: (typeof v & { recovered?: string })[] = [
        { ...v, signature: other.signVoucher(v).signature, recovered: other.address },
        { ...v, cumulativeAmount: v.cumulativeAmount + 1n },
        { ...v, channelId: randomId() },
        {
          ...v,
          signature: createVoucherSigner({ privateKey: wallet.privateKey, chainId: 1, escrow }).signVoucher(v)
            .signature,
        },
        {
          ...v,
          signature: createVoucherSigner({
            privateKey: wallet.privateKey,
            chainId: SHASTA,
            escrow: randomAddress(),
          }).signVoucher(v).signature,
        },
        {
          ...v,
          signature: signer.signCloseConsent({ channelId: v.channelId, finalAmount: v.cumulativeAmount, deadline: 0n })
            .signature,
        },
      ];
      for (const c of cases) {
        const result = verifier.verifyVoucher({ ...c, expectedSigner: wallet.address });
        expect(result).to.include({ valid: false, reason: "wrong-signer" });
        expect(result).to.have.property("recovered").that.equals(verifier.recoverVoucherSigner(c));
        if (c.recovered) expect(result).to.have.property("recovered", c.recovered);
      }
      // The right signature against the wrong expected signer, after the channel is cached.
      expect(verifier.verifyVoucher({ ...v, expectedSigner: wallet.address }).valid).to.equal(true);
      expect(verifier.verifyVoucher({ ...v, expectedSigner: other.address })).to.deep.equal({
        valid: false,
        reason: "wrong-signer",
        recovered: wallet.address,
      });
    });

    it("refuses bad lengths, encodings, v, r and s with the contract's reason", function () {
      const verifier = newVerifier();
      const v = voucher();
      const { r, s, v: vv } = split(v.signature);
      const cases: [unknown, string][] = [
        ["0x", "invalid-length"],
        ["0x" + "00".repeat(63), "invalid-length"],
        [v.signature + "00", "invalid-length"],
        [v.signature + v.signature.slice(2), "invalid-length"],
        [new Uint8Array(66), "invalid-length"],
        [v.signature.slice(0, -1), "invalid-encoding"],
        [v.signature.slice(0, -2) + "zz", "invalid-encoding"],
        ["0x" + "g".repeat(130), "invalid-encoding"],
        ["hello", "invalid-encoding"],
        [12, "invalid-encoding"],
        [null, "invalid-encoding"],
        [{ r, s, v: vv }, "invalid-encoding"],
        [join(r, s, 2), "invalid-v"],
        [join(r, s, 26), "invalid-v"],
        [join(r, s, 29), "invalid-v"],
        [join(r, s, 255), "invalid-v"],
        [join(0n, s, vv), "invalid-r-s"],
        [join(r, 0n, vv), "invalid-r-s"],
        [join(N, s, vv), "invalid-r-s"],
        [join(N + 5n, s, vv), "invalid-r-s"],
        ["0x" + word(0n) + word(s), "invalid-r-s"],
        [join(offCurveR(), s, vv), "unrecoverable"],
        [join(r, N - 1n, vv), "malleable"],
        [join(r, (1n << 256n) - 1n, 5), "malleable"], // high s is reported before a bad v, as on-chain
      ];
      for (const [signature, reason] of cases) {
        const result = verifier.verifyVoucher({ ...v, signature: signature as string, expectedSigner: wallet.address });
        expect(result, String(signature)).to.deep.equal({ valid: false, reason });
      }
    });

    it("never throws on a peer's channel id, amount or signature (property)", function () {
      const verifier = newVerifier();
      const v = voucher();
      const anyValue = fc.oneof(
        fc.string(),
        fc.uint8Array({ maxLength: 70 }),
        fc.uint8Array({ minLength: 64, maxLength: 65 }),
        fc.uint8Array({ minLength: 64, maxLength: 65 }).map((b) => "0x" + Buffer.from(b).toString("hex")),
        fc.bigInt(),
        fc.integer(),
        fc.constantFrom(null, undefined, {}, [], v.signature, v.channelId),
      );
      fc.assert(
        fc.property(anyValue, anyValue, anyValue, (channelId, amount, signature) => {
          const result = verifier.verifyVoucher({
            channelId: channelId as string,
            cumulativeAmount: amount as bigint,
            signature: signature as string,
            expectedSigner: wallet.address,
          });
          expect(result.valid).to.equal(false);
        }),
        { numRuns: 2000 },
      );
      expect(verifier.verifyVoucher({ ...v, channelId: "0x12", expectedSigner: wallet.address })).to.deep.equal({
        valid: false,
        reason: "invalid-channel-id",
      });
      for (const cumulativeAmount of [-1n, 1n << 256n, 1 as unknown as bigint]) {
        expect(verifier.verifyVoucher({ ...v, cumulativeAmount, expectedSigner: wallet.address })).to.deep.equal({
          valid: false,
          reason: "invalid-amount",
        });
      }
    });

    it("throws typed errors from recover* on malformed input", function () {
      const verifier = newVerifier();
      const v = voucher();
      expect(() => verifier.recoverVoucherSigner({ ...v, channelId: "0x" })).to.throw(InvalidChannelIdError);
      expect(() => verifier.recoverVoucherSigner({ ...v, cumulativeAmount: -1n })).to.throw(InvalidAmountError);
      expect(() => verifier.recoverCloseConsentSigner({ ...v, finalAmount: -1n, deadline: 0n })).to.throw(
        /finalAmount/,
      );
      expect(() => verifier.recoverCloseConsentSigner({ ...v, finalAmount: 1n, deadline: -1n })).to.throw(
        InvalidDeadlineError,
      );
      expect(() => verifier.recoverVoucherSigner({ ...v, signature: "0x1234" }))
        .to.throw(InvalidSignatureError)
        .with.property("reason", "invalid-length");
      const { s, v: vv } = split(v.signature);
      expect(() => verifier.recoverVoucherSigner({ ...v, signature: join(offCurveR(), s, vv) }))
        .to.throw(InvalidSignatureError)
        .with.property("reason", "unrecoverable");
    });
  });
}
