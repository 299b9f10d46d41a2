/**
 * What the devnode's fork points (`reorgs: true`: an EDR snapshot per sealed block) cost, against
 * the same chain without them: memory (RSS after a GC) and milliseconds per block, as the chain grows.
 *
 *   npx ts-node --transpile-only scripts/bench-devnode-snapshots.ts
 *
 * Each mode runs in a process of its own (RSS is per process): a devnode with a block per
 * transaction, TRON's solidity delay (19) and bandwidth charged, and BENCH_BLOCKS (default 1,500) TRX
 * transfers, each its own block. Writes bench/devnode-snapshots.json (BENCH_OUT to write elsewhere).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { TronWeb } from "tronweb";
import { startDevnode } from "../src/devnode";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 1500);
const STEP = 250;

type Sample = { blocks: number; rssMiB: number; msPerBlock: number };

async function measure(reorgs: boolean): Promise<Sample[]> {
  const node = await startDevnode({ port: 0, accounts: 2, solidityDelay: 19, bandwidth: true, reorgs });
  const web = new TronWeb({ fullHost: node.url, privateKey: node.accounts[0].privateKey });
  const samples: Sample[] = [];
  let since = process.hrtime.bigint();
  try {
    for (let i = 1; i <= BLOCKS; i++) {
      const tx = await web.trx.sign(await web.transactionBuilder.sendTrx(node.accounts[1].address, i));
      const sent = await web.trx.sendRawTransaction(tx);
      if (!sent.result) throw new Error(`transfer ${i} refused: ${JSON.stringify(sent)}`);
      if (i % STEP === 0) {
        const ms = Number(process.hrtime.bigint() - since) / 1e6;
        (globalThis as { gc?: () => void }).gc?.();
        samples.push({ blocks: i, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), msPerBlock: ms / STEP });
        since = process.hrtime.bigint();
      }
    }
  } finally {
    await node.close();
  }
  return samples;
}

async function main(): Promise<void> {
  const mode = process.env.BENCH_CHILD;
  if (mode) {
    process.stdout.write(JSON.stringify(await measure(mode === "reorgs")));
    return;
  }
  const run = (m: string): Sample[] =>
    JSON.parse(
      execFileSync(process.execPath, ["--expose-gc", "-r", "ts-node/register/transpile-only", __filename], {
        env: { ...process.env, BENCH_CHILD: m },
        encoding: "utf8",
        maxBuffer: 1 << 20,
      }),
    );
  const without = run("plain");
  const withForkPoints = run("reorgs");
  const rows = without.map((w, i) => {
    const r = withForkPoints[i];
    return {
      blocks: w.blocks,
      rssMiB: { without: w.rssMiB, reorgs: r.rssMiB },
      msPerBlock: { without: +w.msPerBlock.toFixed(2), reorgs: +r.msPerBlock.toFixed(2) },
    };
  });
  const last = rows[rows.length - 1];
  const prev = rows[rows.length - 2];
  const result = {
    what: "cost of the devnode's fork points (reorgs: true, an EDR evm_snapshot per sealed block) as the chain grows",
    how:
      "scripts/bench-devnode-snapshots.ts: a devnode with a block per transaction, solidityDelay 19, bandwidth " +
      "charged; TRX transfers through TronWeb, one per block; RSS after a GC, each mode in its own process; " +
      "msPerBlock averaged over the previous 250 blocks (HTTP, signing and execution included)",
    why:
      "EDR copies its irregular state (every hardhat_setBalance, which the devnode makes for transfers and fees) " +
      "into each snapshot and frees a snapshot only when it is reverted to, so the n-th fork point costs O(n): " +
      "memory grows with the square of the chain's length. Fork points older than the solid block are " +
      "forgotten by the devnode but still held by EDR. Hence reorgs is off by default, for tests of reorgs only",
    extraMiBPerBlockAtEnd: +(
      (last.rssMiB.reorgs - last.rssMiB.without - (prev.rssMiB.reorgs - prev.rssMiB.without)) /
      (last.blocks - prev.blocks)
    ).toFixed(3),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    rows,
  };
  const out = process.env.BENCH_OUT ?? path.join(__dirname, "..", "bench", "devnode-snapshots.json");
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
