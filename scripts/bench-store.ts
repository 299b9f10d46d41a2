/**
 * Voucher-path throughput of SqliteStore with synchronous FULL (every call durable on return), and
 * of its group commit (the ...Async writes, GROUP of them queued at once and awaited: one
 * transaction, one fsync per group):
 *
 *   node -r ts-node/register/transpile-only scripts/bench-store.ts [directory for the database]
 *
 * Writes bench/store.json as calls per second. The figure is bound by the disk's fsync latency,
 * so put the database where a real one would live (default: the OS temp directory).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SqliteStore } from "../src/store";

const OPS = 3_000;
const CHANNELS = 100;
const SIGNATURE = "0x" + "5a".repeat(65);
/** Writes per group commit in the async figures: about what a 10 ms window gathers on bench:wire. */
const GROUP = 16;

function key(salt: number) {
  return {
    payer: "0x" + "a1".repeat(20),
    payee: "0x" + "b2".repeat(20),
    signer: "0x" + "c3".repeat(20),
    disputeWindow: 86_400,
    salt: BigInt(salt),
  };
}

/** Calls per second of `op` over OPS calls spread across CHANNELS channels, after a warm-up. */
function measure(op: (channelId: string, i: number) => void, ids: string[]): number {
  for (let i = 0; i < 100; i++) op(ids[i % ids.length], i);
  const start = process.hrtime.bigint();
  for (let i = 100; i < OPS + 100; i++) op(ids[i % ids.length], i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Math.round(OPS / seconds);
}

/** Calls per second of `op` queued GROUP at a time through the group commit, each group awaited. */
async function measureGrouped(op: (channelId: string, i: number) => Promise<unknown>, ids: string[]): Promise<number> {
  const run = async (from: number, to: number) => {
    for (let i = from; i < to; i += GROUP) {
      await Promise.all(Array.from({ length: GROUP }, (_, k) => op(ids[(i + k) % ids.length], i + k)));
    }
  };
  await run(0, 160);
  const start = process.hrtime.bigint();
  await run(160, OPS + 160);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Math.round(OPS / seconds);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(process.argv[2] ?? tmpdir(), "seedpay-bench-"));
  try {
    // Window 0: a group is what is queued in one turn, so the figure is the transaction's cost alone.
    const store = new SqliteStore(path.join(dir, "bench.db"), { groupCommitWindowMs: 0 });
    const base = 10n ** 24n; // amounts beyond 2^64, as real BTT amounts are
    const payee = Array.from(
      { length: CHANNELS },
      (_, i) =>
        store.upsertChannel({
          chainId: 728126428,
          escrow: "0x" + "e5".repeat(20),
          role: "payee",
          key: key(i),
          status: "open",
        }).id,
    );
    const payer = Array.from(
      { length: CHANNELS },
      (_, i) =>
        store.upsertChannel({
          chainId: 728126428,
          escrow: "0x" + "e5".repeat(20),
          role: "payer",
          key: key(CHANNELS + i),
          status: "open",
        }).id,
    );
    const result = {
      recordReceivedVoucher: measure(
        (channelId, i) =>
          store.recordReceivedVoucher({ channelId, cumulativeAmount: base + BigInt(i), signature: SIGNATURE }),
        payee,
      ),
      reserveIssuedVoucher: measure((channelId, i) => store.reserveIssuedVoucher(channelId, base + BigInt(i)), payer),
      [`recordReceivedVoucherAsync_groupsOf${GROUP}`]: await measureGrouped(
        (channelId, i) =>
          store.recordReceivedVoucherAsync({
            channelId,
            cumulativeAmount: base * 2n + BigInt(i),
            signature: SIGNATURE,
          }),
        payee,
      ),
      [`reserveIssuedVoucherAsync_groupsOf${GROUP}`]: await measureGrouped(
        (channelId, i) => store.reserveIssuedVoucherAsync(channelId, base * 2n + BigInt(i)),
        payer,
      ),
    };
    store.close();
    const out = path.join(__dirname, "..", "bench", "store.json");
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(
      `SqliteStore, synchronous FULL, WAL, ${OPS} calls each (async: ${GROUP} per commit), database in ${dir}:`,
    );
    for (const [op, n] of Object.entries(result)) console.log(`  ${op}: ${n} calls/s`);
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
