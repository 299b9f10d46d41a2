import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { createVoucherVerifier } from "../../../src/voucher/createVoucherVerifier";
import { getSecp256k1Backend, getSecp256k1BackendName } from "../../../src/voucher/secp256k1Backend";

function nativeLoads(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("secp256k1/bindings");
    return true;
  } catch {
    return false;
  }
}

describe("voucher/secp256k1Backend", function () {
  it("uses the native binding when it loads, noble otherwise, and reports which", function () {
    const expected = nativeLoads() ? "native" : "noble";
    expect(getSecp256k1BackendName()).to.equal(expected);
    const escrow = "0x" + "ee".repeat(20);
    expect(createVoucherSigner({ privateKey: randomBytes(32), chainId: 1, escrow }).backend).to.equal(expected);
    expect(createVoucherVerifier({ chainId: 1, escrow }).backend).to.equal(expected);
    expect(createVoucherVerifier({ chainId: 1, escrow, backend: "noble" }).backend).to.equal("noble");
  });

  it("native and noble sign, recover and match identically on 200 random digests and keys", function () {
    if (!nativeLoads()) this.skip();
    const [native, noble] = [getSecp256k1Backend("native"), getSecp256k1Backend("noble")];
    const [a, b] = [Buffer.alloc(64), Buffer.alloc(64)];
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      const digest = randomBytes(32);
      const recid = native.sign(digest, key, a);
      expect(noble.sign(digest, key, b)).to.equal(recid);
      expect(a.equals(b)).to.equal(true);
      // noble's own sign (what ethers calls) agrees too.
      const reference = secp256k1.sign(digest, key, { lowS: true });
      expect(a.toString("hex")).to.equal(reference.toCompactHex());
      const publicKey = Buffer.from(native.publicKey(key));
      expect(Buffer.from(noble.publicKey(key)).equals(publicKey)).to.equal(true);
      expect(Buffer.from(native.recover(a, recid, digest)!).equals(publicKey)).to.equal(true);
      expect(Buffer.from(noble.recover(a, recid, digest)!).equals(publicKey)).to.equal(true);
      for (const backend of [native, noble]) {
        const prepared = backend.prepareKey(publicKey);
        expect(backend.matches(prepared, a, recid, digest)).to.equal(true);
        expect(backend.matches(prepared, a, recid ^ 1, digest)).to.equal(false);
        expect(backend.matches(prepared, a, recid, randomBytes(32))).to.equal(false);
      }
    }
  });
});
