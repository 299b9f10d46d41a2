import { expect } from "chai";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { keccak256 } from "ethers";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { KEYS, seedpay, tempDir, type CliRun } from "./helpers";

type Amount = { btt: string; baseUnits: string };

/**
 * The README's walkthrough, in process against a JSON-RPC node of its own: deploy, mint, open two
 * channels to one payee, pay, receive, claim both in one transaction, close one, start-close and
 * settle the other, withdraw, and status along the way.
 */
describe("seedpay CLI: walkthrough on the embedded chain", () => {
  let node: EmbeddedChain;
  let cwd: string;
  let env: Record<string, string>;

  before(async () => {
    node = await startEmbeddedChain({ port: 0 });
    cwd = tempDir();
    env = { SEEDPAY_RPC: node.url };
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  /** Runs a command as `who`, with its own store; fails the test on a non-zero exit. */
  const as = async (who: keyof typeof KEYS, args: string[], extra: Record<string, string> = {}, input?: string) => {
    const run = await seedpay(["--db", `${who}.db`, ...args], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS[who], ...extra },
      cwd,
      input,
    });
    if (run.code !== 0) throw new Error(`seedpay ${args.join(" ")} exited ${run.code}:\n${run.stderr}`);
    return run;
  };
  const json = <T = Record<string, unknown>>(run: CliRun): T => JSON.parse(run.stdout) as T;
  const address = (who: keyof typeof KEYS) =>
    node.accounts[["deployer", "payer", "payee", "payer2"].indexOf(who)].address;
  const signerKey = `0x${"5e".repeat(32)}`;

  it("deploys a test token and the escrow, and records the deployment", async () => {
    const run = await as("deployer", ["deploy", "--test-token"]);
    expect(run.stdout).to.match(/^deployed ChannelEscrow at 0x[0-9a-fA-F]{40} \(block 2\)/);
    expect(run.stderr).to.match(/sending deploy TestToken… confirmed in block 1, gas [\d,]+\n/);
    expect(run.stderr).to.match(/sending deploy ChannelEscrow… confirmed in block 2, gas [\d,]+\n/);
    const file = path.join(cwd, "deployments", "localhost.json");
    const record = JSON.parse(readFileSync(file, "utf8"));
    // The shape TronBox's migration and scripts/deploy.ts write (deployments/README.md).
    expect(record.chainId).to.equal(2494104990);
    const { token, escrow, bond } = record.contracts;
    expect(escrow).to.include({ block: 2 });
    expect(escrow.txId).to.match(/^0x[0-9a-f]{64}$/);
    expect(escrow.constructorArgs).to.deep.equal([token.address, 3600, 2592000]);
    expect(token.constructorArgs).to.deep.equal(["Test BTT", "tBTT"]);
    expect(token.txId).to.match(/^0x[0-9a-f]{64}$/);
    expect(bond.constructorArgs).to.deep.equal([token.address]);
    expect(record.compiler.settings).to.deep.include({ evmVersion: "london", viaIR: true });
    const code = (await node.provider.request({
      method: "eth_getCode",
      params: [escrow.address, "latest"],
    })) as string;
    expect(escrow.codeHash).to.equal(keccak256(code));

    // A second deploy would orphan the recorded escrow: refused without --force.
    const again = await seedpay(["deploy", "--test-token"], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.deployer },
      cwd,
    });
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/already records escrow 0x[0-9a-fA-F]{40}, live on this chain/);
  });

  it("mints test BTT", async () => {
    const run = await as("deployer", ["mint", "--to", address("payer"), "--amount", "100", "--json"]);
    expect(json(run)).to.deep.include({ minted: { btt: "100", baseUnits: (100n * 10n ** 18n).toString() } });
    await as("deployer", ["mint", "--to", address("payer2"), "--amount", "50"]);
  });

  let channel1 = "";
  let channel2 = "";

  it("opens channels, signing vouchers with a separate hot key", async () => {
    const open = await as(
      "payer",
      ["open", "--payee", address("payee"), "--deposit", "10", "--window", "3600", "--json"],
      {
        SEEDPAY_SIGNER_KEY: signerKey,
      },
    );
    const result = json<{ channel: { id: string; key: { signer: string } }; deposit: Amount }>(open);
    channel1 = result.channel.id;
    expect(result.deposit.btt).to.equal("10");
    expect(result.channel.key.signer).to.not.equal(address("payer"));
    expect(open.stderr).to.match(/sending approve… confirmed.*\nsending open… confirmed/);
    expect(open.stderr).to.not.include("warning");

    // Without a signer key, the wallet signs, with a warning.
    const open2 = await as("payer2", ["open", "--payee", address("payee"), "--deposit", "5", "--window", "3600"]);
    expect(open2.stderr).to.include("warning: no voucher signer key");
    channel2 = /opened channel (0x[0-9a-f]{64})/.exec(open2.stdout)![1];

    const tooMuch = await seedpay(["--db", "payer2.db", "open", "--payee", address("payee"), "--deposit", "500"], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payer2 },
      cwd,
    });
    expect(tooMuch.stderr).to.match(/holds 45 BTT; a deposit of 500 BTT needs more/);
  });

  it("pays with vouchers the payee receives durably, accepting new channels after checking them on-chain", async () => {
    const signer = { SEEDPAY_SIGNER_KEY: signerKey };
    const v1 = await as("payer", ["pay", "--channel", channel1.slice(0, 10), "--amount", "0.25"], signer);
    expect(v1.stderr).to.match(/signed a voucher for 0.25 BTT in total/);
    const r1 = await as("payee", ["receive"], {}, v1.stdout);
    expect(r1.stderr).to.match(
      /accepted new channel 0x[0-9a-f]{64} from 0x70997970C51812dc3A010C7d01b50e0d17dc79C8: open on-chain with 10 BTT/,
    );
    expect(r1.stdout).to.match(/^accepted voucher for 0.25 BTT/);

    const v2 = await as("payer", ["pay", "--channel", channel1, "--total", "1.5", "--json"], signer);
    const r2 = await as("payee", ["receive", "--json", v2.stdout]);
    expect(json(r2)).to.deep.include({
      accepted: true,
      newChannel: false,
      increment: { btt: "1.25", baseUnits: "1250000000000000000" },
    });

    // The older voucher is refused, and the same voucher again is not an error.
    const stale = await seedpay(["--db", "payee.db", "receive", v1.stdout], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payee },
      cwd,
    });
    expect(stale.code).to.equal(1);
    expect(stale.stderr).to.match(
      /^error: voucher refused \(not-higher\): a voucher for 0.25 BTT is not above the 1.5 BTT one held/,
    );
    expect((await as("payee", ["receive", v2.stdout])).stdout).to.match(/^already held/);

    // Only the channel's signer can pay on it.
    const wrongSigner = await seedpay(["--db", "payer.db", "pay", "--channel", channel1, "--amount", "1"], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payer },
      cwd,
    });
    expect(wrongSigner.code).to.equal(1);
    expect(wrongSigner.stderr).to.match(/takes vouchers signed by 0x[0-9a-fA-F]{40}, but the signer key is 0x70997970/);

    // Paying beyond the deposit needs a top-up first.
    const beyond = await seedpay(["--db", "payer2.db", "pay", "--channel", channel2, "--amount", "6"], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payer2 },
      cwd,
    });
    expect(beyond.stderr).to.match(
      /holds 5 BTT and 0 BTT is signed; cannot pay up to 6 BTT\n  Top it up first: seedpay top-up --channel 0x[0-9a-f]{8} --amount 1\n/,
    );
    const topUp = json<{ deposit: Amount }>(
      await as("payer2", ["top-up", "--channel", channel2, "--amount", "1", "--json"]),
    );
    expect(topUp.deposit.btt).to.equal("6");
    const v3 = await as("payer2", ["pay", "--channel", channel2, "--amount", "2"]);
    await as("payee", ["receive", "-"], {}, v3.stdout);
  });

  it("claims both channels in one claimMany transaction", async () => {
    const claim = await as("payee", ["claim", "--all", "--json"]);
    const result = json<{ claimed: unknown[]; credited: Amount; transactions: { action: string }[] }>(claim);
    expect(result.credited.btt).to.equal("3.5");
    expect(result.claimed).to.have.length(2);
    expect(result.transactions.map((t) => t.action)).to.deep.equal(["claimMany (2 channels)"]);
    expect((await as("payee", ["claim", "--all"])).stdout).to.equal("nothing to claim\n");
  });

  it("reports channels, balances and unclaimed amounts", async () => {
    await as("payee", [
      "receive",
      (await as("payer", ["pay", "--channel", channel1, "--amount", "1"], { SEEDPAY_SIGNER_KEY: signerKey })).stdout,
    ]);
    const status = json<{
      account: { escrow: Amount };
      channels: { id: string; role: string; status: string; unclaimed: Amount; voucher: Amount }[];
      unclaimed: Amount;
    }>(await as("payee", ["status", "--json"]));
    expect(status.account.escrow.btt).to.equal("3.5");
    expect(status.unclaimed.btt).to.equal("1");
    const one = status.channels.find((c) => c.id === channel1)!;
    expect(one).to.deep.include({ role: "payee", status: "open" });
    expect(one.voucher.btt).to.equal("2.5");
    const text = await as("payee", ["status"]);
    expect(text.stdout).to.match(/channel +role +counterpart +status +deposit +claimed +voucher +unclaimed +window/);
    expect(text.stdout).to.include("unclaimed in total: 1 BTT");
  });

  it("closes at once as the payee, claiming the last voucher and withdrawing", async () => {
    const close = json<{ claimedNow: Amount; refunded: Amount; withdrawn: Amount }>(
      await as("payee", ["close", "--channel", channel1.slice(0, 10), "--json"]),
    );
    expect(close.claimedNow.btt).to.equal("1");
    expect(close.refunded.btt).to.equal("7.5");
    expect(close.withdrawn.btt).to.equal("4.5"); // 3.5 claimed before + 1 now
  });

  it("closes unilaterally as the payer: start-close, the payee claims in the window, settle after it", async () => {
    const early = await seedpay(["--db", "payer2.db", "settle", "--channel", channel2], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payer2 },
      cwd,
    });
    expect(early.stderr).to.match(/is open, not closing\n  The payer starts a close first: seedpay start-close/);

    await as("payee", ["receive", (await as("payer2", ["pay", "--channel", channel2, "--amount", "0.5"])).stdout]);
    const start = await as("payer2", ["start-close", "--channel", channel2]);
    expect(start.stdout).to.match(/is closing: the payee can claim until .* \(1h from now, chain time\)/);
    expect(
      (await as("payer2", ["pay", "--channel", channel2, "--amount", "0.1"]).catch((e: Error) => e)).toString(),
    ).to.match(/is closing; vouchers are only signed for open channels/);

    const status = json<{ channels: { secondsLeft: number; status: string }[] }>(
      await as("payee", ["status", "--json", "--channel", channel2]),
    );
    expect(status.channels[0].status).to.equal("closing");
    expect(status.channels[0].secondsLeft).to.be.within(3590, 3600);

    const claim = await as("payee", ["claim", "--threshold", "100"]);
    expect(claim.stdout).to.match(/\+0.5 BTT \(closing\)/);

    const tooEarly = await seedpay(["--db", "payer2.db", "settle", "--channel", channel2], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payer2 },
      cwd,
    });
    expect(tooEarly.code).to.equal(1);
    expect(tooEarly.stderr).to.match(/the dispute window of channel 0x[0-9a-f]{64} is not over: 59m 5\ds left/);

    await node.provider.request({ method: "evm_increaseTime", params: [3601] });
    await node.provider.request({ method: "evm_mine", params: [] });
    const settle = json<{ refunded: Amount; claimed: Amount }>(
      await as("payer2", ["settle", "--channel", channel2, "--json"]),
    );
    expect(settle.refunded.btt).to.equal("3.5"); // 6 deposited, 2.5 paid
    expect(settle.claimed.btt).to.equal("2.5");

    const withdraw = await as("payee", ["withdraw"]);
    expect(withdraw.stdout).to.equal(`withdrew 0.5 BTT to ${address("payee")}; 0 BTT left in the escrow\n`);
    const final = json<{ account: { wallet: Amount } }>(await as("payee", ["status", "--json"]));
    expect(final.account.wallet.btt).to.equal("5"); // 4.5 at the close + 0.5 claimed in the window
  });

  it("says which channel is unknown", async () => {
    const run = await seedpay(["--db", "payee.db", "close", "--channel", "0xdeadbeef"], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payee },
      cwd,
    });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^error: no channel 0xdeadbeef in .*payee\.db for escrow 0x[0-9a-fA-F]{40}\n/);
    expect(run.stderr).to.include("`seedpay status` lists them");
  });

  it("tells an escrow that is not deployed on this chain from one that is", async () => {
    const run = await seedpay(["--escrow", address("payee"), "status"], { env, cwd });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(
      /^error: no contract at 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC \(from --escrow\) on chain 2494104990/,
    );
    expect(existsSync(path.join(cwd, "seedpay.db"))).to.equal(false);
  });
});
