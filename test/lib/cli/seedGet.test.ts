import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseProgressLine } from "../../../src/cli/downloadProgress";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { bttString } from "../../../src/cli/format";
import { piecePrice } from "../../../src/wire/pricing";
import { KEYS, seedpay, seedpayProcess, startProcess, tempDir, until, type CliRun } from "./helpers";

const BTT = 10n ** 18n;
const PIECE = 256 * 1024;
/** Six whole 256 KiB pieces and a short last one: 1.5 MiB and 1,000 bytes. */
const FILE_BYTES = 6 * PIECE + 1000;
/** What the file costs at 1 BTT per MiB, priced piece by piece as both sides price it. */
const PRICE_OF_FILE = 6n * piecePrice(BTT, PIECE) + piecePrice(BTT, 1000);
const LOOPBACK_ONLY = ["--no-dht", "--no-tracker", "--no-lsd", "--no-pex"];

type Share = { event: string; torrentFile: string; port: number; infoHash: string; magnet: string; pieces: number };

/** `seedpay seed` as a process, with its stdout's JSON lines. */
function startSeeder(args: string[], env: Record<string, string>, cwd: string) {
  const running = startProcess(args, env, cwd);
  return {
    ...running,
    lines: () =>
      running
        .stdout()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/**
 * The market as a person uses it: `seedpay seed` and `seedpay get` as real processes on loopback
 * against the embedded chain, each party with its own key and store. A buyer within the price
 * pays exactly what the pieces cost, by vouchers the seller holds; a buyer below the price is an
 * ordinary peer; SIGINT on the seller claims what it holds. Three ts-node processes (≈ 10 s each
 * to start on a loaded machine), so the timeouts are generous.
 */
describe("seedpay CLI: seed and get (WebTorrent over sp_pay, real processes)", function () {
  this.timeout(240_000);

  let node: EmbeddedChain;
  let cwd: string;
  let env: Record<string, string>;
  let seeder: ReturnType<typeof startSeeder> | undefined;
  let share: Share;
  const signerKey = `0x${"5e".repeat(32)}`;
  const as = (who: keyof typeof KEYS) => ({ ...env, SEEDPAY_PRIVATE_KEY: KEYS[who], SEEDPAY_SIGNER_KEY: signerKey });
  const ok = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what}:\n${run.stderr}`).to.equal(0);
    return run;
  };

  before(async () => {
    node = await startEmbeddedChain({ port: 0 });
    cwd = tempDir();
    env = { SEEDPAY_RPC: node.url };
    ok(await seedpay(["deploy", "--test-token"], { env: as("deployer"), cwd }), "deploy");
    ok(
      await seedpay(["mint", "--to", node.accounts[1].address, "--amount", "100"], { env: as("deployer"), cwd }),
      "mint",
    );
    writeFileSync(path.join(cwd, "data.bin"), randomBytes(FILE_BYTES));
    seeder = startSeeder(
      ["--db", "seller.db", "--json", "seed", "data.bin", "--price", "1", "--port", "0", ...LOOPBACK_ONLY],
      { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payee },
      cwd,
    );
    await until(() => seeder!.lines().length > 0, `the seeder to start:\n${seeder.stderr()}`, 120_000);
    share = seeder.lines()[0] as Share;
  });
  after(async () => {
    if (seeder && seeder.child.exitCode === null) await seeder.stop("SIGKILL");
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  // A magnet link: the seller's terms arrive before the metadata (which crashed the buyer until
  // attachPayments priced pieces as 0 bytes until the metadata is known).
  it("seed prints what to share, and get of its magnet link pays exactly the priced MiB for identical bytes", async () => {
    expect(share).to.include({ event: "seeding", pieces: 7 });
    expect(share.magnet).to.equal(`magnet:?xt=urn:btih:${share.infoHash}&dn=data.bin`);
    expect(readFileSync(share.torrentFile).subarray(0, 1).toString()).to.equal("d");

    const get = ok(
      await seedpayProcess(
        [
          ...["--db", "buyer.db", "--json", "get", share.magnet, "--max-price", "1", "--deposit", "10"],
          ...["--peer", `127.0.0.1:${share.port}`, "--out", "dl", ...LOOPBACK_ONLY],
        ],
        { env: as("payer"), cwd },
      ),
      "get",
    );
    expect(readFileSync(path.join(cwd, "dl", "data.bin")).equals(readFileSync(path.join(cwd, "data.bin")))).to.equal(
      true,
    );
    const summary = JSON.parse(get.stdout);
    expect(summary).to.deep.include({ pieces: 7, bytes: FILE_BYTES, verified: true, vouchers: 7, acknowledged: true });
    expect(summary.spent).to.deep.equal({ btt: bttString(PRICE_OF_FILE), baseUnits: PRICE_OF_FILE.toString() });
    expect(summary.sellers).to.have.length(1);
    expect(summary.sellers[0]).to.deep.include({
      payee: node.accounts[2].address,
      opened: true,
      acknowledged: { btt: bttString(PRICE_OF_FILE), baseUnits: PRICE_OF_FILE.toString() },
      left: { btt: bttString(10n * BTT - PRICE_OF_FILE), baseUnits: (10n * BTT - PRICE_OF_FILE).toString() },
    });
    expect(summary.unpaid).to.deep.equal([]);
    expect(get.stderr).to.match(/sending open… confirmed in block \d+/);

    // Every progress line parses; the last one is the whole file, paid.
    const progress = get.stderr
      .split("\n")
      .filter((l) => l.startsWith("progress:"))
      .map((l) => ({ line: l, parsed: parseProgressLine(l) }));
    expect(progress.length).to.be.at.least(1);
    for (const p of progress) expect(p.parsed, p.line).not.to.equal(undefined);
    expect(progress.at(-1)!.parsed).to.deep.include({
      piecesDone: 7,
      pieces: 7,
      spent: bttString(PRICE_OF_FILE),
      peers: 1,
      paid: 1,
    });

    // The seller's store, read by another process while the seller runs, holds that voucher.
    const status = JSON.parse(
      ok(await seedpay(["--db", "seller.db", "--json", "status"], { env: as("payee"), cwd }), "seller status").stdout,
    );
    expect(status.channels).to.have.length(1);
    expect(status.channels[0]).to.deep.include({ role: "payee", status: "open" });
    expect(status.channels[0].voucher.baseUnits).to.equal(PRICE_OF_FILE.toString());
    expect(status.channels[0].claimed.baseUnits).to.equal("0");
  });

  it("a second get by the same buyer reuses its channel and pays only for this download", async () => {
    const run = ok(
      await seedpay(
        [
          ...["--db", "buyer.db", "--json", "get", share.torrentFile, "--max-price", "1"],
          ...["--peer", `127.0.0.1:${share.port}`, "--out", "again", ...LOOPBACK_ONLY],
        ],
        { env: as("payer"), cwd },
      ),
      "second get",
    );
    const summary = JSON.parse(run.stdout);
    expect(summary).to.deep.include({ vouchers: 7, acknowledged: true });
    expect(summary.spent.baseUnits).to.equal(PRICE_OF_FILE.toString());
    expect(summary.sellers[0]).to.deep.include({ opened: false });
    expect(summary.sellers[0].left.baseUnits).to.equal((10n * BTT - 2n * PRICE_OF_FILE).toString());
    expect(summary.transactions).to.deep.equal([]);
    expect(run.stderr).not.to.contain("opening a channel");
  });

  it("a get whose deposit cannot pay for one piece stops before opening anything", async () => {
    const run = await seedpay(
      [
        ...["--db", "poor.db", "get", share.torrentFile, "--max-price", "1", "--deposit", "0.1"],
        ...["--peer", `127.0.0.1:${share.port}`, "--out", "poor", "--timeout", "60", ...LOOPBACK_ONLY],
      ],
      { env: as("payer"), cwd },
    );
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.contain(
      "error: --deposit 0.1 BTT cannot pay for one piece of this torrent: 256 KiB at the seller's 1 BTT per MiB is 0.25 BTT",
    );
    expect(run.stderr).to.contain(`Pass --deposit ${bttString(PRICE_OF_FILE)}`);
    const mine = JSON.parse(
      ok(await seedpay(["--db", "poor.db", "--json", "status"], { env: as("payer"), cwd }), "status").stdout,
    );
    expect(mine.channels).to.deep.equal([]);
  });

  it("a get of the .torrent with --max-price below the seller's price downloads as an ordinary peer and says why", async () => {
    const get = ok(
      await seedpayProcess(
        [
          ...["--db", "cheap.db", "--json", "get", share.torrentFile, "--max-price", "0.5"],
          ...["--peer", `127.0.0.1:${share.port}`, "--out", "cheap", ...LOOPBACK_ONLY],
        ],
        { env: as("payer2"), cwd },
      ),
      "get below the price",
    );
    expect(readFileSync(path.join(cwd, "cheap", "data.bin")).equals(readFileSync(path.join(cwd, "data.bin")))).to.equal(
      true,
    );
    const summary = JSON.parse(get.stdout);
    expect(summary).to.deep.include({ verified: true, vouchers: 0, sellers: [] });
    expect(summary.spent.baseUnits).to.equal("0");
    expect(summary.unpaid).to.have.length(1);
    expect(summary.unpaid[0].reason).to.equal(
      "its price 1 BTT per MiB is above --max-price 0.5 BTT: an ordinary peer here",
    );
    expect(summary.unpaid[0].bytes).to.be.at.least(FILE_BYTES);
    expect(get.stderr).to.contain(`not paying seller 127.0.0.1:${share.port}: its price 1 BTT per MiB is above`);
  });

  it("a seller selling through another escrow is an ordinary peer, and the summary says which", async () => {
    ok(await seedpay(["--deployments", "other", "deploy", "--test-token"], { env: as("deployer"), cwd }), "deploy");
    const other = JSON.parse(readFileSync(path.join(cwd, "other", "localhost.json"), "utf8")).contracts.escrow.address;
    const run = ok(
      await seedpay(
        [
          ...["--db", "other.db", "--deployments", "other", "--json", "get", share.torrentFile, "--max-price", "1"],
          ...["--peer", `127.0.0.1:${share.port}`, "--out", "other-dl", ...LOOPBACK_ONLY],
        ],
        { env: as("payer2"), cwd },
      ),
      "get through another escrow",
    );
    const summary = JSON.parse(run.stdout);
    expect(summary).to.deep.include({ verified: true, vouchers: 0, sellers: [] });
    expect(summary.unpaid).to.have.length(1);
    expect(summary.unpaid[0].reason).to.match(
      new RegExp(
        `^it sells through escrow 0x[0-9a-fA-F]{40}, this client pays through ${other}: an ordinary peer here`,
      ),
    );
  });

  it("SIGINT on the seeder claims what it holds and exits 0", async () => {
    const stopped = await seeder!.stop("SIGINT");
    expect(stopped.code, stopped.stderr).to.equal(0);
    expect(stopped.stderr).to.match(/sending claimMany \(1 channel\)… confirmed in block \d+/);
    const last = seeder!.lines().at(-1)!;
    expect(last).to.deep.include({
      event: "stopped",
      payingChannels: 1,
      vouchers: 14,
      received: { btt: bttString(2n * PRICE_OF_FILE), baseUnits: (2n * PRICE_OF_FILE).toString() },
      credited: { btt: bttString(2n * PRICE_OF_FILE), baseUnits: (2n * PRICE_OF_FILE).toString() },
      unclaimed: { btt: "0", baseUnits: "0" },
    });
    expect(last.claimed).to.have.length(1);
    // On-chain: the escrow credited the seller exactly the priced MiB of both paid downloads.
    const status = JSON.parse(
      ok(await seedpay(["--db", "seller.db", "--json", "status"], { env: as("payee"), cwd }), "status").stdout,
    );
    expect(status.channels[0].claimed.baseUnits).to.equal((2n * PRICE_OF_FILE).toString());
    expect(status.unclaimed.baseUnits).to.equal("0");
  });
});
