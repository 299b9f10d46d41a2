/**
 * The process crash.test.ts kills. Prints "LOADED" once its modules are loaded (the parent starts
 * several ahead of time: loading TypeScript takes seconds), opens a SqliteStore on the first stdin
 * line "OPEN" and prints "READY", then reads vouchers as JSON lines ({"amount": "<decimal>",
 * "signature": "0x..."}), records each, and only after the call returns prints "ACK <amount>".
 *
 * With a third argument `group:<n>` it records through the group commit (recordReceivedVoucherAsync,
 * "ACK" once the promise resolves) and kills itself with SIGKILL inside its n-th voucher write:
 * inside a group's transaction, after the writes before it in that group ran.
 *
 *   node -r ts-node/register/transpile-only test/lib/store/crashChild.ts <db path> <channel id> [group:<n>]
 */
import { createInterface } from "node:readline";
import { SqliteStore } from "../../../src/store";

function main(dbPath: string, channelId: string, mode?: string): void {
  const killAt = mode?.startsWith("group:") ? Number(mode.slice(6)) : undefined;
  let writes = 0;
  // The store reads its clock inside each voucher write it makes: the hook to die mid-transaction.
  const now = () => {
    if (killAt !== undefined && ++writes === killAt) process.kill(process.pid, "SIGKILL");
    return Date.now();
  };
  let store: SqliteStore | undefined;
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (!store) {
      if (line !== "OPEN") throw new Error(`expected OPEN, got ${line}`);
      store = new SqliteStore(dbPath, { now });
      process.stdout.write("READY\n");
      return;
    }
    const { amount, signature } = JSON.parse(line) as { amount: string; signature: string };
    if (killAt !== undefined) {
      void store
        .recordReceivedVoucherAsync({ channelId, cumulativeAmount: BigInt(amount), signature })
        .then(() => process.stdout.write(`ACK ${amount}\n`)); // stdout to a pipe is synchronous on Linux
      return;
    }
    store.recordReceivedVoucher({ channelId, cumulativeAmount: BigInt(amount), signature });
    // Only now, with the call returned, is the voucher acknowledged. (A buffered ACK is merely late.)
    process.stdout.write(`ACK ${amount}\n`);
  });
  lines.on("close", () => store?.close());
  process.stdout.write("LOADED\n");
}

// Mocha loads every file under test/: run only when started as a script.
if (require.main === module) main(process.argv[2], process.argv[3], process.argv[4]);
