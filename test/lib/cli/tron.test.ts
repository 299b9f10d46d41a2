import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { seedpay, seedpayProcess, tempDir, type CliRun } from "./helpers";

type Amount = { btt: string; baseUnits: string };

const BASE58 = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;
const NO_STACK = /^\s+at /m;

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The CLI against a TRON node: the devnode (TRON's HTTP API, served from this process on loopback),
 * found as `--network development` through TRONBOX_DEVELOPMENT_URL, as TronBox finds it. The deploy
 * runs in process (fast); the channel's life runs as real `seedpay` processes, each party with its
 * own key and store: open → pay → receive → claim → close, and status in base58.
 */
describe("seedpay CLI: on TRON (the devnode)", function () {
  // Each `seedpay` process starts ts-node (≈ 3 s); the whole file runs in about 40 s.
  this.timeout(90_000);

  let node: Devnode;
  let cwd: string;
  let env: Record<string, string>;
  const key = (i: number) => node.accounts[i].privateKey;
  const address = (i: number) => node.accounts[i].address;
  const json = <T = Record<string, unknown>>(run: CliRun): T => JSON.parse(run.stdout) as T;
  const ok = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what}:\n${run.stderr}`).to.equal(0);
    return run;
  };
  const signerKey = `0x${"5e".repeat(32)}`;

  before(async () => {
    node = await startDevnode({ port: 0, accounts: 3 });
    cwd = tempDir();
    env = { TRONBOX_DEVELOPMENT_URL: node.url, SEEDPAY_NETWORK: "development" };
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("deploys with `seedpay deploy` and writes the shape TronBox's migration writes", async () => {
    const run = ok(
      await seedpay(["--json", "deploy", "--test-token"], { env: { ...env, SEEDPAY_PRIVATE_KEY: key(0) }, cwd }),
      "deploy",
    );
    expect(run.stderr).to.match(/sending deploy ChannelEscrow… confirmed in block \d+, energy [\d,]+\n/);
    const record = JSON.parse(readFileSync(path.join(cwd, "deployments", "development.json"), "utf8"));
    expect(record).to.include({ network: "development", chainId: 2494104990, deployer: address(0) });
    for (const name of ["token", "escrow", "bond"]) {
      const c = record.contracts[name];
      expect(c.address, name).to.match(BASE58);
      expect(c.hex, name).to.match(/^41[0-9a-f]{40}$/);
      expect(c.txId, name).to.match(/^[0-9a-f]{64}$/);
      expect(c.codeHash, name).to.match(/^0x[0-9a-f]{64}$/);
    }
    expect(record.contracts.escrow.constructorArgs).to.deep.equal([record.contracts.token.address, 3600, 2592000]);
    expect(json<{ file: string }>(run).file).to.equal(path.join(cwd, "deployments", "development.json"));

    const minted = ok(
      await seedpay(["--json", "mint", "--to", address(1), "--amount", "100"], {
        env: { ...env, SEEDPAY_PRIVATE_KEY: key(0) },
        cwd,
      }),
      "mint",
    );
    expect(json(minted)).to.deep.include({
      to: address(1),
      minted: { btt: "100", baseUnits: (10n ** 20n).toString() },
    });
  });

  it("open → pay → receive → claim → close as processes, with base58 addresses", async () => {
    const payer = { ...env, SEEDPAY_PRIVATE_KEY: key(1), SEEDPAY_SIGNER_KEY: signerKey };
    const payee = { ...env, SEEDPAY_PRIVATE_KEY: key(2) };

    const open = ok(
      await seedpayProcess(
        ["--db", "payer.db", "--json", "open", "--payee", address(2), "--deposit", "10", "--window", "3600"],
        { env: payer, cwd },
      ),
      "open",
    );
    expect(open.stderr).to.match(/^sending approve… confirmed in block \d+, energy [\d,]+\nsending open… confirmed/);
    const { channel } = json<{ channel: { id: string; key: Record<string, string> } }>(open);
    expect(channel.key).to.include({ payer: address(1), payee: address(2) });
    expect(channel.key.signer).to.match(BASE58);

    const pay = ok(
      await seedpayProcess(["--db", "payer.db", "pay", "--channel", channel.id.slice(0, 10), "--amount", "2.5"], {
        env: payer,
        cwd,
      }),
      "pay",
    );
    expect(JSON.parse(pay.stdout)).to.include({ escrow: readEscrow(cwd), channelId: channel.id });
    const receive = ok(
      await seedpayProcess(["--db", "payee.db", "--json", "receive"], { env: payee, cwd, input: pay.stdout }),
      "receive",
    );
    expect(json(receive)).to.deep.include({ accepted: true, newChannel: true, payer: address(1) });

    // Durable: a new process reading the payee's store sees the voucher.
    const held = ok(await seedpayProcess(["--db", "payee.db", "--json", "status"], { env: payee, cwd }), "status");
    const status = json<{
      node: { kind: string; chainId: string };
      escrow: string;
      token: string;
      account: { address: string };
      channels: { id: string; counterpart: string; voucher: Amount; unclaimed: Amount; key: Record<string, string> }[];
    }>(held);
    expect(status.node).to.include({ kind: "tron", chainId: "2494104990" });
    expect(status.escrow).to.equal(readEscrow(cwd));
    expect(status.token).to.match(BASE58);
    expect(status.account.address).to.equal(address(2));
    expect(status.channels).to.have.length(1);
    expect(status.channels[0]).to.deep.include({
      id: channel.id,
      counterpart: address(1),
      voucher: { btt: "2.5", baseUnits: (25n * 10n ** 17n).toString() },
      unclaimed: { btt: "2.5", baseUnits: (25n * 10n ** 17n).toString() },
    });
    expect(status.channels[0].key.payee).to.equal(address(2));

    const claim = ok(
      await seedpayProcess(["--db", "payee.db", "--json", "claim", "--channel", channel.id], { env: payee, cwd }),
      "claim",
    );
    expect(json(claim)).to.deep.include({ credited: { btt: "2.5", baseUnits: (25n * 10n ** 17n).toString() } });

    // In process (faster): the processes above already showed each command on its own.
    const more = ok(
      await seedpay(["--db", "payer.db", "pay", "--channel", channel.id, "--amount", "1"], { env: payer, cwd }),
      "pay 2",
    );
    ok(await seedpay(["--db", "payee.db", "receive"], { env: payee, cwd, input: more.stdout }), "receive 2");
    const close = ok(
      await seedpayProcess(["--db", "payee.db", "--json", "close", "--channel", channel.id], { env: payee, cwd }),
      "close",
    );
    expect(json(close)).to.deep.include({
      status: "closed",
      claimed: { btt: "3.5", baseUnits: (35n * 10n ** 17n).toString() },
      refunded: { btt: "6.5", baseUnits: (65n * 10n ** 17n).toString() },
      withdrawn: { btt: "3.5", baseUnits: (35n * 10n ** 17n).toString() },
    });

    const after = ok(await seedpayProcess(["--db", "payer.db", "status"], { env: payer, cwd }), "payer status");
    expect(after.stdout).to.contain(`account ${address(1)}: wallet 96.5 BTT, in the escrow 0 BTT`);
    const counterpart = `${address(2).slice(0, 6)}…${address(2).slice(-4)}`;
    expect(after.stdout).to.match(new RegExp(`\\n${channel.id.slice(0, 10)}  payer  ${counterpart}  closed `));
  });

  it("tops up, starts a unilateral close, claims in the window, settles after it and withdraws", async () => {
    // In process: the commands' TRON paths, not process handling, are what this test is about.
    const payer = { ...env, SEEDPAY_PRIVATE_KEY: key(1), SEEDPAY_SIGNER_KEY: signerKey };
    const payee = { ...env, SEEDPAY_PRIVATE_KEY: key(2) };
    const run = async (who: Record<string, string>, db: string, args: string[], input?: string) =>
      ok(await seedpay(["--db", db, ...args], { env: who, cwd, input }), args[0] === "--json" ? args[1] : args[0]);

    const open = await run(payer, "payer.db", [
      "--json",
      "open",
      "--payee",
      address(2),
      "--deposit",
      "4",
      "--window",
      "3600",
    ]);
    const id = json<{ channel: { id: string } }>(open).channel.id;
    const topUp = await run(payer, "payer.db", ["--json", "top-up", "--channel", id, "--amount", "1"]);
    expect(json(topUp)).to.deep.include({ deposit: { btt: "5", baseUnits: (5n * 10n ** 18n).toString() } });
    const pay = await run(payer, "payer.db", ["pay", "--channel", id, "--amount", "2"]);
    await run(payee, "payee.db", ["receive"], pay.stdout);

    const closing = await run(payer, "payer.db", ["--json", "start-close", "--channel", id]);
    expect(json(closing)).to.include({ status: "closing" });
    const early = await seedpay(["--db", "payer.db", "settle", "--channel", id], { env: payer, cwd });
    expect(early.code).to.equal(1);
    expect(early.stderr).to.match(
      /^error: the dispute window of channel 0x[0-9a-f]{64} is not over: (59m \d+s|1h) left/,
    );

    // A closing channel is claimed whatever the threshold: its window is running.
    const claim = await run(payee, "payee.db", ["--json", "claim", "--threshold", "100"]);
    expect(json(claim)).to.deep.include({ credited: { btt: "2", baseUnits: (2n * 10n ** 18n).toString() } });

    await fetch(`${node.url}/admin/increase-time`, { method: "POST", body: JSON.stringify({ seconds: 3601 }) });
    const settle = await run(payer, "payer.db", ["settle", "--channel", id]);
    expect(settle.stdout).to.equal(
      `settled channel ${id}: 3 BTT refunded to the payer ${address(1)}, 2 BTT went to the payee\n`,
    );
    const withdraw = await run(payee, "payee.db", ["withdraw"]);
    expect(withdraw.stdout).to.equal(`withdrew 2 BTT to ${address(2)}; 0 BTT left in the escrow\n`);
  });

  it("closes at once with the payee's consent: `consent` piped into `close --consent -`, as processes", async () => {
    const payer = { ...env, SEEDPAY_PRIVATE_KEY: key(1), SEEDPAY_SIGNER_KEY: signerKey };
    const payee = { ...env, SEEDPAY_PRIVATE_KEY: key(2) };
    const open = ok(
      await seedpay(["--db", "payer.db", "--json", "open", "--payee", address(2), "--deposit", "6"], {
        env: payer,
        cwd,
      }),
      "open",
    );
    const id = json<{ channel: { id: string } }>(open).channel.id;
    const pay = ok(
      await seedpay(["--db", "payer.db", "pay", "--channel", id, "--amount", "2"], { env: payer, cwd }),
      "pay",
    );
    ok(await seedpay(["--db", "payee.db", "receive"], { env: payee, cwd, input: pay.stdout }), "receive");
    const wallet = async (): Promise<bigint> =>
      BigInt(
        json<{ account: { wallet: Amount } }>(
          ok(await seedpay(["--db", "payer.db", "--json", "status"], { env: payer, cwd }), "status"),
        ).account.wallet.baseUnits,
      );

    const consent = ok(
      await seedpayProcess(["--db", "payee.db", "consent", "--channel", id.slice(0, 10)], { env: payee, cwd }),
      "consent",
    );
    const message = JSON.parse(consent.stdout);
    expect(message).to.include({ channelId: id, escrow: readEscrow(cwd), finalAmount: (2n * 10n ** 18n).toString() });
    expect(message.key).to.include({ payer: address(1), payee: address(2) });

    // Altered on the way: refused before anything is sent, with the addresses in base58.
    const before = await wallet();
    const tampered = await seedpay(["--db", "payer.db", "close", "--consent", "-"], {
      env: payer,
      cwd,
      input: JSON.stringify({ ...message, finalAmount: "1" }),
    });
    expect(tampered.code).to.equal(1);
    expect(tampered.stderr).to.match(
      new RegExp(
        `^error: the consent to close channel ${id} at 0.000000000000000001 BTT is signed by T\\w{33}, not by its payee ${address(2)}\n`,
      ),
    );
    expect(tampered.stderr).to.not.contain("sending");
    expect(await wallet()).to.equal(before);

    const closed = ok(
      await seedpayProcess(["--db", "payer.db", "close", "--consent", "-"], { env: payer, cwd, input: consent.stdout }),
      "close --consent",
    );
    expect(closed.stderr).to.match(/^sending closeWithConsent… confirmed in block \d+, energy [\d,]+\n$/);
    expect(closed.stdout).to.equal(
      `closed channel ${id} with the payee's consent: 4 BTT refunded to the payer ${address(1)}, 2 BTT paid to the ` +
        "payee in total (+2 BTT now, credited in the escrow: the payee withdraws it with `seedpay withdraw`)\n",
    );
    expect(await wallet()).to.equal(before + 4n * 10n ** 18n);
  });

  it("refuses an unreachable node, a node of another chain and a missing deployment, saying what to do", async () => {
    const port = await freePort();
    const unreachableUrl = `http://127.0.0.1:${port}`;
    const deployments = path.join(cwd, "deployments");
    const record = JSON.parse(readFileSync(path.join(deployments, "development.json"), "utf8"));
    writeFileSync(path.join(deployments, "elsewhere.json"), JSON.stringify({ ...record, chainId: 3448148188 }));
    const [unreachable, wrongNetwork, wrongFile, missing] = await Promise.all([
      seedpayProcess(["status", "--tron", unreachableUrl], { env: {}, cwd }),
      // `--network nile` pins Nile's chain id; the devnode runs Shasta's.
      seedpayProcess(["--network", "nile", "status"], { env: { TRONBOX_NILE_URL: node.url }, cwd }),
      seedpayProcess(["--tron", node.url, "--network", "elsewhere", "status"], { env: {}, cwd }),
      seedpayProcess(["--tron", node.url, "--network", "nothere", "status"], { env: {}, cwd }),
    ]);
    for (const run of [unreachable, wrongNetwork, wrongFile, missing]) {
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stdout).to.equal("");
      expect(run.stderr).to.not.match(NO_STACK);
    }
    expect(unreachable.stderr).to.equal(
      `error: cannot reach the node at ${unreachableUrl} (connection refused)\n` +
        "  Start the TRON development node with `seedpay devnode`, or point to a TRON node with --tron URL\n" +
        "  or --network shasta|nile|mainnet (TronGrid; TRONBOX_<NETWORK>_URL overrides the host).\n",
    );
    expect(wrongNetwork.stderr).to.equal(
      `error: the node at ${node.url} is chain 2494104990, but nile is chain 3448148188 (the low 4 bytes of the genesis block id)\n` +
        "  Point --tron at a nile node, or choose the node's network with --network NAME.\n",
    );
    expect(wrongFile.stderr).to.equal(
      `error: deployments/elsewhere.json is a deployment on chain 3448148188, but the node at ${node.url} is chain 2494104990\n` +
        "  Point --tron / --network at that chain's node, or choose another deployment with --network NAME.\n",
    );
    expect(missing.stderr).to.match(/^error: no escrow configured, and deployments\/nothere\.json does not exist\n/);
    expect(missing.stderr).to.contain("seedpay deploy --test-token --network nothere --tron");
    expect(missing.stderr).to.contain("npx tronbox migrate --network nothere");
  });
});

/** The escrow's base58 address from the deployment file. */
function readEscrow(cwd: string): string {
  return JSON.parse(readFileSync(path.join(cwd, "deployments", "development.json"), "utf8")).contracts.escrow.address;
}
