import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomInt } from "node:crypto";
import path from "node:path";
import { expect } from "chai";
import Database from "better-sqlite3";
import { SqliteStore } from "../../../src/store";
import { channelParams, sig, tempDir } from "./helpers";

const ROOT = path.resolve(__dirname, "../../..");
const CHILD = path.join(__dirname, "crashChild.ts");
const ROUNDS = 5;
/** The kill comes after 1..MAX_ACKS acknowledged vouchers. */
const MAX_ACKS = 300;
/** At most this many vouchers in flight (sent, not yet acknowledged). */
const MAX_WINDOW = 8;

/** A started child with its stdout as a queue of lines. */
type Child = {
  proc: ChildProcessWithoutNullStreams;
  nextLine(): Promise<string>;
  /** How it ended: the signal or exit code, and its stderr. */
  exited: Promise<string>;
};

function startChild(dbPath: string, channelId: string, ...mode: string[]): Child {
  const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", CHILD, dbPath, channelId, ...mode], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  proc.stdin.on("error", () => {}); // EPIPE once killed with vouchers still queued
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let partial = "";
  proc.stdout.on("data", (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<string>((resolve) =>
    proc.on("close", (code, signal) => {
      const end = `${signal ?? `exit code ${code}`}${stderr ? `\n${stderr}` : ""}`;
      for (const waiter of waiters.splice(0)) waiter(end);
      resolve(end);
    }),
  );
  return {
    proc,
    exited,
    nextLine: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

describe("SqliteStore: crash durability (SIGKILL mid-stream)", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let children: Child[] = [];

  beforeEach(() => (dir = tempDir("seedpay-crash-")));
  afterEach(() => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
    children = [];
    dir.remove();
  });

  it(`never loses an acknowledged voucher across ${ROUNDS} kills at random points`, async () => {
    const dbPath = dir.file("payee.db");
    const setup = new SqliteStore(dbPath);
    const channelId = setup.upsertChannel(channelParams("payee")).id;
    setup.close();

    // All children load TypeScript in parallel up front; each opens the database only on its turn.
    children = Array.from({ length: ROUNDS }, () => startChild(dbPath, channelId));
    const sent = new Map<bigint, string>();
    let amount = 2n ** 100n; // above 2^64: stored as text

    for (let round = 1; round <= ROUNDS; round++) {
      const child = children[round - 1];
      expect(await child.nextLine()).to.equal("LOADED");
      child.proc.stdin.write("OPEN\n");
      expect(await child.nextLine()).to.equal("READY");

      // The parent keeps `window` vouchers in flight, so when the kill lands the child is at
      // most that far past the last ACK, most likely inside a write.
      const killAfter = randomInt(1, MAX_ACKS + 1);
      const window = randomInt(1, MAX_WINDOW + 1);
      const queued: bigint[] = [];
      const send = () => {
        amount += BigInt(randomInt(1, 2 ** 40));
        queued.push(amount);
        sent.set(amount, sig(amount));
        child.proc.stdin.write(JSON.stringify({ amount: amount.toString(), signature: sig(amount) }) + "\n");
      };
      for (let i = 0; i < window; i++) send();
      let lastAck = 0n;
      for (let acks = 0; acks < killAfter; acks++) {
        const line = await child.nextLine();
        expect(line).to.equal(`ACK ${queued[acks]}`);
        lastAck = queued[acks];
        send();
      }
      child.proc.kill("SIGKILL");
      expect(await child.exited).to.equal("SIGKILL");

      // Reopen in this process: SQLite recovers the killed writer's WAL.
      const check = new Database(dbPath);
      expect(check.pragma("integrity_check", { simple: true })).to.equal("ok");
      check.close();
      const store = new SqliteStore(dbPath);
      const best = store.getBestReceivedVoucher(channelId)!;
      store.close();
      expect(best, `round ${round}`).to.not.equal(undefined);
      expect(
        best.cumulativeAmount >= lastAck,
        `round ${round}: best ${best.cumulativeAmount} < acked ${lastAck}`,
      ).to.equal(true);
      expect(sent.get(best.cumulativeAmount), `round ${round}: best is not a sent voucher`).to.equal(best.signature);
      const beyond = queued.indexOf(best.cumulativeAmount) + 1 - killAfter;
      console.log(`      round ${round}: ${window} in flight, killed after ${killAfter} ACKs, ${beyond} more recorded`);
    }
  });

  it("never loses an acknowledged voucher when killed inside a group commit, and keeps none of that group", async () => {
    const dbPath = dir.file("payee.db");
    const setup = new SqliteStore(dbPath);
    const channelId = setup.upsertChannel(channelParams("payee")).id;
    setup.close();
    const BURST = 16;
    // Each round: some whole groups commit, then the child dies inside the write at `offset` of the
    // next group (offset >= 2: at least one write of that group ran before the kill).
    const plans = Array.from({ length: 3 }, () => ({ groups: randomInt(1, 6), offset: randomInt(2, BURST + 1) }));
    children = plans.map((p) => startChild(dbPath, channelId, `group:${p.groups * BURST + p.offset}`));
    let amount = 2n ** 100n;
    let lastAck = 0n;

    for (const [round, { groups, offset }] of plans.entries()) {
      const child = children[round];
      expect(await child.nextLine()).to.equal("LOADED");
      child.proc.stdin.write("OPEN\n");
      expect(await child.nextLine()).to.equal("READY");
      const sendBurst = () => {
        const burst = Array.from({ length: BURST }, () => (amount += BigInt(randomInt(1, 2 ** 40))));
        // One write: the child reads the burst at once, and its group commit takes it whole.
        child.proc.stdin.write(
          burst.map((a) => JSON.stringify({ amount: a.toString(), signature: sig(a) })).join("\n") + "\n",
        );
        return burst;
      };
      for (let g = 0; g < groups; g++) {
        for (const a of sendBurst()) {
          expect(await child.nextLine()).to.equal(`ACK ${a}`);
          lastAck = a;
        }
      }
      sendBurst();
      const end = await child.exited;
      expect(end, "killed itself inside the group's transaction, before any ACK of it").to.equal("SIGKILL");

      const check = new Database(dbPath);
      expect(check.pragma("integrity_check", { simple: true })).to.equal("ok");
      check.close();
      const store = new SqliteStore(dbPath);
      const best = store.getBestReceivedVoucher(channelId)!;
      store.close();
      // Everything acknowledged is there, and nothing of the interrupted group (its first
      // offset - 1 writes had run in the transaction) is: the group commit is all or nothing.
      expect(best.cumulativeAmount, `round ${round + 1}: killed in write ${offset} of group ${groups + 1}`).to.equal(
        lastAck,
      );
      expect(best.signature).to.equal(sig(lastAck));
    }
  });
});
