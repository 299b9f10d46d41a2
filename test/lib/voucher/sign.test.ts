import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Signature, TypedDataEncoder, Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { Trx } from "tronweb";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import {
  InvalidAmountError,
  InvalidChannelIdError,
  InvalidDeadlineError,
  InvalidPrivateKeyError,
} from "../../../src/voucher/errors";
import { escrowDomainSeparator } from "../../../src/voucher/escrowDomainSeparator";
import { hashCloseAuthorization, hashCloseConsent, hashVoucher } from "../../../src/voucher/hashVoucher";
import type { Secp256k1BackendName } from "../../../src/voucher/secp256k1Backend";
import { toTronAddress } from "../../../src/voucher/toTronAddress";
import {
  CLOSE_AUTHORIZATION_TYPEHASH,
  CLOSE_CONSENT_TYPEHASH,
  EIP712_DOMAIN_TYPEHASH,
  VOUCHER_TYPEHASH,
} from "../../../src/voucher/typeHashes";
import {
  CLOSE_AUTHORIZATION_TYPES,
  CLOSE_CONSENT_TYPES,
  escrowDomain,
  VOUCHER_TYPES,
} from "../../../src/voucher/typedData";

const SHASTA = 2494104990n;
const BACKENDS: Secp256k1BackendName[] = ["native", "noble"];
const hex = (bytes: Uint8Array) => "0x" + Buffer.from(bytes).toString("hex");
const randomId = () => "0x" + randomBytes(32).toString("hex");
// Wallet.createRandom() derives from a mnemonic (PBKDF2): far slower than a random key.
const randomWallet = () => new Wallet("0x" + randomBytes(32).toString("hex"));
const randomAddress = () => getAddress("0x" + randomBytes(20).toString("hex"));
/** Uniform below 2^112 (BTT's supply needs ~110 bits), with small values mixed in. */
const randomAmount = (i: number) => BigInt("0x" + randomBytes(14).toString("hex")) >> BigInt(i % 112);

describe("voucher/createVoucherSigner", function () {
  it("hashes the types and domain as ethers' TypedDataEncoder does", function () {
    expect(hex(VOUCHER_TYPEHASH)).to.equal(
      keccak256(toUtf8Bytes(TypedDataEncoder.from(VOUCHER_TYPES).encodeType("Voucher"))),
    );
    expect(hex(CLOSE_CONSENT_TYPEHASH)).to.equal(
      keccak256(toUtf8Bytes(TypedDataEncoder.from(CLOSE_CONSENT_TYPES).encodeType("CloseConsent"))),
    );
    expect(hex(CLOSE_AUTHORIZATION_TYPEHASH)).to.equal(
      keccak256(toUtf8Bytes(TypedDataEncoder.from(CLOSE_AUTHORIZATION_TYPES).encodeType("CloseAuthorization"))),
    );
    expect(hex(EIP712_DOMAIN_TYPEHASH)).to.equal(
      keccak256(toUtf8Bytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
    );
    for (const chainId of [1n, 31337n, SHASTA, 728126428n, 3448148188n, (0xabcdn << 32n) | SHASTA]) {
      const escrow = randomAddress();
      expect(escrowDomainSeparator({ chainId, escrow })).to.equal(
        TypedDataEncoder.hashDomain(escrowDomain(chainId, escrow)),
      );
    }
  });

  it("masks the chain id to its low 4 bytes (TIP-712)", function () {
    const escrow = randomAddress();
    expect(escrowDomainSeparator({ chainId: (0x1234n << 32n) | SHASTA, escrow })).to.equal(
      escrowDomainSeparator({ chainId: SHASTA, escrow }),
    );
  });

  it("computes the digests ethers computes for 300 random vouchers and consents", function () {
    for (let i = 0; i < 300; i++) {
      const escrow = randomAddress();
      const domain = escrowDomain(SHASTA, escrow);
      const channelId = randomId();
      const amount = randomAmount(i);
      expect(hashVoucher({ chainId: SHASTA, escrow, channelId, cumulativeAmount: amount })).to.equal(
        TypedDataEncoder.hash(domain, VOUCHER_TYPES, { channelId, cumulativeAmount: amount }),
      );
      const deadline = BigInt(i) * 1_000_003n;
      expect(hashCloseConsent({ chainId: SHASTA, escrow, channelId, finalAmount: amount, deadline })).to.equal(
        TypedDataEncoder.hash(domain, CLOSE_CONSENT_TYPES, { channelId, finalAmount: amount, deadline }),
      );
      expect(hashCloseAuthorization({ chainId: SHASTA, escrow, channelId, finalAmount: amount, deadline })).to.equal(
        TypedDataEncoder.hash(domain, CLOSE_AUTHORIZATION_TYPES, { channelId, finalAmount: amount, deadline }),
      );
    }
  });

  for (const backend of BACKENDS) {
    describe(`${backend} backend`, function () {
      it("signs 150 random vouchers (new key, escrow and channel each) byte-identically to ethers", async function () {
        for (let i = 0; i < 150; i++) {
          const wallet = randomWallet();
          const escrow = randomAddress();
          const signer = createVoucherSigner({ privateKey: wallet.privateKey, chainId: SHASTA, escrow, backend });
          expect(signer.backend).to.equal(backend);
          expect(signer.address).to.equal(wallet.address);
          const value = { channelId: randomId(), cumulativeAmount: randomAmount(i) };
          const expected = await wallet.signTypedData(escrowDomain(SHASTA, escrow), VOUCHER_TYPES, value);
          const { signature, compact } = signer.signVoucher(value);
          expect(signature).to.equal(expected);
          expect(compact).to.equal(Signature.from(expected).compactSerialized);
        }
      });

      it("signs 150 random vouchers byte-identically to TronWeb's Trx._signTypedData (escrow in base58)", function () {
        for (let i = 0; i < 150; i++) {
          const privateKey = randomBytes(32).toString("hex"); // TronWeb's key form: no 0x
          const escrow = toTronAddress(randomAddress());
          const signer = createVoucherSigner({ privateKey, chainId: SHASTA, escrow, backend });
          const value = { channelId: randomId(), cumulativeAmount: randomAmount(i) };
          const domain = { ...escrowDomain(SHASTA, escrow), verifyingContract: escrow };
          expect(signer.signVoucher(value).signature).to.equal(
            Trx._signTypedData(domain, VOUCHER_TYPES, value, privateKey),
          );
        }
      });

      it("signs close consents byte-identically to ethers and TronWeb", async function () {
        for (let i = 0; i < 50; i++) {
          const wallet = randomWallet();
          const escrow = randomAddress();
          const signer = createVoucherSigner({ privateKey: wallet.privateKey, chainId: SHASTA, escrow, backend });
          const value = { channelId: randomId(), finalAmount: randomAmount(i), deadline: 1_700_000_000n + BigInt(i) };
          const domain = escrowDomain(SHASTA, escrow);
          const { signature } = signer.signCloseConsent(value);
          expect(signature).to.equal(await wallet.signTypedData(domain, CLOSE_CONSENT_TYPES, value));
          expect(signature).to.equal(
            Trx._signTypedData(domain, CLOSE_CONSENT_TYPES, value, wallet.privateKey.slice(2)),
          );
          const authorization = signer.signCloseAuthorization(value).signature;
          expect(authorization).to.equal(await wallet.signTypedData(domain, CLOSE_AUTHORIZATION_TYPES, value));
          expect(authorization).not.to.equal(signature);
        }
      });

      it("signs the amount edges 0, 1, 2^112 - 1, 2^112 and 2^256 - 1 as ethers does", async function () {
        const wallet = randomWallet();
        const escrow = randomAddress();
        const signer = createVoucherSigner({ privateKey: wallet.privateKey, chainId: SHASTA, escrow, backend });
        for (const cumulativeAmount of [0n, 1n, (1n << 112n) - 1n, 1n << 112n, (1n << 256n) - 1n]) {
          const value = { channelId: randomId(), cumulativeAmount };
          expect(signer.signVoucher(value).signature).to.equal(
            await wallet.signTypedData(escrowDomain(SHASTA, escrow), VOUCHER_TYPES, value),
          );
        }
      });
    });
  }

  it("produces the same bytes on both backends, low s and v in {27, 28}", function () {
    const half = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
    for (let i = 0; i < 100; i++) {
      const privateKey = randomBytes(32);
      const escrow = randomAddress();
      const [a, b] = BACKENDS.map((backend) => createVoucherSigner({ privateKey, chainId: SHASTA, escrow, backend }));
      const value = { channelId: randomBytes(32), cumulativeAmount: randomAmount(i) };
      const sa = a.signVoucher(value);
      expect(b.signVoucher(value)).to.deep.equal(sa);
      expect(BigInt("0x" + sa.signature.slice(66, 130)) <= half).to.equal(true);
      expect(["1b", "1c"]).to.include(sa.signature.slice(130));
    }
  });

  it("accepts keys as 0x-hex, bare hex and bytes, and channel ids as hex or bytes", function () {
    const key = randomBytes(32);
    const escrow = randomAddress();
    const channelId = randomBytes(32);
    const signatures = [hex(key), key.toString("hex"), key, "0X" + key.toString("hex").toUpperCase()].flatMap((k) => {
      const signer = createVoucherSigner({ privateKey: k, chainId: SHASTA, escrow });
      return [hex(channelId), channelId, "0x" + channelId.toString("hex").toUpperCase()].map(
        (id) => signer.signVoucher({ channelId: id, cumulativeAmount: 5n }).signature,
      );
    });
    expect(new Set(signatures).size).to.equal(1);
  });

  it("exposes the signer's address, domain and TIP-712 chain id", function () {
    const wallet = randomWallet();
    const escrow = toTronAddress(randomAddress());
    const signer = createVoucherSigner({ privateKey: wallet.privateKey, chainId: (7n << 32n) | SHASTA, escrow });
    expect(signer.address).to.equal(wallet.address);
    expect(signer.chainId).to.equal(SHASTA);
    expect(signer.escrow).to.equal(getAddress(signer.escrow));
    expect(toTronAddress(signer.escrow)).to.equal(escrow);
    expect(signer.domainSeparator).to.equal(escrowDomainSeparator({ chainId: SHASTA, escrow }));
  });

  it("refuses bad keys without echoing them", function () {
    const escrow = randomAddress();
    const order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
    for (const privateKey of ["", "0x00", "0".repeat(64), order, "zz".repeat(32), new Uint8Array(31)]) {
      expect(() => createVoucherSigner({ privateKey, chainId: 1, escrow }))
        .to.throw(InvalidPrivateKeyError)
        .with.property("message")
        .that.does.not.include(order);
    }
  });

  it("throws typed errors for a malformed channel id or amount (the signer's own input)", function () {
    const signer = createVoucherSigner({ privateKey: randomBytes(32), chainId: 1, escrow: randomAddress() });
    for (const channelId of ["0x1234", randomId() + "00", "0x" + "g".repeat(64), new Uint8Array(33)]) {
      expect(() => signer.signVoucher({ channelId, cumulativeAmount: 1n })).to.throw(InvalidChannelIdError);
    }
    for (const amount of [-1n, 1n << 256n, 5 as unknown as bigint, "5" as unknown as bigint]) {
      expect(() => signer.signVoucher({ channelId: randomId(), cumulativeAmount: amount })).to.throw(
        InvalidAmountError,
      );
      expect(() => signer.signCloseConsent({ channelId: randomId(), finalAmount: amount, deadline: 1n })).to.throw(
        /finalAmount/,
      );
      expect(() => signer.signCloseConsent({ channelId: randomId(), finalAmount: 1n, deadline: amount })).to.throw(
        InvalidDeadlineError,
      );
    }
  });
});
