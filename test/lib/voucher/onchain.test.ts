import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Wallet, ZeroAddress } from "ethers";
import { Trx } from "tronweb";
import { createVoucherSigner, type VoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { createVoucherVerifier, type VerificationResult } from "../../../src/voucher/createVoucherVerifier";
import { hashCloseAuthorization, hashCloseConsent, hashVoucher } from "../../../src/voucher/hashVoucher";
import type { Secp256k1BackendName } from "../../../src/voucher/secp256k1Backend";
import { toTronAddress } from "../../../src/voucher/toTronAddress";
import { escrowDomain, VOUCHER_TYPES } from "../../../src/voucher/typedData";
import { BTT, DEADLINE, MAX_AMOUNT, escrowFixture, openChannel, type Escrow } from "../../contracts/fixture";
import { N, word, randomId, randomAddress, split, join, offCurveR } from "./signatureHelpers";

const DEPOSIT = 100n * BTT;

type Verdict = { name: string; recovered?: string };
/** A signer that keeps its key, to sign the same voucher in other domains. */
type TestSigner = VoucherSigner & { secret: string };

/** What the escrow does with a call: "ok", or the custom error (and WrongSigner's recovered address). */
async function onChain(e: Escrow, call: Promise<unknown>): Promise<Verdict> {
  try {
    await call;
    return { name: "ok" };
  } catch (error) {
    // Hardhat's in-process provider throws with the raw revert data.
    const data = (error as { data?: string }).data;
    const revert = typeof data === "string" ? e.escrow.interface.parseError(data) : null;
    if (!revert) throw error;
    return revert.name === "WrongSigner"
      ? { name: revert.name, recovered: String(revert.args[2]) }
      : { name: revert.name };
  }
}

/** What the library's verdict predicts the escrow does (see failureReasons.ts). */
function predicted(result: VerificationResult): Verdict {
  if (result.valid) return { name: "ok" };
  if (result.reason === "invalid-length") return { name: "SignatureLengthInvalid" };
  if (result.reason === "malleable") return { name: "SignatureSMalleable" };
  return { name: "WrongSigner", recovered: result.recovered ?? ZeroAddress };
}

/** Valid and broken signatures for (channelId, amount) by `signer`, labelled. */
function cases(e: Escrow, signer: TestSigner, channelId: string, amount: bigint): [string, string][] {
  const { signature, compact } = signer.signVoucher({ channelId, cumulativeAmount: amount });
  const { r, s, v } = split(signature);
  const other = (v: number) => (v === 27 ? 28 : 27);
  const key = randomBytes(32);
  const sign = (chainId: bigint, escrow: string, privateKey: Uint8Array | string, id = channelId, a = amount) =>
    createVoucherSigner({ privateKey, chainId, escrow }).signVoucher({ channelId: id, cumulativeAmount: a }).signature;
  const { secret } = signer;
  const list: [string, string][] = [
    ["65 bytes, v = 27/28", signature],
    ["65 bytes, v = 0/1", join(r, s, v - 27)],
    ["64 bytes (EIP-2098)", compact],
    ["65 bytes, other v", join(r, s, other(v))],
    ["64 bytes, other parity", compact.slice(0, 66) + (parseInt(compact[66], 16) ^ 8).toString(16) + compact.slice(67)],
    ["high s", join(r, N - s, other(v))],
    ["high s, v = 0/1", join(r, N - s, other(v) - 27)],
    ["high s and bad v", join(r, N - s, 9)],
    ["v = 2", join(r, s, 2)],
    ["v = 29", join(r, s, 29)],
    ["r = 0", join(0n, s, v)],
    ["s = 0", join(r, 0n, v)],
    ["r = n", join(N, s, v)],
    ["r off the curve", join(offCurveR(), s, v)],
    ["empty", "0x"],
    ["63 bytes", compact.slice(0, -2)],
    ["66 bytes", signature + "00"],
    ["another key", sign(e.chainId, e.escrowAddress, key)],
    ["another chain", sign(1n, e.escrowAddress, secret)],
    ["another escrow", sign(e.chainId, randomAddress(), secret)],
    ["another channel", sign(e.chainId, e.escrowAddress, secret, randomId())],
    ["another amount", sign(e.chainId, e.escrowAddress, secret, channelId, amount + 1n)],
    ["a close consent", signer.signCloseConsent({ channelId, finalAmount: amount, deadline: DEADLINE }).signature],
  ];
  const high = N - s;
  if (high < 1n << 255n) list.push(["64 bytes, high s", "0x" + word(r) + word(high)]);
  return list;
}

function makeSigner(e: Escrow, backend: Secp256k1BackendName): TestSigner {
  const secret = "0x" + randomBytes(32).toString("hex");
  const signer = createVoucherSigner({ privateKey: secret, chainId: e.chainId, escrow: e.escrowAddress, backend });
  return Object.assign(signer, { secret });
}

describe("voucher library vs ChannelEscrow", function () {
  it("computes the escrow's voucherDigest, closeConsentDigest and closeAuthorizationDigest for 40 random (id, amount) pairs", async function () {
    const e = await escrowFixture();
    for (let i = 0; i < 40; i++) {
      const channelId = randomId();
      const amount = BigInt("0x" + randomBytes(32).toString("hex")) >> BigInt(i * 6);
      const domain = { chainId: e.chainId, escrow: e.escrowAddress };
      expect(hashVoucher({ ...domain, channelId, cumulativeAmount: amount })).to.equal(
        await e.escrow.voucherDigest(channelId, amount),
      );
      const deadline = BigInt(i) << BigInt(i * 6);
      expect(hashCloseConsent({ ...domain, channelId, finalAmount: amount, deadline })).to.equal(
        await e.escrow.closeConsentDigest(channelId, amount, deadline),
      );
      expect(hashCloseAuthorization({ ...domain, channelId, finalAmount: amount, deadline })).to.equal(
        await e.escrow.closeAuthorizationDigest(channelId, amount, deadline),
      );
    }
  });

  for (const backend of ["native", "noble"] as Secp256k1BackendName[]) {
    describe(`${backend} backend`, function () {
      it("signs vouchers for amounts up to 2^112 that the escrow accepts, and really claims three", async function () {
        const e = await escrowFixture();
        const signer = makeSigner(e, backend);
        const { key, id } = await openChannel(e, DEPOSIT, { signer: signer.address, payee: randomAddress() });
        const verifier = createVoucherVerifier({ chainId: e.chainId, escrow: e.escrowAddress, backend });
        for (let i = 0; i < 30; i++) {
          const amount = i === 0 ? MAX_AMOUNT + 1n : BigInt("0x" + randomBytes(14).toString("hex")) >> BigInt(i * 3);
          const { signature, compact } = signer.signVoucher({ channelId: id, cumulativeAmount: amount + 1n });
          for (const sig of [signature, compact]) {
            expect(
              verifier.verifyVoucher({
                channelId: id,
                cumulativeAmount: amount + 1n,
                signature: sig,
                expectedSigner: signer.address,
              }).valid,
            ).to.equal(true);
            expect(await onChain(e, e.escrow.claim.staticCall(key, amount + 1n, sig))).to.deep.equal({ name: "ok" });
          }
        }
        for (const [k, amount] of [1n, 2n, 3n].entries()) {
          const { signature, compact } = signer.signVoucher({ channelId: id, cumulativeAmount: amount * BTT });
          await e.escrow.claim(key, amount * BTT, k === 1 ? compact : signature);
          expect((await e.escrow.getChannel(id)).claimed).to.equal(amount * BTT);
        }
      });

      it("agrees with claim() on every accepted and refused signature, down to the revert and its address", async function () {
        const e = await escrowFixture();
        const signer = makeSigner(e, backend);
        const { key, id } = await openChannel(e, DEPOSIT, { signer: signer.address, payee: randomAddress() });
        const verifier = createVoucherVerifier({ chainId: e.chainId, escrow: e.escrowAddress, backend });
        const amount = 7n * BTT;
        const table = cases(e, signer, id, amount);
        // Twice: once cold, once with the channel's signer cached.
        for (const round of [0, 1]) {
          for (const [label, signature] of table) {
            const result = verifier.verifyVoucher({
              channelId: id,
              cumulativeAmount: amount,
              signature,
              expectedSigner: key.signer,
            });
            const verdict = await onChain(e, e.escrow.claim.staticCall(key, amount, signature));
            expect(verdict, `${label} (round ${round})`).to.deep.equal(predicted(result));
          }
        }
        const names = table.map(
          ([, signature]) =>
            predicted(
              verifier.verifyVoucher({
                channelId: id,
                cumulativeAmount: amount,
                signature,
                expectedSigner: key.signer,
              }),
            ).name,
        );
        expect(new Set(names)).to.deep.equal(
          new Set(["ok", "WrongSigner", "SignatureSMalleable", "SignatureLengthInvalid"]),
        );
      });

      it("agrees with closeWithConsent() on the payee's consent and its broken forms", async function () {
        const e = await escrowFixture();
        const signer = makeSigner(e, backend);
        const payee = makeSigner(e, backend);
        const { key, id } = await openChannel(e, DEPOSIT, { signer: signer.address, payee: payee.address });
        const verifier = createVoucherVerifier({ chainId: e.chainId, escrow: e.escrowAddress, backend });
        const finalAmount = 3n * BTT;
        const { signature, compact } = payee.signCloseConsent({ channelId: id, finalAmount, deadline: DEADLINE });
        const { r, s, v } = split(signature);
        const table: [string, string][] = [
          ["65 bytes", signature],
          ["64 bytes", compact],
          ["v = 0/1", join(r, s, v - 27)],
          ["high s", join(r, N - s, v === 27 ? 28 : 27)],
          [
            "signed by the channel signer",
            signer.signCloseConsent({ channelId: id, finalAmount, deadline: DEADLINE }).signature,
          ],
          ["a voucher", payee.signVoucher({ channelId: id, cumulativeAmount: finalAmount }).signature],
          ["65 bytes + 1", signature + "01"],
        ];
        for (const [label, sig] of table) {
          const result = verifier.verifyCloseConsent({
            channelId: id,
            finalAmount,
            deadline: DEADLINE,
            signature: sig,
            expectedSigner: key.payee,
          });
          const payer = e.escrow.connect(e.payer);
          const verdict = await onChain(e, payer.closeWithConsent.staticCall(key, finalAmount, DEADLINE, sig, "0x"));
          expect(verdict, label).to.deep.equal(predicted(result));
        }
        await e.escrow.connect(e.payer).closeWithConsent(key, finalAmount, DEADLINE, compact, "0x");
        expect((await e.escrow.getChannel(id)).claimed).to.equal(finalAmount);
      });
    });
  }

  it("has ethers' and TronWeb's signatures of the same voucher (equal to ours) accepted by claim()", async function () {
    const e = await escrowFixture();
    const wallet = new Wallet("0x" + randomBytes(32).toString("hex"));
    const { key, id } = await openChannel(e, DEPOSIT, { signer: wallet.address, payee: randomAddress() });
    const value = { channelId: id, cumulativeAmount: 5n * BTT };
    const ours = createVoucherSigner({
      privateKey: wallet.privateKey,
      chainId: e.chainId,
      escrow: toTronAddress(e.escrowAddress),
    });
    const viaEthers = await wallet.signTypedData(escrowDomain(e.chainId, e.escrowAddress), VOUCHER_TYPES, value);
    const tronDomain = {
      ...escrowDomain(e.chainId, e.escrowAddress),
      verifyingContract: toTronAddress(e.escrowAddress),
    };
    const viaTron = Trx._signTypedData(tronDomain, VOUCHER_TYPES, value, wallet.privateKey.slice(2));
    expect(ours.signVoucher(value).signature).to.equal(viaEthers).and.to.equal(viaTron);
    expect(await onChain(e, e.escrow.claim.staticCall(key, value.cumulativeAmount, viaEthers))).to.deep.equal({
      name: "ok",
    });
    await e.escrow.claim(key, value.cumulativeAmount, viaTron);
    expect((await e.escrow.getChannel(id)).claimed).to.equal(value.cumulativeAmount);
  });
});
