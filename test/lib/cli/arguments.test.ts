import { expect } from "chai";
import { rmSync } from "node:fs";
import { formatDuration, parseBtt } from "../../../src/cli/format";
import { decodeConsentMessage } from "../../../src/cli/consentMessage";
import { decodeVoucherMessage } from "../../../src/cli/voucherMessage";
import { normalizeAddress } from "../../../src/voucher/normalizeAddress";
import { KEYS, seedpay, tempDir } from "./helpers";

// Arguments are checked before anything touches the network or the store: no node is needed.
const NOWHERE = { SEEDPAY_RPC: "http://127.0.0.1:9" };
const PAYEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

describe("seedpay CLI: arguments", () => {
  const cwd = tempDir();
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it("parses BTT amounts with up to 18 decimals and nothing else", () => {
    expect(parseBtt("10")).to.equal(10n * 10n ** 18n);
    expect(parseBtt("0.25")).to.equal(25n * 10n ** 16n);
    expect(parseBtt(".5")).to.equal(5n * 10n ** 17n);
    expect(parseBtt("1.")).to.equal(10n ** 18n);
    expect(parseBtt("0.000000000000000001")).to.equal(1n);
    for (const bad of ["", "abc", "-1", "1e18", "1,000", "0x10", "0.0000000000000000001", "1.2.3", " "]) {
      expect(parseBtt(bad), bad).to.equal(undefined);
    }
  });

  it("formats durations with their two largest units", () => {
    expect(formatDuration(3600)).to.equal("1h");
    expect(formatDuration(3599)).to.equal("59m 59s");
    expect(formatDuration(2592000)).to.equal("30d");
    expect(formatDuration(93784)).to.equal("1d 2h");
    expect(formatDuration(0)).to.equal("0s");
  });

  const refusals: [string, string[], RegExp][] = [
    [
      "an amount that is not a number",
      ["open", "--payee", PAYEE, "--deposit", "abc"],
      /option '--deposit <btt>' argument 'abc' is invalid\. Expected an amount in BTT/,
    ],
    [
      "an amount with 19 decimals",
      ["open", "--payee", PAYEE, "--deposit", "0.0000000000000000001"],
      /at most 18 decimals/,
    ],
    ["a zero amount", ["pay", "--channel", "0x1234", "--amount", "0"], /The amount must be above 0/],
    ["a negative amount", ["top-up", "--channel", "0x1234", "--amount", "-1"], /argument '-1' is invalid/],
    [
      "a bad address",
      ["open", "--payee", "0x1234", "--deposit", "1"],
      /argument '0x1234' is invalid\. Expected an address/,
    ],
    ["a bad dispute window", ["open", "--payee", PAYEE, "--deposit", "1", "--window", "1.5"], /Expected whole seconds/],
    ["a missing mandatory option", ["open", "--deposit", "1"], /required option '--payee <address>' not specified/],
    ["conflicting options", ["claim", "--all", "--channel", "0x1234"], /cannot be used with/],
    ["an unknown command", ["opne"], /unknown command 'opne'\n\(Did you mean open\?\)/],
    ["an unknown option", ["status", "--colour"], /unknown option '--colour'/],
    ["a key given as an argument", ["status", "--private-key", KEYS.payer], /unknown option '--private-key'/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with exit code 1 and says why`, async () => {
      const run = await seedpay(args, { env: NOWHERE, cwd });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.match(message);
      expect(run.stdout).to.equal("");
    });
  }

  it("names the variable or flag to set when a key is missing", async () => {
    const wallet = await seedpay(["claim", "--all"], { env: NOWHERE, cwd });
    expect(wallet.code).to.equal(1);
    expect(wallet.stderr).to.equal(
      "error: `seedpay claim` needs the wallet key: set SEEDPAY_PRIVATE_KEY or pass --key-file FILE\n" +
        "  SEEDPAY_PRIVATE_KEY=<64 hex digits> in the environment, or --key-file pointing to a file that holds the hex key (chmod 600).\n" +
        "  Keys are never accepted as command-line arguments: they would end up in shell history and `ps`.\n",
    );
    const bad = await seedpay(["claim", "--all"], { env: { ...NOWHERE, SEEDPAY_PRIVATE_KEY: "0x1234" }, cwd });
    expect(bad.stderr).to.match(/^error: SEEDPAY_PRIVATE_KEY does not hold a private key\n/);
    expect(bad.stderr).to.not.include("0x1234");
    const file = await seedpay(["--key-file", "missing.key", "claim", "--all"], { env: NOWHERE, cwd });
    expect(file.stderr).to.match(/^error: --key-file missing.key: cannot read the key file \(ENOENT\)/);
  });

  it("prints errors as JSON on stdout with --json", async () => {
    const run = await seedpay(["withdraw", "--json"], { env: NOWHERE, cwd });
    expect(run.code).to.equal(1);
    const { error } = JSON.parse(run.stdout) as { error: { name: string; message: string; hints: string[] } };
    expect(error.name).to.equal("MissingKeyError");
    expect(error.message).to.include("SEEDPAY_PRIVATE_KEY");
  });

  it("keeps usage errors machine-readable with --json", async () => {
    const run = await seedpay(["--json", "mint", "--amount", "lots"], { env: NOWHERE, cwd });
    expect(run.code).to.equal(1);
    expect(JSON.parse(run.stdout).error).to.deep.include({ name: "UsageError" });
    expect(run.stderr).to.match(/argument 'lots' is invalid/);
  });

  it("shows examples in every subcommand's help", async () => {
    const top = await seedpay(["--help"], { cwd });
    expect(top.code).to.equal(0);
    const commands = [...top.stdout.matchAll(/^  ([a-z-]+) (?:\[options\])/gm)].map((m) => m[1]);
    expect(commands).to.include.members([
      "node",
      "deploy",
      "mint",
      "open",
      "top-up",
      "pay",
      "receive",
      "claim",
      "close",
      "consent",
      "start-close",
      "settle",
      "withdraw",
      "status",
      "watch",
    ]);
    for (const command of commands) {
      const help = await seedpay([command, "--help"], { cwd });
      expect(help.code, command).to.equal(0);
      expect(help.stdout, command).to.match(/Examples:\n  # .+\n  \$ seedpay /);
    }
  });

  it("checks a voucher message completely before using it", () => {
    const good = {
      type: "seedpay-voucher/1",
      chainId: "2494104990",
      escrow: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      channelId: "0x",
      key: {
        payer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        payee: PAYEE,
        signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        disputeWindow: 3600,
        salt: "7",
      },
      cumulativeAmount: "250000000000000000",
      signature: `0x${"11".repeat(65)}`,
    };
    expect(() => decodeVoucherMessage(JSON.stringify(good))).to.throw(/"channelId" must be 0x \+ 64 hex digits/);
    const { channelId } = require("../../../src/voucher/typedData") as typeof import("../../../src/voucher/typedData");
    good.channelId = channelId({ ...good.key, salt: 7n });
    expect(decodeVoucherMessage(JSON.stringify(good)).cumulativeAmount).to.equal(25n * 10n ** 16n);
    expect(decodeVoucherMessage(JSON.stringify({ voucher: good })).key.salt).to.equal(7n); // `pay --json` output
    expect(() => decodeVoucherMessage("{")).to.throw(/not a seedpay voucher: it is not JSON/);
    expect(() => decodeVoucherMessage(JSON.stringify({ ...good, cumulativeAmount: "-1" }))).to.throw(
      /"cumulativeAmount"/,
    );
    expect(() => decodeVoucherMessage(JSON.stringify({ ...good, key: { ...good.key, salt: "1" } }))).to.throw(
      /is not the id of "key"/,
    );
    expect(() =>
      decodeVoucherMessage(JSON.stringify({ ...good, key: { ...good.key, salt: (2n ** 64n).toString() } })),
    ).to.throw(/"key.salt" does not fit in 64 bits/);
  });

  it("checks a close consent message completely before using it", () => {
    const { channelId } = require("../../../src/voucher/typedData") as typeof import("../../../src/voucher/typedData");
    const key = {
      payer: "TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C",
      payee: PAYEE,
      signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      disputeWindow: 3600,
      salt: "7",
    };
    const good = {
      type: "seedpay-close-consent/2",
      chainId: "2494104990",
      escrow: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      channelId: channelId({ ...key, payer: normalizeAddress(key.payer), salt: 7n }),
      key,
      finalAmount: "0",
      deadline: "1700000000",
      signature: `0x${"11".repeat(65)}`,
    };
    // Base58 addresses come back 0x; a zero final amount is a valid consent (the payee takes nothing more).
    const decoded = decodeConsentMessage(JSON.stringify(good));
    expect(decoded.key.payer).to.equal(normalizeAddress(key.payer));
    expect(decoded.finalAmount).to.equal(0n);
    expect(decoded.deadline).to.equal(1_700_000_000n);
    expect(decodeConsentMessage(JSON.stringify({ consent: good })).channelId).to.equal(good.channelId); // --json output
    expect(() => decodeConsentMessage(JSON.stringify({ ...good, type: "seedpay-voucher/1" }))).to.throw(
      /not a seedpay close consent: "type" must be "seedpay-close-consent\/2"/,
    );
    expect(() => decodeConsentMessage(JSON.stringify({ ...good, type: "seedpay-close-consent/1" }))).to.throw(
      /it is a version 1 consent \(no deadline\), which this escrow no longer accepts/,
    );
    expect(() => decodeConsentMessage(JSON.stringify({ ...good, deadline: undefined }))).to.throw(/"deadline"/);
    expect(() => decodeConsentMessage(JSON.stringify({ ...good, finalAmount: "1.5" }))).to.throw(/"finalAmount"/);
    expect(() => decodeConsentMessage(JSON.stringify({ ...good, signature: "0x1234" }))).to.throw(/"signature"/);
    expect(() => decodeConsentMessage(JSON.stringify({ ...good, key: { ...key, salt: "8" } }))).to.throw(
      /is not the id of "key"/,
    );
  });
});
