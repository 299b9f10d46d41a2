import { expect } from "chai";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { KEYS, seedpay, seedpayProcess, tempDir, type CliRun } from "./helpers";

const BTT = 10n ** 18n;
const NO_STACK = /^\s+at /m;

type Authorization = {
  type: string;
  consent: { channelId: string; finalAmount: string; deadline: string; escrow: string; chainId: string };
  authorization: string;
  authorizer: string;
};

/**
 * A relayer's consent close, on the embedded chain: the payee signs a consent (`seedpay consent`),
 * the payer authorises it (`seedpay authorize-close`), and a third party with its own key and no
 * store of the channel submits it (`seedpay close --consent`), each a separate process passing one
 * JSON message. An authorisation by any key but the payer's or its signer's is refused before
 * anything is sent, as the escrow would refuse it.
 */
describe("seedpay CLI: a relayer closes with the payer's authorization", function () {
  this.timeout(60_000);

  let node: EmbeddedChain;
  let cwd: string;
  let env: Record<string, string>;
  const signerKey = `0x${"5e".repeat(32)}`;
  const as = (who: keyof typeof KEYS) => ({ ...env, SEEDPAY_PRIVATE_KEY: KEYS[who], SEEDPAY_SIGNER_KEY: signerKey });
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
  /** The relayer: payer2's key (gas only) and a store that has never seen the channel. */
  const relay = (args: string[], input?: string) => run("payer2", "relayer.db", args, input);
  const wallet = async (who: keyof typeof KEYS, db: string): Promise<bigint> => {
    const status = JSON.parse(ok(await run(who, db, ["--json", "status"]), "status").stdout);
    return BigInt(status.account.wallet.baseUnits);
  };
  const channelStatus = async (id: string): Promise<string> => {
    const status = JSON.parse(ok(await run("payer", "payer.db", ["--json", "status"]), "status").stdout);
    return status.channels.find((c: { id: string }) => c.id === id).status as string;
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
  const consentOn = async (id: string) => ok(await run("payee", "payee.db", ["consent", "--channel", id]), "consent");

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

  it("the payer authorises the payee's consent and a relayer submits it, as processes", async () => {
    const id = await openChannel("10");
    await pay(id, "3");
    writeFileSync(path.join(cwd, "consent.json"), (await consentOn(id)).stdout);

    const authorized = ok(
      await seedpayProcess(["--db", "payer.db", "authorize-close", "--consent", "consent.json"], {
        env: as("payer"),
        cwd,
      }),
      "authorize-close",
    );
    const message = JSON.parse(authorized.stdout) as Authorization;
    expect(message).to.include({ type: "seedpay-close-authorization/1", authorizer: address(1) });
    expect(message.consent).to.include({ channelId: id, finalAmount: (3n * BTT).toString() });
    expect(authorized.stderr).to.contain(`authorised any relayer to close channel ${id.slice(0, 10)}`);
    writeFileSync(path.join(cwd, "authorized.json"), authorized.stdout);

    const payerBefore = await wallet("payer", "payer.db");
    const relayerBefore = await wallet("payer2", "relayer.db");
    const closed = ok(
      await seedpayProcess(["--db", "relayer.db", "close", "--consent", "authorized.json"], {
        env: as("payer2"),
        cwd,
      }),
      "relayer's close",
    );
    expect(closed.stderr).to.match(/^sending closeWithConsent… confirmed in block \d+, gas [\d,]+\n$/);
    expect(closed.stdout).to.equal(
      `closed channel ${id} for its payer (relayed; authorised by the payer ${address(1)}): 7 BTT refunded to the ` +
        `payer ${address(1)}, 3 BTT paid to the payee in total (+3 BTT now, credited in the escrow)\n`,
    );
    // On chain: the payer got its 7 back, the payee withdraws its 3, the relayer gained nothing.
    expect(await wallet("payer", "payer.db")).to.equal(payerBefore + 7n * BTT);
    expect(await wallet("payer2", "relayer.db")).to.equal(relayerBefore);
    expect(await channelStatus(id)).to.equal("closed");
    const withdrawn = ok(await run("payee", "payee.db", ["withdraw"]), "withdraw");
    expect(withdrawn.stdout).to.equal(`withdrew 3 BTT to ${address(2)}; 0 BTT left in the escrow\n`);

    const again = refused(await relay(["close", "--consent", "authorized.json"]), "a second relayed close");
    expect(again.stderr).to.equal(`error: channel ${id} is already closed\n`);
  });

  it("the channel's voucher signer may authorise instead of the payer (--by signer, --json)", async () => {
    const id = await openChannel("4");
    await pay(id, "1");
    const consent = (await consentOn(id)).stdout;
    const authorized = ok(
      await run("payer", "payer.db", ["--json", "authorize-close", "--consent", "-", "--by", "signer"], consent),
      "authorize-close --by signer",
    );
    const output = JSON.parse(authorized.stdout);
    expect(output).to.deep.include({ channelId: id, authorizedBy: "signer" });
    expect(output.deadline).to.equal(output.authorization.consent.deadline);
    expect(output.authorization.authorizer).to.equal(addressOf(signerKey));
    // The --json output is accepted as it is.
    const closed = ok(await relay(["--json", "close", "--consent", "-"], authorized.stdout), "relayer's close");
    expect(JSON.parse(closed.stdout)).to.deep.include({
      channelId: id,
      status: "closed",
      authorizedBy: "signer",
      claimed: { btt: "1", baseUnits: BTT.toString() },
      refunded: { btt: "3", baseUnits: (3n * BTT).toString() },
    });
  });

  it("refuses an authorization by any other key, or altered, before signing or sending anything", async () => {
    const id = await openChannel("5");
    await pay(id, "2");
    const consent = (await consentOn(id)).stdout;

    // The payee's wallet key is not the payer's: authorize-close refuses to sign.
    const byPayee = refused(
      await run("payee", "payee.db", ["authorize-close", "--consent", "-"], consent),
      "authorize-close with the payee's key",
    );
    expect(byPayee.stderr).to.equal(
      `error: channel ${id} is paid by ${address(1)} (voucher signer ${addressOf(signerKey)}), ` +
        `but the wallet key is ${address(2)}: the escrow would refuse its authorization (CloseNotAuthorized)\n` +
        "  Sign with the payer's wallet key (SEEDPAY_PRIVATE_KEY / --key-file), or add --by signer and the\n" +
        "  channel's voucher signer key (SEEDPAY_SIGNER_KEY / --signer-key-file). Nothing was signed.\n",
    );

    // A relayer forging the authorisation with its own key: refused before sending.
    const genuine = JSON.parse(
      ok(await run("payer", "payer.db", ["authorize-close", "--consent", "-"], consent), "authorize-close").stdout,
    ) as Authorization;
    const relayerKey = createVoucherSigner({
      privateKey: KEYS.payer2,
      chainId: BigInt(genuine.consent.chainId),
      escrow: genuine.consent.escrow,
    });
    const forged = {
      ...genuine,
      authorizer: address(1),
      authorization: relayerKey.signCloseAuthorization({
        channelId: id,
        finalAmount: 2n * BTT,
        deadline: BigInt(genuine.consent.deadline),
      }).signature,
    };
    const wrongKey = refused(
      await relay(["close", "--consent", "-"], JSON.stringify(forged)),
      "a forged authorization",
    );
    expect(wrongKey.stderr).to.equal(
      `error: the authorization to close channel ${id} at 2 BTT is signed by ${address(3)}, which is neither its ` +
        `payer ${address(1)} nor its voucher signer ${addressOf(signerKey)}: the escrow would refuse it (CloseNotAuthorized)\n` +
        "  Either it was altered after signing (amount, deadline, channel or escrow), or signed with another key.\n" +
        "  Ask the payer for a new one: seedpay authorize-close --consent <the payee's consent>. Nothing was sent.\n",
    );

    // The payer's authorisation moved to another deadline no longer recovers to the payer; a raised
    // amount breaks the payee's signature first.
    const later = {
      ...genuine,
      consent: { ...genuine.consent, deadline: (BigInt(genuine.consent.deadline) + 1n).toString() },
    };
    const stretched = refused(await relay(["close", "--consent", "-"], JSON.stringify(later)), "a stretched deadline");
    expect(stretched.stderr).to.contain(`not by its payee ${address(2)}`);
    const moreForPayee = { ...genuine, consent: { ...genuine.consent, finalAmount: (5n * BTT).toString() } };
    const raised = refused(await relay(["close", "--consent", "-"], JSON.stringify(moreForPayee)), "a raised amount");
    expect(raised.stderr).to.contain(`error: the consent to close channel ${id} at 5 BTT is signed by 0x`);

    // The bare consent is the payer's alone: the relayer's store has no such channel.
    const bare = refused(await relay(["close", "--consent", "-"], consent), "a bare consent from a relayer");
    expect(bare.stderr).to.contain(`the consent is for channel ${id}, which is not a channel`);

    // Nothing happened on chain; the genuine authorisation still works.
    expect(await channelStatus(id)).to.equal("open");
    const closed = ok(await relay(["close", "--consent", "-"], JSON.stringify(genuine)), "the genuine one");
    expect(closed.stdout).to.contain(`closed channel ${id} for its payer (relayed; authorised by the payer`);
  });

  it("refuses to authorise an expired consent, and a relayer refuses to send one", async () => {
    const id = await openChannel("2");
    await pay(id, "1");
    const consent = ok(await run("payee", "payee.db", ["consent", "--channel", id, "--valid-for", "60"]), "consent");
    const authorized = ok(
      await run("payer", "payer.db", ["authorize-close", "--consent", "-"], consent.stdout),
      "authorize",
    );
    await node.provider.request({ method: "evm_increaseTime", params: [61] });
    await node.provider.request({ method: "evm_mine", params: [] });
    const late = refused(await run("payer", "payer.db", ["authorize-close", "--consent", "-"], consent.stdout), "late");
    expect(late.stderr).to.match(new RegExp(`^error: the consent to close channel ${id} expired `));
    expect(late.stderr).to.contain("Nothing was signed.");
    const stale = refused(await relay(["close", "--consent", "-"], authorized.stdout), "an expired relayed close");
    expect(stale.stderr).to.match(new RegExp(`^error: the consent to close channel ${id} expired `));
    expect(stale.stderr).to.contain("Nothing was sent.");
    expect(await channelStatus(id)).to.equal("open");
  });
});

/** The address a private key signs as. */
function addressOf(key: string): string {
  return createVoucherSigner({ privateKey: key, chainId: 1n, escrow: `0x${"00".repeat(20)}` }).address;
}
