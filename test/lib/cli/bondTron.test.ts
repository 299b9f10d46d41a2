import { expect } from "chai";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { buildMerkleTree } from "../../../src/storage/buildMerkleTree";
import { BIN, seedpay, seedpayProcess, tempDir, type CliRun } from "./helpers";

const NO_STACK = /^\s+at /m;
const BTT = 10n ** 18n;

type DealJson = { status: string; challenges: string; client: string; provider: string; earned: { btt: string } };

/**
 * `seedpay bond` on TRON: the devnode serves TRON's HTTP API from this process, found as
 * `--network development` through TRONBOX_DEVELOPMENT_URL. Client (account 1) and provider
 * (account 2) run as real processes where the process matters (offer, accept, the watching
 * responder, status), in process elsewhere; time moves with the devnode's increase-time.
 */
describe("seedpay CLI: storage bonds on TRON (the devnode)", function () {
  this.timeout(90_000);

  let node: Devnode;
  let cwd: string;
  let env: Record<string, string>;
  const key = (i: number) => node.accounts[i].privateKey;
  const address = (i: number) => node.accounts[i].address;
  const as = (i: number) => ({ ...env, SEEDPAY_PRIVATE_KEY: key(i) });
  const ok = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what}:\n${run.stderr}`).to.equal(0);
    return run;
  };
  const refused = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what} should be refused:\n${run.stdout}`).to.equal(1);
    expect(run.stdout, what).to.equal("");
    expect(run.stderr, what).to.not.match(NO_STACK);
    return run;
  };
  const status = async (terms: string): Promise<DealJson> =>
    JSON.parse(ok(await seedpay(["--json", "bond", "status", "--terms", terms], { env, cwd }), "status").stdout);
  const file = () => path.join(cwd, "data.bin");
  const walletOf = async (i: number): Promise<bigint> => {
    const run = ok(await seedpay(["--json", "status"], { env: as(i), cwd }), "status");
    return BigInt(JSON.parse(run.stdout).account.wallet.baseUnits);
  };
  /** Offers a deal in process as the client, 1-hour deal and 15-minute response window. */
  const offer = async (terms: string) =>
    ok(
      await seedpay(
        [
          ...["bond", "offer", "--provider", address(2), "--file", file(), "--price", "10", "--collateral", "5"],
          ...["--duration", "3600", "--response-window", "900", "--challenge-fee", "0.5", "--terms-out", terms],
        ],
        { env: as(1), cwd },
      ),
      `offer ${terms}`,
    );

  before(async () => {
    node = await startDevnode({ port: 0, accounts: 4 });
    cwd = tempDir();
    env = { TRONBOX_DEVELOPMENT_URL: node.url, SEEDPAY_NETWORK: "development" };
    writeFileSync(file(), randomBytes(3 * 16384 + 5));
    writeFileSync(path.join(cwd, "other.bin"), randomBytes(3 * 16384 + 5));
    ok(await seedpay(["deploy", "--test-token"], { env: as(0), cwd }), "deploy");
    for (const i of [1, 2]) {
      ok(await seedpay(["mint", "--to", address(i), "--amount", "100"], { env: as(0), cwd }), "mint");
    }
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("offer → accept → challenge answered by `respond --watch` → wrong file refused → finish, as processes", async () => {
    const root = ok(await seedpayProcess(["bond", "root", file()], { env, cwd }), "root");
    const lines = root.stdout.trim().split("\n");
    expect(lines[lines.length - 1]).to.equal((await buildMerkleTree(file())).piecesRoot!.toString("hex"));

    const offered = ok(
      await seedpayProcess(
        [
          ...["bond", "offer", "--provider", address(2), "--file", file(), "--price", "10", "--collateral", "5"],
          ...["--duration", "3600", "--response-window", "900", "--challenge-fee", "0.5", "--terms-out", "deal.json"],
        ],
        { env: as(1), cwd },
      ),
      "offer",
    );
    expect(offered.stderr).to.match(
      /^sending approve… confirmed in block \d+, energy [\d,]+\nsending offer… confirmed/,
    );
    expect(offered.stdout).to.contain(`to ${address(2)}\n`);
    const terms = JSON.parse(readFileSync(path.join(cwd, "deal.json"), "utf8"));
    expect(terms).to.include({ client: address(1), provider: address(2) });

    const accepted = ok(
      await seedpayProcess(["bond", "accept", "--terms", "deal.json", "--file", file()], { env: as(2), cwd }),
      "accept",
    );
    expect(accepted.stdout).to.match(/^accept: deal 0x[0-9a-f]{64} is now active \(energy [\d,]+\)\n$/);

    // The provider's responder, a long-running process answering whatever challenge comes.
    const watcher = startWatcher(["bond", "respond", "--terms", "deal.json", "--file", file(), "--watch"], as(2));
    try {
      await watcher.until(/watching deal 0x[0-9a-f]{64}/);
      const challenged = ok(
        await seedpay(["bond", "challenge", "--terms", "deal.json", "--index", "2"], { env: as(1), cwd }),
        "challenge",
      );
      expect(challenged.stdout).to.contain("is now challenged");
      await watcher.until(/answered the challenge of block 2 \(energy [\d,]+\)/);
    } finally {
      watcher.child.kill("SIGINT");
    }
    const watched = await watcher.exit;
    expect(watched.code, watched.stderr).to.equal(0);
    expect(watched.stdout).to.match(/^answered 1 challenge\(s\); deal 0x[0-9a-f]{64} is active\n$/);

    const dealStatus = JSON.parse(
      ok(await seedpayProcess(["--json", "bond", "status", "--terms", "deal.json"], { env, cwd }), "status").stdout,
    ) as DealJson;
    expect(dealStatus).to.include({ status: "active", challenges: "1", client: address(1), provider: address(2) });

    // A second challenge after a response window; answered from the wrong file it is refused before sending.
    await node.increaseTime(901);
    ok(await seedpay(["bond", "challenge", "--terms", "deal.json", "--index", "1"], { env: as(1), cwd }), "challenge");
    const wrong = refused(
      await seedpay(["bond", "respond", "--terms", "deal.json", "--file", "other.bin"], { env: as(2), cwd }),
      "respond from the wrong file",
    );
    expect(wrong.stderr).to.match(/^error: other\.bin is not the file of deal 0x[0-9a-f]{64}: its pieces root is 0x/);
    expect(wrong.stderr).to.not.contain("sending");
    expect(await status("deal.json")).to.include({ status: "challenged", challenges: "2" });
    const answered = ok(
      await seedpay(["bond", "respond", "--terms", "deal.json", "--file", file()], { env: as(2), cwd }),
      "respond",
    );
    expect(answered.stdout).to.match(/^answered the challenge of block 1; deal 0x[0-9a-f]{64} is active\n$/);

    // Finishing before the end is refused by the bond's own check, before any fee is spent.
    const early = refused(
      await seedpay(["bond", "finish", "--terms", "deal.json"], { env: as(1), cwd }),
      "early finish",
    );
    expect(early.stderr).to.match(/^sending finish… failed\nerror: finish refused: deal 0x[0-9a-f]{64} ends 20/);
    expect((await status("deal.json")).status).to.equal("active");

    const before = await walletOf(2);
    await node.increaseTime(3600);
    const finished = ok(await seedpay(["bond", "finish", "--terms", "deal.json"], { env: as(1), cwd }), "finish");
    expect(finished.stdout).to.contain("is now finished");
    // The bond back, the whole price and the two answered challenges' fees.
    expect((await walletOf(2)) - before).to.equal(16n * BTT);
    expect(await walletOf(2)).to.equal(111n * BTT);
  });

  it("cancels an offer, and slashes a missed challenge as a keeper", async () => {
    await offer("cancelled.json");
    ok(await seedpay(["bond", "cancel", "--terms", "cancelled.json"], { env: as(1), cwd }), "cancel");
    expect((await status("cancelled.json")).status).to.equal("cancelled");

    await offer("slashed.json");
    ok(await seedpay(["bond", "accept", "--terms", "slashed.json", "--file", file()], { env: as(2), cwd }), "accept");
    ok(await seedpay(["bond", "challenge", "--terms", "slashed.json"], { env: as(1), cwd }), "challenge");
    const clientBefore = await walletOf(1);
    const tooSoon = refused(
      await seedpay(["bond", "slash", "--terms", "slashed.json"], { env: as(3), cwd }),
      "slash within the window",
    );
    expect(tooSoon.stderr).to.contain("slash refused: the provider of deal");
    await node.increaseTime(901);
    const slashed = ok(
      await seedpay(["--json", "bond", "slash", "--terms", "slashed.json"], { env: as(3), cwd }),
      "slash",
    );
    expect(JSON.parse(slashed.stdout).state).to.include({ status: "slashed" });
    // The client gets the whole bond, the unearned price and the fee back (the keeper's 5% of the
    // bond comes out of the provider's earnings, capped by them).
    const gained = (await walletOf(1)) - clientBefore;
    expect(gained >= (1525n * BTT) / 100n && gained <= (155n * BTT) / 10n, `gained ${gained}`).to.equal(true);
  });

  it("refuses a deployment without a bond, the escrow as --bond, another chain's file and an unreachable node", async () => {
    const deployments = path.join(cwd, "deployments");
    const record = JSON.parse(readFileSync(path.join(deployments, "development.json"), "utf8"));
    const { bond: _bond, ...contracts } = record.contracts;
    writeFileSync(path.join(deployments, "nobond.json"), JSON.stringify({ ...record, contracts }));
    writeFileSync(path.join(deployments, "elsewhere.json"), JSON.stringify({ ...record, chainId: 3448148188 }));
    // A deal of this test's own, so it runs alone too (mocha --grep).
    await offer("refusals.json");
    const statusOn = (args: string[], extra: Record<string, string> = {}) =>
      seedpay(["bond", "status", "--terms", "refusals.json", ...args], { env: { ...env, ...extra }, cwd });

    const noBond = refused(await statusOn(["--tron", node.url, "--network", "nobond"]), "no bond");
    expect(noBond.stderr).to.equal(
      "error: deployments/nobond.json records no StorageBond (it was written before bonds were deployed with the escrow)\n" +
        "  Pass --bond ADDR or set SEEDPAY_BOND if one is deployed,\n" +
        "  or deploy escrow and bond again: seedpay deploy --test-token --network nobond --force (the old escrow's channels stay where they are).\n",
    );
    const escrow = refused(await statusOn(["--bond", record.contracts.escrow.address]), "escrow as bond");
    expect(escrow.stderr).to.equal(
      `error: the contract at ${record.contracts.escrow.address} (from --bond) is not a StorageBond\n` +
        "  --bond takes the StorageBond's address (the deployment file's contracts.bond), not the escrow's.\n",
    );
    const elsewhere = refused(await statusOn(["--tron", node.url, "--network", "elsewhere"]), "other chain");
    expect(elsewhere.stderr).to.equal(
      `error: deployments/elsewhere.json is a deployment on chain 3448148188, but the node at ${node.url} is chain 2494104990\n` +
        "  Point --tron / --network at that chain's node, or choose another deployment with --network NAME.\n",
    );
    const unreachable = refused(await statusOn([], { TRONBOX_DEVELOPMENT_URL: "http://127.0.0.1:9" }), "unreachable");
    expect(unreachable.stderr).to.match(/^error: cannot reach the node at http:\/\/127\.0\.0\.1:9 \(/);
    expect(unreachable.stderr).to.contain("seedpay devnode");
    // The bond in any address form: 41-hex works as base58 does.
    const hex = await statusOn(["--json", "--bond", record.contracts.bond.hex]);
    expect(JSON.parse(ok(hex, "status by 41-hex").stdout)).to.include({ status: "offered" });
  });

  /** A `seedpay` process left running; `until` waits for its stderr to match. */
  function startWatcher(args: string[], processEnv: Record<string, string>) {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...processEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const waiters: (() => void)[] = [];
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const wake of waiters.splice(0)) wake();
    });
    const exit = new Promise<CliRun>((resolve) =>
      child.on("close", (code) => {
        for (const wake of waiters.splice(0)) wake();
        resolve({ code: code ?? -1, stdout, stderr });
      }),
    );
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(stderr)) {
        if (child.exitCode !== null) throw new Error(`the watcher exited ${child.exitCode}:\n${stderr}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    return { child, exit, until };
  }
});
