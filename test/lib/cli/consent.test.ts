import { expect } from "chai";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { KEYS, seedpay, seedpayProcess, tempDir, type CliRun } from "./helpers";

const BTT = 10n ** 18n;
const NO_STACK = /^\s+at /m;

type Consent = {
  channelId: string;
  finalAmount: string;
  deadline: string;
  escrow: string;
  chainId: string;
  signature: string;
};

/**
 * The payer's immediate close with the payee's consent, on the embedded chain: the payee signs
 * with `seedpay consent`, the payer closes with `seedpay close --consent`, as separate processes
 * passing one JSON message. Consents for another channel, by the wrong key or altered after
 * signing are refused before anything is sent.
 */
describe("seedpay CLI: close with the payee's consent", function () {
  this.timeout(60_000);

  let node: EmbeddedChain;
  let cwd: string;
  let env: Record<string, string>;
  const signerKey = `0x${"5e".repeat(32)}`;
  const as = (who: keyof typeof KEYS, extra: Record<string, string> = {}) => ({
    ...env,
    SEEDPAY_PRIVATE_KEY: KEYS[who],
    SEEDPAY_SIGNER_KEY: signerKey,
    ...extra,
  });
  const ok = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what}:\n${run.stderr}`).to.equal(0);
    return run;
  };
  /** Refused with exit 1, no stack trace, and nothing sent. */
  const refused = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what} should be refused:\n${run.stdout}`).to.equal(1);
    expect(run.stdout, what).to.equal("");
    expect(run.stderr, what).to.not.match(NO_STACK);
    expect(run.stderr, what).to.not.contain("sending");
    return run;
  };
  const address = (i: number) => node.accounts[i].address;
  const run = (who: keyof typeof KEYS, db: string, args: string[], input?: string) =>
    seedpay(["--db", db, ...args], { env: as(who), cwd, input });
  /** The payer's wallet balance, and the channel's status in the payer's store refreshed from the chain. */
  const payerView = async (id: string) => {
    const status = JSON.parse(ok(await run("payer", "payer.db", ["--json", "status"]), "status").stdout);
    const channel = status.channels.find((c: { id: string }) => c.id === id);
    return { wallet: BigInt(status.account.wallet.baseUnits), status: channel.status as string };
  };
  const openChannel = async (deposit: string): Promise<string> => {
    const open = ok(
      await run("payer", "payer.db", ["--json", "open", "--payee", address(2), "--deposit", deposit]),
      "open",
    );
    return JSON.parse(open.stdout).channel.id as string;
  };
  const pay = async (id: string, amount: string) => {
    const voucher = ok(await run("payer", "payer.db", ["pay", "--channel", id, "--amount", amount]), "pay");
    ok(await run("payee", "payee.db", ["receive"], voucher.stdout), "receive");
  };

  before(async () => {
    node = await startEmbeddedChain({ port: 0 });
    cwd = tempDir();
    env = { SEEDPAY_RPC: node.url };
    ok(await seedpay(["deploy", "--test-token"], { env: as("deployer"), cwd }), "deploy");
    ok(await seedpay(["mint", "--to", address(1), "--amount", "100"], { env: as("deployer"), cwd }), "mint");
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("the payee consents at its best voucher and the payer closes at once, as processes", async () => {
    const id = await openChannel("10");
    await pay(id, "3");
    ok(await run("payee", "payee.db", ["claim", "--channel", id]), "claim");
    await pay(id, "1.5");

    const consent = ok(
      await seedpayProcess(["--db", "payee.db", "consent", "--channel", id.slice(0, 10)], { env: as("payee"), cwd }),
      "consent",
    );
    const message = JSON.parse(consent.stdout) as Consent;
    expect(message).to.include({
      type: "seedpay-close-consent/2",
      channelId: id,
      finalAmount: ((45n * BTT) / 10n).toString(),
    });
    expect(consent.stderr).to.contain("+1.5 BTT on closing), 5.5 BTT back to the payer");
    writeFileSync(path.join(cwd, "consent.json"), consent.stdout);

    const before = await payerView(id);
    const closed = ok(
      await seedpayProcess(["--db", "payer.db", "--json", "close", "--consent", "consent.json"], {
        env: as("payer"),
        cwd,
      }),
      "close --consent",
    );
    expect(closed.stderr).to.match(/^sending closeWithConsent… confirmed in block \d+, gas [\d,]+\n$/);
    expect(JSON.parse(closed.stdout)).to.deep.include({
      status: "closed",
      claimed: { btt: "4.5", baseUnits: ((45n * BTT) / 10n).toString() },
      claimedNow: { btt: "1.5", baseUnits: ((15n * BTT) / 10n).toString() },
      refunded: { btt: "5.5", baseUnits: ((55n * BTT) / 10n).toString() },
    });
    const after = await payerView(id);
    expect(after).to.deep.equal({ wallet: before.wallet + (55n * BTT) / 10n, status: "closed" });
    // The payee's share waits in the escrow: 3 claimed before, 1.5 credited by the close.
    const withdrawn = ok(await run("payee", "payee.db", ["withdraw"]), "withdraw");
    expect(withdrawn.stdout).to.equal(`withdrew 4.5 BTT to ${address(2)}; 0 BTT left in the escrow\n`);

    const again = refused(await run("payer", "payer.db", ["close", "--consent", "consent.json"]), "a second close");
    expect(again.stderr).to.equal(`error: channel ${id} is already closed\n`);
  });

  it("the payee refuses to consent below what it claimed, above the deposit, or with another wallet", async () => {
    const id = await openChannel("5");
    await pay(id, "2");
    ok(await run("payee", "payee.db", ["claim", "--channel", id]), "claim");
    const below = refused(await run("payee", "payee.db", ["consent", "--channel", id, "--amount", "1"]), "below");
    expect(below.stderr).to.equal(
      `error: channel ${id}: the payee already claimed 2 BTT; a consent for 1 BTT would still close at 2 BTT (claims are never taken back)\n` +
        `  Consent to at least 2 BTT: seedpay consent --channel ${id.slice(0, 10)} --amount 2\n` +
        "  (or leave --amount out: the best voucher held, 2 BTT).\n",
    );
    const above = refused(await run("payee", "payee.db", ["consent", "--channel", id, "--amount", "6"]), "above");
    expect(above.stderr).to.equal(
      `error: channel ${id} holds 5 BTT; a consent for 6 BTT cannot be paid\n` +
        `  Consent to at most the deposit: seedpay consent --channel ${id.slice(0, 10)} --amount 5\n`,
    );
    // The payer's wallet key with the payee's store: a consent the escrow would refuse.
    const wrongWallet = refused(
      await seedpay(["--db", "payee.db", "consent", "--channel", id], { env: as("payer"), cwd }),
      "another wallet",
    );
    expect(wrongWallet.stderr).to.match(
      new RegExp(`^error: channel ${id} pays ${address(2)}, but the wallet key is ${address(1)}\n`),
    );
    const neither = refused(await run("payer", "payer.db", ["close"]), "close without --channel or --consent");
    expect(neither.stderr).to.match(
      /^error: say which channel: --channel ID \(as the payee\), or --consent FILE \(as the payer\)\n/,
    );
    // Consenting to less than the best voucher gives the difference away: refused unless --force.
    await pay(id, "1");
    const less = refused(await run("payee", "payee.db", ["consent", "--channel", id, "--amount", "2.5"]), "less");
    expect(less.stderr).to.equal(
      `error: channel ${id}: the best voucher held pays 3 BTT; this consent gives it up for 2.5 BTT ` +
        `(claim it first with \`seedpay claim --channel ${id.slice(0, 10)}\` to keep it)\n` +
        `  Consent to the best voucher: seedpay consent --channel ${id.slice(0, 10)} (or --amount 3),\n` +
        "  or add --force to give up the difference on purpose. Nothing was signed.\n",
    );
    const forced = ok(
      await run("payee", "payee.db", ["consent", "--channel", id, "--amount", "2.5", "--force"]),
      "less, forced",
    );
    expect(forced.stderr).to.contain("warning: the best voucher held pays 3 BTT; this consent gives it up for 2.5 BTT");
    const badDuration = refused(
      await run("payee", "payee.db", ["consent", "--channel", id, "--valid-for", "soon"]),
      "a bad --valid-for",
    );
    expect(badDuration.stderr).to.contain("Expected a duration from 1s to 365d, e.g. 600, 10m, 1h or 1h30m.");
  });

  it("refuses a consent for another channel, by the wrong key or altered, before sending anything", async () => {
    const id = await openChannel("4");
    const other = await openChannel("1");
    await pay(id, "2");
    const consent = ok(await run("payee", "payee.db", ["consent", "--channel", id]), "consent").stdout;
    const message = JSON.parse(consent) as Consent;
    const before = await payerView(id);

    const otherChannel = refused(
      await run("payer", "payer.db", ["close", "--channel", other.slice(0, 10), "--consent", "-"], consent),
      "another channel",
    );
    expect(otherChannel.stderr).to.match(
      new RegExp(`^error: the consent is for channel ${id}, not ${other.slice(0, 10)}\n`),
    );
    const notOurs = refused(
      await seedpay(["--db", "payer2.db", "close", "--consent", "-"], { env: as("payer2"), cwd, input: consent }),
      "another store",
    );
    expect(notOurs.stderr).to.contain(`the consent is for channel ${id}, which is not a channel`);

    // Signed with the channel's voucher signer key instead of the payee's wallet key.
    const hot = createVoucherSigner({
      privateKey: signerKey,
      chainId: BigInt(message.chainId),
      escrow: message.escrow,
    });
    const bySigner = {
      ...message,
      signature: hot.signCloseConsent({ channelId: id, finalAmount: 2n * BTT, deadline: BigInt(message.deadline) })
        .signature,
    };
    const wrongKey = refused(
      await run("payer", "payer.db", ["close", "--consent", "-"], JSON.stringify(bySigner)),
      "the wrong key",
    );
    expect(wrongKey.stderr).to.equal(
      `error: the consent to close channel ${id} at 2 BTT is signed by ${hot.address}, not by its payee ${address(2)}\n` +
        "  Either it was altered after signing (amount, channel or escrow), or signed with another key than the\n" +
        "  payee's wallet key (the voucher signer key does not do). Ask the payee for a new one: seedpay consent.\n" +
        "  Nothing was sent.\n",
    );
    // The payer raises nothing for itself by lowering the amount: the signature no longer matches.
    const tampered = { ...message, finalAmount: (BTT / 2n).toString() };
    const altered = refused(
      await run("payer", "payer.db", ["close", "--consent", "-"], JSON.stringify(tampered)),
      "a tampered amount",
    );
    expect(altered.stderr).to.match(
      new RegExp(`^error: the consent to close channel ${id} at 0.5 BTT is signed by 0x`),
    );
    expect(altered.stderr).to.contain(`not by its payee ${address(2)}`);

    // A stretched deadline no longer matches the payee's signature either.
    const stretched = { ...message, deadline: (BigInt(message.deadline) + 86_400n).toString() };
    const late = refused(
      await run("payer", "payer.db", ["close", "--consent", "-"], JSON.stringify(stretched)),
      "a stretched deadline",
    );
    expect(late.stderr).to.contain(`not by its payee ${address(2)}`);
    // A version 1 consent (no deadline) is refused with the reason.
    const v1 = refused(
      await run(
        "payer",
        "payer.db",
        ["close", "--consent", "-"],
        JSON.stringify({ ...message, type: "seedpay-close-consent/1" }),
      ),
      "a version 1 consent",
    );
    expect(v1.stderr).to.contain("it is a version 1 consent (no deadline), which this escrow no longer accepts");

    // Nothing was lost: the channel is open and the payer's wallet unchanged; the genuine consent still works.
    expect(await payerView(id)).to.deep.equal(before);
    expect(before.status).to.equal("open");
    const closed = ok(await run("payer", "payer.db", ["close", "--channel", id, "--consent", "-"], consent), "close");
    expect(closed.stdout).to.contain(`closed channel ${id} with the payee's consent: 2 BTT refunded to the payer`);
  });

  it("refuses an expired consent before sending anything (chain time, --valid-for)", async () => {
    const id = await openChannel("3");
    await pay(id, "1");
    const consent = ok(await run("payee", "payee.db", ["consent", "--channel", id, "--valid-for", "10m"]), "consent");
    const message = JSON.parse(consent.stdout) as Consent;
    expect(consent.stderr).to.contain("usable for 10m (until ");
    await node.provider.request({ method: "evm_increaseTime", params: [601] });
    await node.provider.request({ method: "evm_mine", params: [] });
    const before = await payerView(id);
    const expired = refused(await run("payer", "payer.db", ["close", "--consent", "-"], consent.stdout), "expired");
    expect(expired.stderr).to.match(
      new RegExp(
        `^error: the consent to close channel ${id} expired ${new Date(Number(message.deadline) * 1000).toISOString()} \\(chain time is `,
      ),
    );
    expect(expired.stderr).to.contain("Nothing was sent.");
    expect(await payerView(id)).to.deep.equal(before);
  });
});
