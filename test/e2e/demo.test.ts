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
 * `npm run demo` end to end: a seeder and two leechers as separate processes on TCP loopback,
 * paying per piece and settling on the embedded chain.
 */
describe("npm run demo", () => {
  it("runs to the end: batch claim, close, start-close → settle, balances conserved, no process left", async function () {
    this.timeout(90_000);
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
    line(/^\[seeder\] +accepted channel 0x[0-9a-f]{8} from leecher-1: checked on-chain, open with 5 BTT$/);
    line(/^\[leecher-1\] received 8 pieces \(2 MiB, hashes checked\), paid 2 BTT in 8 vouchers/);
    line(/^\[leecher-2\] received 6 pieces \(1\.5 MiB, hashes checked\), paid 1\.5 BTT in 6 vouchers/);
    line(
      /^\[seeder\] +claimed 3\.5 BTT \(2 BTT from leecher-1, 1\.5 BTT from leecher-2\) in ONE claimMany transaction, without closing \(gas [\d,]+\)$/,
    );
    line(
      /^\[seeder\] +closed the channel of leecher-1 at once with its last voucher \(\+0\.5 BTT; 2\.5 BTT in total, 2\.5 BTT back/,
    );
    line(/^\[leecher-2\] started a unilateral close: the seeder has 1 h to claim \(gas [\d,]+\)$/);
    line(
      /^\[seeder\] +saw leecher-2 start closing channel 0x[0-9a-f]{8}: claimed its last voucher within the dispute window, \+0\.5 BTT/,
    );
    line(/^\[leecher-2\] settled after the window: 3 BTT refunded \(gas [\d,]+\)$/);

    // The balance table: every token accounted for.
    const row = (name: string): string[] =>
      line(new RegExp(`^  ${name} `))
        .trim()
        .split(/ +/);
    expect(row("leecher-1")).to.deep.equal(["leecher-1", "100", "97.5", "-2.5"]);
    expect(row("leecher-2")).to.deep.equal(["leecher-2", "100", "98", "-2"]);
    expect(row("seeder")).to.deep.equal(["seeder", "0", "4.5", "+4.5"]);
    expect(row("escrow")).to.deep.equal(["escrow", "0", "0", "0"]);
    expect(row("total")).to.deep.equal(["total", "200", "200", "conserved"]);

    if (process.platform === "linux") expect(processesWith(marker)).to.deep.equal([]);
  });
});
