/**
 * The process crash.test.ts kills. Prints "LOADED" once its modules are loaded (the parent starts
 * several ahead of time: loading TypeScript takes seconds), opens a SqliteStore on the first stdin
 * line "OPEN" and prints "READY", then reads vouchers as JSON lines ({"amount": "<decimal>",
 * "signature": "0x..."}), records each, and only after the call returns prints "ACK <amount>".
 *
 *   node -r ts-node/register/transpile-only test/lib/store/crashChild.ts <db path> <channel id>
 */
import { createInterface } from "node:readline";
import { SqliteStore } from "../../../src/store";

function main(dbPath: string, channelId: string): void {
  let store: SqliteStore | undefined;
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (!store) {
      if (line !== "OPEN") throw new Error(`expected OPEN, got ${line}`);
      store = new SqliteStore(dbPath);
      process.stdout.write("READY\n");
      return;
    }
    const { amount, signature } = JSON.parse(line) as { amount: string; signature: string };
    store.recordReceivedVoucher({ channelId, cumulativeAmount: BigInt(amount), signature });
    // Only now, with the call returned, is the voucher acknowledged. (A buffered ACK is merely late.)
    process.stdout.write(`ACK ${amount}\n`);
  });
  lines.on("close", () => store?.close());
  process.stdout.write("LOADED\n");
}

// Mocha loads every file under test/: run only when started as a script.
if (require.main === module) main(process.argv[2], process.argv[3]);
