import { expect } from "chai";
import { SeedpayError } from "../../../src/errors/base";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { createVoucherVerifier } from "../../../src/voucher/createVoucherVerifier";
import {
  InvalidAddressError,
  InvalidAmountError,
  InvalidChainIdError,
  InvalidChannelIdError,
  InvalidPrivateKeyError,
  InvalidSignatureError,
  Secp256k1BackendUnavailableError,
} from "../../../src/voucher/errors";
import { normalizeAddress } from "../../../src/voucher/normalizeAddress";

const ESCROW = "0x" + "ee".repeat(20);
const KEY = "0x" + "11".repeat(32);
const CHANNEL = "0x" + "cc".repeat(32);

/** Runs `fn`, expecting it to throw an instance of `type`; returns the error. */
function caught<T extends Error>(type: new (...args: never[]) => T, fn: () => unknown): T {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    expect(error).to.be.instanceOf(SeedpayError);
    return error as T;
  }
  return expect.fail(`expected ${type.name}`);
}

describe("voucher/errors (text snapshots)", function () {
  it("InvalidAddressError: a mistyped base58 address", function () {
    const error = caught(InvalidAddressError, () => normalizeAddress("TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp5"));
    expect(error.name).to.equal("InvalidAddressError");
    expect(error.shortMessage).to.equal('Address "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp5" is not a TRON or EVM address.');
    expect(error.message).to.equal(
      [
        'Address "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp5" is not a TRON or EVM address.',
        "",
        "Accepted forms:",
        "- TRON base58check: T + 33 characters, e.g. TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4",
        "- TRON hex: 41 + 40 hex digits, e.g. 410000000000000000000000000000000000000001",
        "- EVM hex: 0x + 40 hex digits (mixed case must be a valid EIP-55 checksum)",
        "",
        "Details: base58check checksum mismatch (a mistyped character?)",
      ].join("\n"),
    );
  });

  it("InvalidAddressError: TRON hex with a 0x prefix, and a non-string", function () {
    const error = caught(InvalidAddressError, () =>
      createVoucherSigner({ privateKey: KEY, chainId: 1, escrow: "0x41" + "ab".repeat(20) }),
    );
    expect(error.details).to.equal("TRON hex takes no 0x prefix: drop the 0x");
    expect(error.metaMessages).to.have.length(4);
    const notString = caught(InvalidAddressError, () => normalizeAddress(7 as unknown as string));
    expect(notString.shortMessage).to.equal("Address 7 is not a TRON or EVM address.");
    expect(notString.details).to.equal("not a string");
  });

  it("InvalidPrivateKeyError never shows the key", function () {
    const error = caught(InvalidPrivateKeyError, () =>
      createVoucherSigner({ privateKey: "0xabcd", chainId: 1, escrow: ESCROW }),
    );
    expect(error.message).to.equal(
      [
        "Private key is invalid.",
        "",
        "Pass 32 bytes: a Uint8Array, or 64 hex digits with or without 0x.",
        "The key must be at least 1 and below the secp256k1 curve order.",
        "",
        "Details: expected 64 hex digits, got 4",
      ].join("\n"),
    );
    const zero = caught(InvalidPrivateKeyError, () =>
      createVoucherSigner({ privateKey: new Uint8Array(32), chainId: 1, escrow: ESCROW }),
    );
    expect(zero.details).to.equal("the key is zero or not below the curve order");
    const bytes = caught(InvalidPrivateKeyError, () =>
      createVoucherSigner({ privateKey: new Uint8Array(31), chainId: 1, escrow: ESCROW }),
    );
    expect(bytes.details).to.equal("expected 32 bytes, got 31");
    const nonHex = caught(InvalidPrivateKeyError, () =>
      createVoucherSigner({ privateKey: "zz" + KEY.slice(4), chainId: 1, escrow: ESCROW }),
    );
    expect(nonHex.details).to.equal("it contains non-hex characters");
  });

  it("InvalidChainIdError", function () {
    const error = caught(InvalidChainIdError, () => createVoucherVerifier({ chainId: -1, escrow: ESCROW }));
    expect(error.message).to.equal(
      [
        "Chain id -1 is not a non-negative integer.",
        "",
        "TRON chain ids are the low 4 bytes of the genesis block id:",
        "mainnet 728126428, Shasta 2494104990, Nile 3448148188.",
      ].join("\n"),
    );
    expect(caught(InvalidChainIdError, () => createVoucherVerifier({ chainId: 1.5, escrow: ESCROW })).chainId).to.equal(
      1.5,
    );
  });

  it("InvalidChannelIdError and InvalidAmountError", function () {
    const signer = createVoucherSigner({ privateKey: KEY, chainId: 1, escrow: ESCROW });
    const id = caught(InvalidChannelIdError, () => signer.signVoucher({ channelId: "0x1234", cumulativeAmount: 1n }));
    expect(id.message).to.equal(
      [
        'Channel id "0x1234" is not 32 bytes.',
        "",
        "Pass 0x + 64 hex digits or a 32-byte Uint8Array, as channelId(key) returns.",
      ].join("\n"),
    );
    const bytes = caught(InvalidChannelIdError, () =>
      signer.signVoucher({ channelId: new Uint8Array(31), cumulativeAmount: 1n }),
    );
    expect(bytes.shortMessage).to.equal("Channel id Uint8Array(31) is not 32 bytes.");
    const amount = caught(InvalidAmountError, () => signer.signVoucher({ channelId: CHANNEL, cumulativeAmount: -5n }));
    expect(amount.message).to.equal(
      [
        "cumulativeAmount -5n is not a uint256.",
        "",
        "Pass a bigint from 0 to 2^256 - 1 in the token's base units (BTT has 18 decimals).",
      ].join("\n"),
    );
    const consent = caught(InvalidAmountError, () =>
      signer.signCloseConsent({ channelId: CHANNEL, finalAmount: 1n << 256n, deadline: 0n }),
    );
    expect(consent.shortMessage).to.equal(
      "finalAmount 115792089237316195423570985008687907853269984665640564039457584007913129639936n is not a uint256.",
    );
  });

  it("InvalidSignatureError names the reason and shows a bounded excerpt", function () {
    const verifier = createVoucherVerifier({ chainId: 1, escrow: ESCROW });
    const signature = "0x" + "ff".repeat(65);
    const error = caught(InvalidSignatureError, () =>
      verifier.recoverVoucherSigner({ channelId: CHANNEL, cumulativeAmount: 1n, signature }),
    );
    expect(error.reason).to.equal("malleable");
    expect(error.message).to.equal(
      [
        "Signature recovers no signer: s is in the upper half of the curve order (a malleated signature).",
        "",
        "Expected 65 bytes r ‖ s ‖ v (v = 27/28 or 0/1) or 64 bytes EIP-2098 r ‖ vs, with s in the lower half.",
        "",
        'Details: signature: "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff...',
      ].join("\n"),
    );
    const short = caught(InvalidSignatureError, () =>
      verifier.recoverCloseConsentSigner({ channelId: CHANNEL, finalAmount: 1n, deadline: 0n, signature: "0x1234" }),
    );
    expect(short.shortMessage).to.equal(
      "Signature recovers no signer: the signature is neither 65 bytes (r, s, v) nor 64 bytes (EIP-2098).",
    );
  });

  it("Secp256k1BackendUnavailableError keeps the load failure as its cause", function () {
    const cause = new Error("No native build was found for platform=linux arch=x64");
    const error = new Secp256k1BackendUnavailableError({ cause });
    expect(error.cause).to.equal(cause);
    expect(error.message).to.equal(
      [
        "The native secp256k1 backend did not load.",
        "",
        'Rebuild it (npm rebuild secp256k1), or pass backend: "noble" to use the pure-JS one',
        "(correct, but several times slower: see bench/vouchers.md).",
        "",
        "Details: No native build was found for platform=linux arch=x64",
      ].join("\n"),
    );
  });

  it("SeedpayError without hints or details is its short message", function () {
    const error = new SeedpayError("Something failed.");
    expect(error.message).to.equal("Something failed.");
    expect(error.metaMessages).to.deep.equal([]);
    expect(error.details).to.equal(undefined);
    expect(error).to.be.instanceOf(Error);
  });
});
