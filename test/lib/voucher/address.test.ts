import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { getAddress } from "ethers";
import { TronWeb } from "tronweb";
import { InvalidAddressError } from "../../../src/voucher/errors";
import { escrowDomainSeparator } from "../../../src/voucher/escrowDomainSeparator";
import { normalizeAddress } from "../../../src/voucher/normalizeAddress";
import { toTronAddress } from "../../../src/voucher/toTronAddress";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";

/** BTT's TRC-20 contract on TRON mainnet (DESIGN.md). */
const BTT = "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4";

function randomHex20(): string {
  return randomBytes(20).toString("hex");
}

function rejects(input: unknown, reason: RegExp) {
  try {
    normalizeAddress(input as string);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidAddressError);
    expect((error as InvalidAddressError).details).to.match(reason);
    expect((error as InvalidAddressError).address).to.equal(input);
    return;
  }
  expect.fail(`accepted ${String(input)}`);
}

describe("voucher/normalizeAddress", function () {
  it("maps base58, 41-hex and 0x-hex forms of 200 random addresses to one checksummed 0x address", function () {
    for (let i = 0; i < 200; i++) {
      const hex = randomHex20();
      const checksummed = getAddress("0x" + hex);
      const base58 = TronWeb.address.fromHex("41" + hex);
      expect(normalizeAddress(base58)).to.equal(checksummed);
      expect(normalizeAddress("41" + hex)).to.equal(checksummed);
      expect(normalizeAddress("41" + hex.toUpperCase())).to.equal(checksummed);
      expect(normalizeAddress("0x" + hex)).to.equal(checksummed);
      expect(normalizeAddress(checksummed)).to.equal(checksummed);
      expect(normalizeAddress("0x" + hex.toUpperCase())).to.equal(checksummed);
    }
  });

  it("round-trips base58 <-> hex as TronWeb.address.toHex / fromHex do", function () {
    for (let i = 0; i < 200; i++) {
      const hex = randomHex20();
      const base58 = toTronAddress("0x" + hex);
      expect(base58).to.equal(TronWeb.address.fromHex("41" + hex));
      expect(TronWeb.address.toHex(base58)).to.equal("41" + hex);
      expect(toTronAddress(normalizeAddress(base58))).to.equal(base58);
      expect(toTronAddress("41" + hex)).to.equal(base58);
    }
  });

  it("reads BTT's mainnet address as TronWeb does", function () {
    const hex = TronWeb.address.toHex(BTT);
    expect(hex.slice(0, 2)).to.equal("41");
    expect(normalizeAddress(BTT)).to.equal(getAddress("0x" + hex.slice(2)));
    expect(toTronAddress(normalizeAddress(BTT))).to.equal(BTT);
  });

  it("handles the zero address and all-ones in every form", function () {
    for (const hex of ["0".repeat(40), "f".repeat(40)]) {
      const base58 = TronWeb.address.fromHex("41" + hex);
      expect(normalizeAddress(base58)).to.equal(getAddress("0x" + hex));
      expect(toTronAddress("0x" + hex)).to.equal(base58);
    }
  });

  it("rejects a base58 address with one character changed (checksum)", function () {
    const changed = BTT.slice(0, 10) + (BTT[10] === "a" ? "b" : "a") + BTT.slice(11);
    rejects(changed, /checksum mismatch/);
  });

  it("rejects a mixed-case 0x address whose EIP-55 checksum is wrong", function () {
    const checksummed = getAddress("0x" + "ab".repeat(20));
    const broken = checksummed.slice(0, 2) + checksummed.slice(2).replace(/[a-f]/, (c) => c.toUpperCase());
    rejects(broken, /EIP-55 checksum mismatch/);
  });

  it("rejects other forms with a reason", function () {
    const hex = randomHex20();
    rejects("0x41" + hex, /drop the 0x/);
    rejects(hex, /hex of 40 digits/);
    rejects("0x" + hex.slice(2), /hex of 38 digits/);
    rejects("41" + hex + "00", /hex of 44 digits/);
    rejects("", /matches none/);
    rejects("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", /matches none/); // a Bitcoin address
    rejects("T" + "0".repeat(33), /matches none/); // '0' is not base58
    rejects(BTT + " ", /matches none/);
    rejects(42, /not a string/);
    rejects(undefined, /not a string/);
  });

  it("gives signers the same domain for the escrow in any form", function () {
    const hex = randomHex20();
    const forms = ["0x" + hex, "41" + hex, TronWeb.address.fromHex("41" + hex)];
    const separators = forms.map((escrow) => escrowDomainSeparator({ chainId: 2494104990, escrow }));
    expect(new Set(separators).size).to.equal(1);
    const privateKey = "0x" + "11".repeat(32);
    const signatures = forms.map(
      (escrow) =>
        createVoucherSigner({ privateKey, chainId: 2494104990, escrow }).signVoucher({
          channelId: "0x" + "22".repeat(32),
          cumulativeAmount: 1n,
        }).signature,
    );
    expect(new Set(signatures).size).to.equal(1);
  });
});
