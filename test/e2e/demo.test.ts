import { expect } from "chai";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Processes (other than this one) whose environment holds `marker`: what a run left behind (Linux). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) pids.push(Number(entry));
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids;
}

/**
 * `npm run demo` end to end: a WebTorrent seeder and two WebTorrent leechers as separate processes
 * on TCP loopback, downloading real files over the BitTorrent wire, paying per verified piece
 * through the sp_pay extension and settling on the embedded chain.
 */
describe("npm run demo", () => {
  it("runs to the end: batch claim, close, start-close → settle, balances conserved, no process left", async function () {
    this.timeout(150_000);
    const marker = `SEEDPAY_DEMO_TEST_RUN=${process.pid}-${Date.now()}`;
    const [key, value] = marker.split("=");
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js"), "run", "scripts/demo.ts"],
          {
            cwd: ROOT,
            env: { ...process.env, [key]: value },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        child.on("error", reject);
        child.on("close", (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
      },
    );
    expect(code, `${stdout}\n${stderr}`).to.equal(0);

    const lines = stdout.trim().split("\n");
    const line = (pattern: RegExp): string => {
      const found = lines.find((l) => pattern.test(l));
      expect(found, `no line matches ${pattern}:\n${stdout}`).to.not.equal(undefined);
      return found!;
    };
    line(/^\[demo\] +embedded chain up: chain id 2494104990 \(TRON Shasta's\), JSON-RPC on http:\/\/127\.0\.0\.1:\d+$/);
    line(
      /^\[seeder\] +seeding 4\.0 MiB in 16 pieces of 256 KiB on 127\.0\.0\.1:\d+ over the BitTorrent wire, 0\.25 BTT per piece, up to 1 BTT of credit$/,
    );
    for (const who of ["leecher-1", "leecher-2"]) {
      const received = lines.filter((l) => l.startsWith(`[${who}] received`));
      expect(received, stdout).to.deep.equal([
        `[${who}] received 16 pieces (4 MiB, each checked against the torrent's hashes by WebTorrent), paid 4 BTT in 16 vouchers, each acknowledged once on the seeder's disk`,
        `[${who}] received 2 pieces (0.5 MiB, each checked against the torrent's hashes by WebTorrent), paid 0.5 BTT in 2 vouchers, each acknowledged once on the seeder's disk`,
      ]);
    }
    line(
      /^\[seeder\] +claimed 8 BTT \(4 BTT from leecher-[12], 4 BTT from leecher-[12]\) in ONE claimMany transaction, without closing \(gas [\d,]+\)$/,
    );
    line(
      /^\[seeder\] +closed the channel of leecher-1 at once with its last voucher \(\+0\.5 BTT; 4\.5 BTT in total, 0\.5 BTT back/,
    );
    line(/^\[leecher-2\] started a unilateral close: the seeder has 1 h to claim \(gas [\d,]+\)$/);
    line(
      /^\[seeder\] +watchtower: saw leecher-2 start closing channel 0x[0-9a-f]{8}: claimed its last voucher within the dispute window, \+0\.5 BTT/,
    );
    line(/^\[leecher-2\] settled after the window: 0\.5 BTT refunded \(gas [\d,]+\)$/);

    // The balance table: every token accounted for.
    const row = (name: string): string[] =>
      line(new RegExp(`^  ${name} `))
        .trim()
        .split(/ +/);
    expect(row("leecher-1")).to.deep.equal(["leecher-1", "100", "95.5", "-4.5"]);
    expect(row("leecher-2")).to.deep.equal(["leecher-2", "100", "95.5", "-4.5"]);
    expect(row("seeder")).to.deep.equal(["seeder", "0", "9", "+9"]);
    expect(row("escrow")).to.deep.equal(["escrow", "0", "0", "0"]);
    expect(row("total")).to.deep.equal(["total", "200", "200", "conserved"]);

    if (process.platform === "linux") expect(processesWith(marker)).to.deep.equal([]);
  });
});
