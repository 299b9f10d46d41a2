import { expect } from "chai";
import { rmSync } from "node:fs";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { KEYS, seedpay, startProcess, tempDir, until, type CliRun } from "./helpers";

const BTT = 10n ** 18n;

/**
 * `seedpay watch` as a process on the embedded chain: a payee's vouchers are protected by a
 * watchtower run by another wallet. A unilateral close started while it runs, and one started
 * while it was stopped, are both answered with the best voucher before the window ends.
 */
describe("seedpay CLI: watch (the watchtower)", function () {
  this.timeout(120_000);

  let node: EmbeddedChain;
  let cwd: string;
  let env: Record<string, string>;
  const signerKey = `0x${"5e".repeat(32)}`;
  const as = (who: keyof typeof KEYS) => ({ ...env, SEEDPAY_PRIVATE_KEY: KEYS[who], SEEDPAY_SIGNER_KEY: signerKey });
  const ok = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what}:\n${run.stderr}`).to.equal(0);
    return run;
  };
  const run = (who: keyof typeof KEYS, db: string, args: string[], input?: string) =>
    seedpay(["--db", db, ...args], { env: as(who), cwd, input });
  const address = (i: number) => node.accounts[i].address;
  const channelOf = async (id: string) => {
    const status = JSON.parse(ok(await run("payee", "payee.db", ["--json", "status"]), "status").stdout);
    return status.channels.find((c: { id: string }) => c.id === id) as {
      status: string;
      claimed: { baseUnits: string };
    };
  };
  /** Opens a channel payer → payee with `deposit` BTT and has the payee receive a voucher for `paid`. */
  const openAndPay = async (deposit: string, paid: string): Promise<string> => {
    const opened = ok(
      await run("payer", "payer.db", ["--json", "open", "--payee", address(2), "--deposit", deposit]),
      "open",
    );
    const id = JSON.parse(opened.stdout).channel.id as string;
    const voucher = ok(await run("payer", "payer.db", ["pay", "--channel", id, "--amount", paid]), "pay");
    ok(await run("payee", "payee.db", ["receive"], voucher.stdout), "receive");
    return id;
  };
  /** The tower: the payee's store, but another wallet (payer2) paying the fees. */
  const startTower = () =>
    startProcess(["--db", "payee.db", "--json", "watch", "--interval", "100"], as("payer2"), cwd);

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

  it("answers a close started while it runs, and one started while it was stopped", async () => {
    const first = await openAndPay("10", "3");
    const second = await openAndPay("5", "2");

    let tower = startTower();
    await until(() => tower.stderr().includes("Ctrl-C stops"), "the tower to start");
    ok(await run("payer", "payer.db", ["start-close", "--channel", first]), "start-close");
    await until(() => /claimed 0x[0-9a-f]{8} \+3 BTT in one transaction/.test(tower.stderr()), "the claim");
    const stopped = await tower.stop();
    expect(stopped.code, stopped.stderr).to.equal(0);
    expect(stopped.stderr).to.contain(`channel ${first.slice(0, 10)} is closing (close started)`);
    expect(stopped.stderr).to.match(/sending claimMany \(1 channel\)… confirmed in block \d+, gas [\d,]+\n/);
    const summary = JSON.parse(stopped.stdout);
    expect(summary.claimed).to.have.length(1);
    expect(summary.claimed[0]).to.deep.include({
      channelId: first,
      paid: { btt: "3", baseUnits: (3n * BTT).toString() },
    });
    expect(summary.pending).to.deep.equal([]);
    expect((await channelOf(first)).claimed.baseUnits).to.equal((3n * BTT).toString());

    // While no tower runs, the payer starts closing the second channel.
    ok(await run("payer", "payer.db", ["start-close", "--channel", second]), "start-close while stopped");
    tower = startTower();
    await until(() => /claimed 0x[0-9a-f]{8} \+2 BTT/.test(tower.stderr()), "the catch-up claim");
    const again = await tower.stop();
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.contain("from the stored cursor");
    expect(JSON.parse(again.stdout).claimed[0]).to.deep.include({ channelId: second });

    // After the windows, the payer settles both and gets exactly the rest back; the payee withdraws 5.
    await node.provider.request({ method: "evm_increaseTime", params: [24 * 3600 + 1] });
    await node.provider.request({ method: "evm_mine", params: [] });
    for (const [id, refund] of [
      [first, "7"],
      [second, "3"],
    ]) {
      const settled = ok(await run("payer", "payer.db", ["--json", "settle", "--channel", id]), "settle");
      expect(JSON.parse(settled.stdout).refunded.btt, id).to.equal(refund);
    }
    const withdrawn = ok(await run("payee", "payee.db", ["withdraw"]), "withdraw");
    expect(withdrawn.stdout).to.equal(`withdrew 5 BTT to ${address(2)}; 0 BTT left in the escrow\n`);
  });
  it("serves Prometheus metrics and a health check (--metrics-port) and logs JSON lines (--log-format json)", async () => {
    const id = await openAndPay("4", "1");
    const tower = startProcess(
      ["--db", "payee.db", "watch", "--interval", "100", "--metrics-port", "0", "--log-format", "json"],
      as("payer2"),
      cwd,
    );
    try {
      const lines = () =>
        tower
          .stderr()
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      await until(() => lines().some((l) => l.event === "started"), "the tower to start");
      const url = lines().find((l) => l.event === "metrics")?.url as string;
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      ok(await run("payer", "payer.db", ["start-close", "--channel", id]), "start-close");
      await until(() => lines().some((l) => l.event === "claimed"), "the claim");

      const claimed = lines().find((l) => l.event === "claimed")!;
      expect(claimed).to.include({ level: "info", credited: (1n * BTT).toString() });
      const scraped = await fetch(`${url}/metrics`);
      expect(scraped.headers.get("content-type")).to.contain("text/plain");
      const text = await scraped.text();
      expect(text).to.match(/^seedpay_watchtower_claims_total\{result="confirmed"\} 1$/m);
      expect(text).to.match(/^seedpay_watchtower_claims_total\{result="failed"\} 0$/m);
      // This close, and the earlier test's closes re-read behind the stored cursor.
      const seen = /^seedpay_watchtower_closes_seen_total\{source="event"\} (\d+)$/m.exec(text);
      expect(Number(seen?.[1])).to.be.at.least(1);
      // Claimed, and watched until settled: one window open, none pending, none at risk.
      expect(text).to.match(/^seedpay_watchtower_windows_open 1$/m);
      expect(text).to.match(/^seedpay_watchtower_claims_pending 0$/m);
      expect(text).to.match(/^seedpay_watchtower_windows_at_risk 0$/m);
      const health = await fetch(`${url}/health`);
      expect(health.status).to.equal(200);
      expect(await health.json()).to.deep.equal({ healthy: true, stopped: false, atRisk: [] });
    } finally {
      const stopped = await tower.stop();
      expect(stopped.code, stopped.stderr).to.equal(0);
    }
  });
});
