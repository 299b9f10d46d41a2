import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { uniqueShortId } from "../../../src/cli/format";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { SqliteStore } from "../../../src/store";
import { BIN, KEYS, seedpay, tempDir, type CliRun } from "./helpers";

/**
 * What a new user hit (issue 9) and must not hit again: a zero-address payee refused only after a
 * paid approve, an --escrow that is not an escrow failing as a raw revert, --channel wanting
 * lowercase with 0x, status prefixes that two channels share, and Ctrl-C during `open` leaving a
 * channel `opening` for good.
 */
describe("seedpay CLI: what a new user hit", () => {
  let node: EmbeddedChain;
  let cwd: string;
  let deployment: { contracts: { escrow: { address: string }; token: { address: string }; bond: { address: string } } };
  const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const PAYEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  const env = () => ({ SEEDPAY_RPC: node.url, SEEDPAY_PRIVATE_KEY: KEYS.payer });
  const blockNumber = async () => Number(await node.provider.request({ method: "eth_blockNumber" }));

  before(async () => {
    node = await startEmbeddedChain({ port: 0 });
    cwd = tempDir();
    const deployer = { SEEDPAY_RPC: node.url, SEEDPAY_PRIVATE_KEY: KEYS.deployer };
    const deploy = await seedpay(["deploy", "--test-token"], { env: deployer, cwd });
    expect(deploy.code, deploy.stderr).to.equal(0);
    const mint = await seedpay(["mint", "--to", PAYER, "--amount", "50"], { env: deployer, cwd });
    expect(mint.code, mint.stderr).to.equal(0);
    deployment = JSON.parse(readFileSync(path.join(cwd, "deployments", "localhost.json"), "utf8")) as typeof deployment;
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("refuses a zero-address payee before sending anything", async () => {
    const before = await blockNumber();
    const zero = `0x${"0".repeat(40)}`;
    const run = await seedpay(["open", "--payee", zero, "--deposit", "1"], { env: env(), cwd });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^error: --payee is the zero address/);
    expect(run.stderr).to.not.include("sending");
    expect(await blockNumber()).to.equal(before);
  });

  it("refuses an --escrow that is the token or the StorageBond before anything else, saying what it is not", async () => {
    const before = await blockNumber();
    for (const contract of ["token", "bond"] as const) {
      const address = deployment.contracts[contract].address;
      for (const args of [["status"], ["open", "--payee", PAYEE, "--deposit", "1"]]) {
        const run = await seedpay(["--escrow", address, ...args], { env: env(), cwd });
        expect(run.code, `${contract} ${args[0]}`).to.equal(1);
        expect(run.stderr).to.include(`error: the contract at ${address} (from --escrow) is not a ChannelEscrow`);
        expect(run.stderr).to.include("is it the token or the StorageBond?");
        expect(run.stderr).to.not.include("execution reverted");
      }
    }
    expect(await blockNumber()).to.equal(before);
  });

  it("takes --channel in any case, with or without 0x, and says the minimum when too short", async () => {
    const opened = await seedpay(["--json", "--db", "case.db", "open", "--payee", PAYEE, "--deposit", "2"], {
      env: env(),
      cwd,
    });
    expect(opened.code, opened.stderr).to.equal(0);
    const id = (JSON.parse(opened.stdout) as { channel: { id: string } }).channel.id;
    let total = 0;
    for (const form of [id.slice(2, 10).toUpperCase(), `0X${id.slice(2, 12).toUpperCase()}`, id.slice(2), ` ${id} `]) {
      const run = await seedpay(["--db", "case.db", "pay", "--channel", form, "--amount", "0.1"], { env: env(), cwd });
      expect(run.code, `${form}: ${run.stderr}`).to.equal(0);
      total += 1;
      expect(JSON.parse(run.stdout).cumulativeAmount).to.equal(String(BigInt(total) * 10n ** 17n));
    }
    for (const bad of ["0x12", "abc", "0x12345g", `${id}00`]) {
      const run = await seedpay(["--db", "case.db", "pay", "--channel", bad, "--amount", "0.1"], { env: env(), cwd });
      expect(run.code, bad).to.equal(1);
      expect(run.stderr, bad).to.include("a unique prefix of at least 4 hex digits");
    }
  });

  it("prints channel prefixes long enough to be unique", () => {
    const a = `0x1a2b3c4d5e${"0".repeat(54)}`;
    const b = `0x1a2b3c4d5f${"0".repeat(54)}`;
    const c = `0x99${"0".repeat(62)}`;
    expect(uniqueShortId(a, [a, b, c])).to.equal("0x1a2b3c4d5e");
    expect(uniqueShortId(b, [a, b, c])).to.equal("0x1a2b3c4d5f");
    expect(uniqueShortId(c, [a, b, c])).to.equal("0x99000000");
    expect(uniqueShortId(a, [a])).to.equal("0x1a2b3c4d");
  });

  it("prints a TronBox command for the devnode's own port", async () => {
    const child = spawn(process.execPath, [BIN, "devnode", "--port", "0", "--accounts", "1"], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("Stop with Ctrl-C.")) resolve();
      });
      child.on("close", () => reject(new Error(`seedpay devnode exited early:\n${stdout}`)));
    });
    child.kill("SIGINT");
    await exited;
    const url = /TRON development node on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(url, stdout).to.be.a("string");
    expect(url).to.not.equal("http://127.0.0.1:9090");
    expect(stdout).to.include(`\`TRONBOX_DEVELOPMENT_URL=${url} npx tronbox migrate --network development\``);
  });

  describe("Ctrl-C while `open` sends its transaction", () => {
    let proxy: HoldingProxy;
    before(async () => {
      proxy = await holdingProxy(node.url);
    });
    after(() => proxy.close());

    it("says the transaction may still land; pay then names `open --resume`, which sends the open", async () => {
      const db = "never.db";
      const interrupted = await interruptOpen(proxy, db, cwd);
      expect(interrupted.code).to.equal(130);
      expect(interrupted.stderr).to.include("interrupted while sending open: the transaction may still land.");
      expect(interrupted.stderr).to.include("seedpay open --resume");
      proxy.drop();
      const id = openingChannel(db, cwd);

      const pay = await seedpay(["--db", db, "pay", "--channel", id, "--amount", "1"], { env: env(), cwd });
      expect(pay.code).to.equal(1);
      expect(pay.stderr).to.include(`channel ${id} is still opening`);
      expect(pay.stderr).to.include(`seedpay open --resume ${id.slice(0, 10)} --deposit BTT`);

      const resumed = await seedpay(["--db", db, "open", "--resume", "--deposit", "3"], { env: env(), cwd });
      expect(resumed.code, resumed.stderr).to.equal(0);
      expect(resumed.stdout).to.include(`opened channel ${id} (resumed)`);
      const status = await seedpay(["--json", "--db", db, "status", "--channel", id], { env: env(), cwd });
      const [row] = (JSON.parse(status.stdout) as { channels: { status: string; deposit: { btt: string } }[] })
        .channels;
      expect(row).to.deep.include({ status: "open" });
      expect(row!.deposit.btt).to.equal("3");
      const paid = await seedpay(["--db", db, "pay", "--channel", id, "--amount", "1"], { env: env(), cwd });
      expect(paid.code, paid.stderr).to.equal(0);
    });

    it("records an open that landed after all, without sending a second one", async () => {
      const db = "landed.db";
      const interrupted = await interruptOpen(proxy, db, cwd);
      expect(interrupted.code).to.equal(130);
      await proxy.release(); // the node gets the signed open after the CLI is gone
      const id = openingChannel(db, cwd);
      const before = await blockNumber();
      const resumed = await seedpay(["--json", "--db", db, "open", "--resume", id.slice(2, 12)], { env: env(), cwd });
      expect(resumed.code, resumed.stderr).to.equal(0);
      const out = JSON.parse(resumed.stdout) as { channel: { id: string; status: string }; transactions: unknown[] };
      expect(out.channel).to.deep.include({ id, status: "open" });
      expect(out.transactions).to.deep.equal([]);
      expect(await blockNumber()).to.equal(before);
    });
  });
});

type HoldingProxy = {
  url: string;
  /** Resolves once a transaction is being held. */
  holding(): Promise<void>;
  /** Sends the held transaction on to the node. */
  release(): Promise<void>;
  /** Forgets the held transaction: it never reaches the node. */
  drop(): void;
  /** From now on, hold the n-th eth_sendRawTransaction (1 = the next one). */
  holdSend(n: number): void;
  close(): Promise<void>;
};

/** A JSON-RPC proxy that forwards everything except one chosen eth_sendRawTransaction, which it holds. */
async function holdingProxy(target: string): Promise<HoldingProxy> {
  let countdown = 0;
  let held: string | undefined;
  let onHold: (() => void) | undefined;
  const forward = async (body: string): Promise<string> =>
    (await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body })).text();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (body.includes('"eth_sendRawTransaction"') && countdown > 0 && --countdown === 0) {
        held = body; // no answer: the sender waits as it would for a slow node
        onHold?.();
        return;
      }
      void forward(body).then((answer) => {
        res.setHeader("content-type", "application/json");
        res.end(answer);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holding: () => new Promise<void>((resolve) => (held ? resolve() : (onHold = resolve))),
    release: async () => {
      const answer = JSON.parse(await forward(held!)) as { error?: unknown };
      if (answer.error) throw new Error(`the held transaction failed: ${JSON.stringify(answer.error)}`);
      held = undefined;
    },
    drop: () => (held = undefined),
    holdSend: (n) => {
      countdown = n;
      held = undefined;
      onHold = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `seedpay open` as a process through the proxy, interrupted (SIGINT) while its open is held. */
async function interruptOpen(proxy: HoldingProxy, db: string, cwd: string): Promise<CliRun> {
  proxy.holdSend(2); // the approve goes through; the open is held
  const child = spawn(
    process.execPath,
    [BIN, "--db", db, "open", "--payee", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "--deposit", "3"],
    {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SEEDPAY_RPC: proxy.url, SEEDPAY_PRIVATE_KEY: KEYS.payer },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + 2 : -1))),
  );
  await proxy.holding();
  child.kill("SIGINT");
  return { code: await exited, stdout, stderr };
}

/** The one channel a store holds, which must be `opening` (read from the store: status would refresh it). */
function openingChannel(db: string, cwd: string): string {
  const store = new SqliteStore(path.join(cwd, db));
  try {
    const channels = store.listChannels({});
    expect(channels.map((c) => c.status)).to.deep.equal(["opening"]);
    return channels[0]!.id;
  } finally {
    store.close();
  }
}
