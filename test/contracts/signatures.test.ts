import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import {
  MaxUint256,
  Signature,
  TypedDataEncoder,
  Wallet,
  ZeroAddress,
  concat,
  getBytes,
  hexlify,
  id as keccakText,
  recoverAddress,
  toBeHex,
  verifyTypedData,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import hre from "hardhat";
import { TronWeb, Trx, utils as tronUtils } from "tronweb";
import {
  CLOSE_AUTHORIZATION_TYPES,
  CLOSE_CONSENT_TYPES,
  ESCROW_DOMAIN_NAME,
  ESCROW_DOMAIN_VERSION,
  VOUCHER_TYPES,
  channelId,
  escrowDomain,
  type ChannelKey,
} from "../../src/voucher/typedData";
import type { ChannelEscrow } from "../../typechain-types";
import { DEADLINE, BTT, MAX_WINDOW, MIN_WINDOW, escrowFixture, makeKey, type Escrow } from "./fixture";

const { ethers } = hre;

/** secp256k1's group order: s and n - s both verify, only s <= n/2 is accepted. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SHASTA = 2494104990n;
const MAINNET = 728126428n;
const NILE = 3448148188n;

/** Hot keys with known private keys, so TronWeb can sign with them (Hardhat's signers expose none). */
const hotKey = new Wallet(keccakText("seedpay signatures: hot key"));
const otherKey = new Wallet(keccakText("seedpay signatures: someone else"));
/** A payee that is also its channels' signer: one key signing both vouchers and close consents. */
const dualKey = new Wallet(keccakText("seedpay signatures: payee and signer"));

/** Offline is fine: typed-data signing never touches the node. */
const tronWeb = new TronWeb({ fullHost: "http://127.0.0.1:1" });

type Fixture = Escrow & {
  /** A second escrow over the same token: same channel ids, different domain. */
  twin: ChannelEscrow;
  twinAddress: string;
  domain: TypedDataDomain;
};

async function signaturesFixture(): Promise<Fixture> {
  const e = await escrowFixture();
  const twin = await ethers.deployContract("ChannelEscrow", [await e.token.getAddress(), MIN_WINDOW, MAX_WINDOW]);
  const twinAddress = await twin.getAddress();
  await e.token.connect(e.payer).approve(twinAddress, ethers.MaxUint256);
  return { ...e, twin, twinAddress, domain: escrowDomain(e.chainId, e.escrowAddress) };
}

/** Opens a channel signed by `signer` (default: the hot key) with 100 tBTT. */
async function open(f: Fixture, overrides: Partial<ChannelKey> = {}, on: ChannelEscrow = f.escrow) {
  const key = makeKey(f, { signer: hotKey.address, ...overrides });
  await on.connect(f.payer).open(key, 100n * BTT);
  return { key, id: channelId(key) };
}

const voucher = (id: string, amount: bigint) => ({ channelId: id, cumulativeAmount: amount });
const consent = (id: string, amount: bigint) => ({ channelId: id, finalAmount: amount, deadline: DEADLINE });

/** TronWeb's private-key form: 64 hex digits, no 0x. */
const tronKey = (w: Wallet) => w.privateKey.slice(2);

function tronSign(
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  value: Record<string, unknown>,
  w: Wallet,
): string {
  return Trx._signTypedData(domain, types, value, tronKey(w));
}

/** The signature's parts as the contract reads them. */
function split(signature: string): { r: string; s: bigint; v: number } {
  const b = getBytes(signature);
  return { r: hexlify(b.subarray(0, 32)), s: BigInt(hexlify(b.subarray(32, 64))), v: b[64] };
}

function join(r: string, s: bigint, v: number): string {
  return concat([r, toBeHex(s, 32), new Uint8Array([v])]);
}

/** The ecrecover precompile itself, which (unlike ethers) takes a high s. */
async function ecrecover(digest: string, v: number, r: string, s: bigint): Promise<string> {
  const out = await ethers.provider.call({
    to: "0x0000000000000000000000000000000000000001",
    data: concat([digest, toBeHex(v, 32), r, toBeHex(s, 32)]),
  });
  return ethers.getAddress(ethers.dataSlice(out, 12));
}

/** The first amount at or after `from` whose hot-key voucher has this v (each parity is half the amounts). */
async function amountWithV(f: Fixture, id: string, from: bigint, v: 27 | 28): Promise<[bigint, string]> {
  for (let amount = from; ; amount++) {
    const sig = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, amount));
    if (split(sig).v === v) return [amount, sig];
  }
}

describe("signatures", () => {
  describe("TronWeb and ethers", () => {
    it("sign the same voucher byte-identically, whichever TronWeb entry point and address form", async () => {
      const f = await loadFixture(signaturesFixture);
      const id = channelId(makeKey(f, { signer: hotKey.address }));
      const tronDomains: TypedDataDomain[] = [
        f.domain,
        // TIP-712 puts TRON addresses in as their 20 bytes: base58 and 41-prefixed hex are the same contract.
        { ...f.domain, verifyingContract: TronWeb.address.fromHex(f.escrowAddress) },
        { ...f.domain, verifyingContract: TronWeb.address.toHex(f.escrowAddress) },
        { ...f.domain, chainId: Number(SHASTA) },
      ];
      for (const amount of [0n, 1n, 123_456_789n * BTT, (1n << 112n) - 1n, MaxUint256]) {
        const value = voucher(id, amount);
        const ours = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, value);
        expect(getBytes(ours)).to.have.length(65);
        for (const domain of tronDomains) {
          expect(tronSign(domain, VOUCHER_TYPES, value, hotKey), `static, amount ${amount}`).to.equal(ours);
          expect(tronWeb.trx._signTypedData(domain, VOUCHER_TYPES, value, tronKey(hotKey))).to.equal(ours);
          expect(Trx.signTypedData(domain, VOUCHER_TYPES, value, tronKey(hotKey))).to.equal(ours);
        }
      }
    });

    it("sign the same close consent byte-identically", async () => {
      const f = await loadFixture(signaturesFixture);
      const id = channelId(makeKey(f));
      for (const amount of [0n, 7n, MaxUint256]) {
        const value = consent(id, amount);
        const ours = await dualKey.signTypedData(f.domain, CLOSE_CONSENT_TYPES, value);
        expect(tronSign(f.domain, CLOSE_CONSENT_TYPES, value, dualKey)).to.equal(ours);
      }
    });

    it("hash to the escrow's voucherDigest, closeConsentDigest and closeAuthorizationDigest", async () => {
      const f = await loadFixture(signaturesFixture);
      const id = channelId(makeKey(f));
      for (const amount of [0n, 1n, 10n ** 30n, MaxUint256]) {
        const v = TypedDataEncoder.hash(f.domain, VOUCHER_TYPES, voucher(id, amount));
        expect(await f.escrow.voucherDigest(id, amount)).to.equal(v);
        expect(tronUtils.typedData.hashTypedData(f.domain, VOUCHER_TYPES, voucher(id, amount))).to.equal(v);
        const c = TypedDataEncoder.hash(f.domain, CLOSE_CONSENT_TYPES, consent(id, amount));
        expect(await f.escrow.closeConsentDigest(id, amount, DEADLINE)).to.equal(c);
        expect(c).to.not.equal(v);
        const a = TypedDataEncoder.hash(f.domain, CLOSE_AUTHORIZATION_TYPES, consent(id, amount));
        expect(await f.escrow.closeAuthorizationDigest(id, amount, DEADLINE)).to.equal(a);
        // The payee's consent and the payer's authorisation of the same close are different messages.
        expect(a).to.not.equal(c);
      }
      // The same id and amount in the twin escrow is another digest.
      expect(await f.twin.voucherDigest(id, 1n)).to.equal(
        TypedDataEncoder.hash(escrowDomain(f.chainId, f.twinAddress), VOUCHER_TYPES, voucher(id, 1n)),
      );
      expect(await f.twin.voucherDigest(id, 1n)).to.not.equal(await f.escrow.voucherDigest(id, 1n));
    });

    it("the escrow accepts a TronWeb-made voucher and an ethers-made one on the same channel", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const byTron = tronSign(f.domain, VOUCHER_TYPES, voucher(id, 10n * BTT), hotKey);
      await expect(f.escrow.claim(key, 10n * BTT, byTron))
        .to.emit(f.escrow, "ChannelClaimed")
        .withArgs(id, 10n * BTT);
      const byEthers = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, 25n * BTT));
      await expect(f.escrow.claim(key, 25n * BTT, byEthers))
        .to.emit(f.escrow, "ChannelClaimed")
        .withArgs(id, 25n * BTT);
      expect(await f.escrow.balanceOf(f.payee.address)).to.equal(25n * BTT);
    });

    it("TronWeb verifies an ethers-made signature and ethers recovers a TronWeb-made one", async () => {
      const f = await loadFixture(signaturesFixture);
      const id = channelId(makeKey(f, { signer: hotKey.address }));
      const value = voucher(id, 42n);
      const byEthers = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, value);
      const signerBase58 = TronWeb.address.fromHex(hotKey.address);
      expect(Trx.verifyTypedData(f.domain, VOUCHER_TYPES, value, byEthers, signerBase58)).to.equal(true);
      expect(Trx.verifyTypedData(f.domain, VOUCHER_TYPES, value, byEthers, TronWeb.address.toHex(hotKey.address))).to.be
        .true;
      expect(tronWeb.trx.verifyTypedData(f.domain, VOUCHER_TYPES, value, byEthers, signerBase58)).to.equal(true);
      expect(tronUtils.typedData.verifyTypedData(f.domain, VOUCHER_TYPES, value, byEthers)).to.equal(hotKey.address);
      // Another signer, amount or escrow does not verify.
      const otherBase58 = TronWeb.address.fromHex(otherKey.address);
      expect(Trx.verifyTypedData(f.domain, VOUCHER_TYPES, value, byEthers, otherBase58)).to.equal(false);
      expect(() => tronWeb.trx.verifyTypedData(f.domain, VOUCHER_TYPES, value, byEthers, otherBase58)).to.throw(
        "Signature does not match",
      );
      expect(Trx.verifyTypedData(f.domain, VOUCHER_TYPES, voucher(id, 43n), byEthers, signerBase58)).to.equal(false);
      const twinDomain = escrowDomain(f.chainId, f.twinAddress);
      expect(Trx.verifyTypedData(twinDomain, VOUCHER_TYPES, value, byEthers, signerBase58)).to.equal(false);

      const byTron = tronSign(f.domain, VOUCHER_TYPES, value, hotKey);
      expect(verifyTypedData(f.domain, VOUCHER_TYPES, value, byTron)).to.equal(hotKey.address);
    });

    it("TronWeb signs whatever chain id it is given: only the 32-bit masked id (escrowDomain) is accepted", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      // On TVM block.chainid carries more than the low 4 bytes; TIP-712 keeps only those.
      const tvmChainId = (0x1234abcdn << 32n) | SHASTA;
      expect(escrowDomain(tvmChainId, f.escrowAddress).chainId).to.equal(SHASTA);
      const unmasked = { ...f.domain, chainId: tvmChainId };
      const bad = tronSign(unmasked, VOUCHER_TYPES, voucher(id, 5n), hotKey);
      const recovered = recoverAddress(TypedDataEncoder.hash(f.domain, VOUCHER_TYPES, voucher(id, 5n)), bad);
      await expect(f.escrow.claim(key, 5n, bad))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(id, hotKey.address, recovered);
      const good = tronSign(escrowDomain(tvmChainId, f.escrowAddress), VOUCHER_TYPES, voucher(id, 5n), hotKey);
      await expect(f.escrow.claim(key, 5n, good))
        .to.emit(f.escrow, "ChannelClaimed")
        .withArgs(id, 5n);
    });
  });

  describe("domain", () => {
    it("eip712Domain reports the TIP-712 domain: name, version, 32-bit chain id, this escrow", async () => {
      const f = await loadFixture(signaturesFixture);
      expect(f.chainId).to.equal(SHASTA);
      const d = await f.escrow.eip712Domain();
      expect(d.fields).to.equal("0x0f");
      expect(d.name).to.equal(ESCROW_DOMAIN_NAME).and.to.equal("Seedpay ChannelEscrow");
      expect(d.version).to.equal(ESCROW_DOMAIN_VERSION).and.to.equal("2");
      expect(d.chainId).to.equal(f.chainId & 0xffffffffn);
      expect(d.verifyingContract).to.equal(f.escrowAddress);
      expect(d.salt).to.equal(ethers.ZeroHash);
      expect(d.extensions).to.deep.equal([]);
      // ERC-5267 consumers rebuild the domain from these fields and get the escrow's digest.
      const rebuilt = { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
      const id = channelId(makeKey(f));
      expect(TypedDataEncoder.hash(rebuilt, VOUCHER_TYPES, voucher(id, 9n))).to.equal(
        await f.escrow.voucherDigest(id, 9n),
      );
      expect((await f.twin.eip712Domain()).verifyingContract).to.equal(f.twinAddress);
    });

    it("rebuilds the separator when block.chainid differs from the deployment's (a chain fork)", async () => {
      const f = await loadFixture(signaturesFixture);
      // Emulate a fork: the escrow's runtime code with its immutable deployment chain id set to 1,
      // running on this chain. The cached separator (chain 1) must not be used.
      const code = await ethers.provider.getCode(f.escrowAddress);
      const cachedId = toBeHex(SHASTA, 32).slice(2);
      expect(code.split(cachedId).length - 1, "the immutable chain id in the runtime code").to.be.greaterThan(0);
      const forked = "0xf0c0000000000000000000000000000000000001";
      await ethers.provider.send("hardhat_setCode", [forked, code.replaceAll(cachedId, toBeHex(1n, 32).slice(2))]);
      const escrow = f.escrow.attach(forked) as ChannelEscrow;
      await f.token.connect(f.payer).approve(forked, ethers.MaxUint256);
      const { key, id } = await open(f, {}, escrow);

      const here = escrowDomain(f.chainId, forked);
      expect(await escrow.voucherDigest(id, 3n)).to.equal(TypedDataEncoder.hash(here, VOUCHER_TYPES, voucher(id, 3n)));
      const stale = { ...here, chainId: 1n };
      const staleSig = await hotKey.signTypedData(stale, VOUCHER_TYPES, voucher(id, 3n));
      await expect(escrow.claim(key, 3n, staleSig))
        .to.be.revertedWithCustomError(escrow, "WrongSigner")
        .withArgs(id, hotKey.address, recoverAddress(await escrow.voucherDigest(id, 3n), staleSig));
      await expect(escrow.claim(key, 3n, await hotKey.signTypedData(here, VOUCHER_TYPES, voucher(id, 3n))))
        .to.emit(escrow, "ChannelClaimed")
        .withArgs(id, 3n);
    });
  });

  describe("accepted encodings", () => {
    it("accepts v = 27/28, v = 0/1 and the 64-byte EIP-2098 form, for both parities", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const forms: [string, (sig: string) => string][] = [
        ["v = 27/28", (sig) => sig],
        ["v = 0/1", (sig) => join(split(sig).r, split(sig).s, split(sig).v - 27)],
        ["EIP-2098", (sig) => Signature.from(sig).compactSerialized],
      ];
      let next = 1n;
      for (const v of [27, 28] as const) {
        for (const [name, encode] of forms) {
          const [amount, sig] = await amountWithV(f, id, next, v);
          const encoded = encode(sig);
          expect(getBytes(encoded), name).to.have.length(name === "EIP-2098" ? 64 : 65);
          await expect(f.escrow.claim(key, amount, encoded), `${name}, v = ${v}`)
            .to.emit(f.escrow, "ChannelClaimed")
            .withArgs(id, amount);
          next = amount + 1n;
        }
      }
    });
  });

  describe("refused signatures", () => {
    it("the libraries' errors are part of the escrow's ABI, so clients can decode them", async () => {
      const f = await loadFixture(signaturesFixture);
      const abi: [string, string][] = [
        ["SignatureLengthInvalid", "SignatureLengthInvalid(uint256)"],
        ["SignatureSMalleable", "SignatureSMalleable(bytes32)"],
        ["TokenAmountMismatch", "TokenAmountMismatch(uint256,uint256)"],
        ["TokenTransferFailed", "TokenTransferFailed(address,uint256)"],
        ["TokenBalanceUnreadable", "TokenBalanceUnreadable(address)"],
        ["TokenPullFailed", "TokenPullFailed(address,uint256)"],
      ];
      for (const [name, signature] of abi) {
        expect(f.escrow.interface.getError(name)?.format("sighash"), name).to.equal(signature);
      }
    });

    it("refuses the high-s twin of a valid signature (both parities, 65-byte forms) with SignatureSMalleable(s)", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key } = await open(f);
      const id = channelId(key);
      for (const v of [27, 28] as const) {
        const [amount, sig] = await amountWithV(f, id, 1n, v);
        const { r, s } = split(sig);
        const highS = N - s;
        expect(highS > N / 2n).to.equal(true);
        // (r, n - s) with the other v recovers the same key: exactly what malleability means.
        const flipped = 55 - v;
        const twin = join(r, highS, flipped);
        expect(await ecrecover(await f.escrow.voucherDigest(id, amount), flipped, r, highS)).to.equal(hotKey.address);
        for (const encoded of [twin, join(r, highS, flipped - 27)]) {
          await expect(f.escrow.claim(key, amount, encoded))
            .to.be.revertedWithCustomError(f.escrow, "SignatureSMalleable")
            .withArgs(toBeHex(highS, 32));
        }
      }
    });

    it("a high s cannot be expressed in the 64-byte form: its top bit reads as v and another key recovers", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const [amount, sig] = await amountWithV(f, id, 1n, 27);
      const { r, s } = split(sig);
      const vs = N - s; // top bit set
      const readS = vs & ((1n << 255n) - 1n);
      const digest = await f.escrow.voucherDigest(id, amount);
      const recovered = recoverAddress(digest, { r, s: toBeHex(readS, 32), v: 28 });
      expect(recovered).to.not.equal(hotKey.address);
      await expect(f.escrow.claim(key, amount, concat([r, toBeHex(vs, 32)])))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(id, hotKey.address, recovered);
    });

    it("refuses lengths other than 64 and 65 with SignatureLengthInvalid(length)", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const sig = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, 5n));
      const cases: [string, string][] = [
        ["0 bytes", "0x"],
        ["1 byte", "0x1b"],
        ["63 bytes", hexlify(getBytes(sig).subarray(0, 63))],
        ["66 bytes", concat([sig, "0x00"])],
        ["66 bytes (v repeated)", concat([sig, "0x1b"])],
        ["128 bytes", concat([sig.slice(0, 130), sig.slice(0, 130)])],
      ];
      for (const [name, encoded] of cases) {
        await expect(f.escrow.claim(key, 5n, encoded), name)
          .to.be.revertedWithCustomError(f.escrow, "SignatureLengthInvalid")
          .withArgs(getBytes(encoded).length);
      }
      await expect(f.escrow.claim(key, 5n, sig)).to.emit(f.escrow, "ChannelClaimed");
    });

    it("refuses a voucher signed by another key with WrongSigner(id, signer, recovered)", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const sig = await otherKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, 5n));
      await expect(f.escrow.claim(key, 5n, sig))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(id, hotKey.address, otherKey.address);
      // The payer's own wallet is not the signer either.
      const byPayer = await f.payer.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, 5n));
      await expect(f.escrow.claim(key, 5n, byPayer))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(id, hotKey.address, f.payer.address);
    });

    it("refuses a voucher replayed on another channel of the same signer", async () => {
      const f = await loadFixture(signaturesFixture);
      const a = await open(f);
      const b = await open(f); // same payer, payee and signer; another salt
      const sig = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(a.id, 5n));
      await expect(f.escrow.claim(a.key, 5n, sig)).to.emit(f.escrow, "ChannelClaimed");
      await expect(f.escrow.claim(b.key, 5n, sig))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(b.id, hotKey.address, recoverAddress(await f.escrow.voucherDigest(b.id, 5n), sig));
    });

    it("refuses a voucher replayed on another escrow holding a channel with the same id", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      await f.twin.connect(f.payer).open(key, 100n * BTT); // same key, so the same id, in the twin
      expect(await f.twin.channelId(key)).to.equal(id);
      const sig = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, 5n));
      await expect(f.twin.claim(key, 5n, sig))
        .to.be.revertedWithCustomError(f.twin, "WrongSigner")
        .withArgs(id, hotKey.address, recoverAddress(await f.twin.voucherDigest(id, 5n), sig));
      await expect(f.escrow.claim(key, 5n, sig)).to.emit(f.escrow, "ChannelClaimed");
      const twinSig = await hotKey.signTypedData(
        escrowDomain(f.chainId, f.twinAddress),
        VOUCHER_TYPES,
        voucher(id, 5n),
      );
      await expect(f.twin.claim(key, 5n, twinSig)).to.emit(f.twin, "ChannelClaimed");
    });

    it("refuses vouchers signed for another chain id (mainnet, Nile, the unmasked id)", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const digest = await f.escrow.voucherDigest(id, 5n);
      for (const chainId of [MAINNET, NILE, 1n, SHASTA + (1n << 32n)]) {
        const sig = await hotKey.signTypedData({ ...f.domain, chainId }, VOUCHER_TYPES, voucher(id, 5n));
        await expect(f.escrow.claim(key, 5n, sig), `chain ${chainId}`)
          .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
          .withArgs(id, hotKey.address, recoverAddress(digest, sig));
      }
    });

    it("refuses vouchers signed for another domain name or version (version 1 included)", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const digest = await f.escrow.voucherDigest(id, 5n);
      for (const domain of [
        { ...f.domain, name: "Seedpay ChannelEscrow " },
        { ...f.domain, version: "1" },
        { ...f.domain, version: "3" },
      ]) {
        const sig = await hotKey.signTypedData(domain, VOUCHER_TYPES, voucher(id, 5n));
        await expect(f.escrow.claim(key, 5n, sig))
          .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
          .withArgs(id, hotKey.address, recoverAddress(digest, sig));
      }
    });

    it("refuses a version-1 close consent (no deadline, old domain) however it is submitted", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f, { payee: dualKey.address });
      const v1Types = { CloseConsent: CLOSE_CONSENT_TYPES.CloseConsent.slice(0, 2) };
      const old = await dualKey.signTypedData({ ...f.domain, version: "1" }, v1Types, {
        channelId: id,
        finalAmount: 5n,
      });
      const digest = await f.escrow.closeConsentDigest(id, 5n, DEADLINE);
      await expect(f.escrow.connect(f.payer).closeWithConsent(key, 5n, DEADLINE, old, "0x"))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(id, dualKey.address, recoverAddress(digest, old));
    });

    it("reports WrongSigner(id, signer, 0x0) for signatures that recover no key", async () => {
      const f = await loadFixture(signaturesFixture);
      const { key, id } = await open(f);
      const sig = await hotKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, 5n));
      const { r, s, v } = split(sig);
      const zero = ethers.ZeroHash;
      const cases: [string, string][] = [
        ["r = 0", join(zero, s, v)],
        ["r = n (not below the group order)", join(toBeHex(N, 32), s, v)],
        ["r = 2^256 - 1", join(toBeHex(MaxUint256, 32), s, v)],
        ["s = 0", join(r, 0n, v)],
        ["all zero, 65 bytes", join(zero, 0n, 0)],
        ["all zero, 64 bytes", concat([zero, zero])],
        ["v = 2", join(r, s, 2)],
        ["v = 29", join(r, s, 29)],
        ["v = 255", join(r, s, 255)],
      ];
      for (const [name, encoded] of cases) {
        await expect(f.escrow.claim(key, 5n, encoded), name)
          .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
          .withArgs(id, hotKey.address, ZeroAddress);
      }
    });

    it("keeps voucher and close-consent signatures apart, even from one key in both roles", async () => {
      const f = await loadFixture(signaturesFixture);
      // The payee's own key also signs the channel's vouchers.
      const { key, id } = await open(f, { payee: dualKey.address, signer: dualKey.address });
      const voucherDigest = await f.escrow.voucherDigest(id, 5n);
      const consentDigest = await f.escrow.closeConsentDigest(id, 5n, DEADLINE);

      const consentSig = await dualKey.signTypedData(f.domain, CLOSE_CONSENT_TYPES, consent(id, 5n));
      await expect(f.escrow.claim(key, 5n, consentSig))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(id, dualKey.address, recoverAddress(voucherDigest, consentSig));
      // The hot key's consent-shaped signature is no voucher on its own channel either.
      const hot = await open(f);
      const hotConsent = await hotKey.signTypedData(f.domain, CLOSE_CONSENT_TYPES, consent(hot.id, 5n));
      await expect(f.escrow.claim(hot.key, 5n, hotConsent))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(hot.id, hotKey.address, recoverAddress(await f.escrow.voucherDigest(hot.id, 5n), hotConsent));

      const voucherSig = await dualKey.signTypedData(f.domain, VOUCHER_TYPES, voucher(id, 5n));
      await expect(f.escrow.connect(f.payer).closeWithConsent(key, 5n, DEADLINE, voucherSig, "0x"))
        .to.be.revertedWithCustomError(f.escrow, "WrongSigner")
        .withArgs(id, dualKey.address, recoverAddress(consentDigest, voucherSig));

      // Each in its own role is accepted.
      await expect(f.escrow.claim(key, 5n, voucherSig))
        .to.emit(f.escrow, "ChannelClaimed")
        .withArgs(id, 5n);
      await expect(f.escrow.connect(f.payer).closeWithConsent(key, 5n, DEADLINE, consentSig, "0x"))
        .to.emit(f.escrow, "ChannelClosed")
        .withArgs(id, 5n, 100n * BTT - 5n);
    });
  });
});
