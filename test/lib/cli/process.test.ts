import { expect } from "chai";
import { rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { BIN, KEYS, seedpay, seedpayProcess, tempDir } from "./helpers";

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const NO_STACK = /^\s+at /m;

/** `node bin/seedpay.js` as a real process: exit codes, streams, stdin, signals. */
describe("seedpay CLI: as a process", () => {
  let node: EmbeddedChain;
  let cwd: string;

  before(async () => {
    node = await startEmbeddedChain({ port: 0 });
    cwd = tempDir();
    const deploy = await seedpay(["deploy", "--test-token"], {
      env: { SEEDPAY_RPC: node.url, SEEDPAY_PRIVATE_KEY: KEYS.deployer },
      cwd,
    });
    expect(deploy.code, deploy.stderr).to.equal(0);
    const mint = await seedpay(["mint", "--to", node.accounts[1].address, "--amount", "20"], {
      env: { SEEDPAY_RPC: node.url, SEEDPAY_PRIVATE_KEY: KEYS.deployer },
      cwd,
    });
    expect(mint.code, mint.stderr).to.equal(0);
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("exits 1 with a message and no stack trace: missing key, bad amount, unreachable node, unknown channel", async () => {
    const port = await freePort();
    const env = { SEEDPAY_RPC: node.url };
    const [missingKey, badAmount, unreachable, unknownChannel] = await Promise.all([
      seedpayProcess(["open", "--payee", node.accounts[2].address, "--deposit", "1"], { env, cwd }),
      seedpayProcess(["top-up", "--channel", "0x1234abcd", "--amount", "1,5"], { env, cwd }),
      seedpayProcess(["status"], { env: { SEEDPAY_RPC: `http://127.0.0.1:${port}` }, cwd }),
      seedpayProcess(["--db", "payee.db", "claim", "--channel", "0x1234abcd"], {
        env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payee },
        cwd,
      }),
    ]);
    for (const run of [missingKey, badAmount, unreachable, unknownChannel]) {
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stdout).to.equal("");
      expect(run.stderr).to.not.match(NO_STACK);
    }
    expect(missingKey.stderr).to.match(
      /^error: `seedpay open` needs the wallet key: set SEEDPAY_PRIVATE_KEY or pass --key-file FILE\n/,
    );
    expect(badAmount.stderr).to.match(
      /^error: option '--amount <btt>' argument '1,5' is invalid\. Expected an amount in BTT/,
    );
    expect(unreachable.stderr).to.equal(
      `error: cannot reach the node at http://127.0.0.1:${port} (connection refused)\n` +
        "  Start the embedded chain with `seedpay node`, or point to a running node with --rpc URL / SEEDPAY_RPC.\n",
    );
    expect(unknownChannel.stderr).to.match(
      /^error: no channel 0x1234abcd in .*payee\.db for escrow 0x[0-9a-fA-F]{40}\n/,
    );
  });

  it("pipes a voucher from `pay` to `receive`, with progress on stderr and only JSON on stdout", async () => {
    const env = { SEEDPAY_RPC: node.url };
    const payer = { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payer, SEEDPAY_SIGNER_KEY: `0x${"42".repeat(32)}` };
    // Opened in process (faster); the pipe between two real processes is what this test is about.
    const open = await seedpay(
      ["--db", "payer.db", "--json", "open", "--payee", node.accounts[2].address, "--deposit", "2"],
      {
        env: payer,
        cwd,
      },
    );
    expect(open.code, open.stderr).to.equal(0);
    expect(open.stderr).to.match(
      /^sending approve… confirmed in block \d+, gas [\d,]+\nsending open… confirmed in block \d+, gas [\d,]+\n$/,
    );
    const { channel } = JSON.parse(open.stdout) as { channel: { id: string } };

    // A shell pipe, as the README shows: each side with its own key and store.
    const pipe = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        "sh",
        [
          "-c",
          `SEEDPAY_PRIVATE_KEY=$PAYER_KEY node "$BIN" --db payer.db pay --channel ${channel.id} --amount 0.75 ` +
            `| SEEDPAY_PRIVATE_KEY=$PAYEE_KEY node "$BIN" --db payee.db --json receive`,
        ],
        {
          cwd,
          env: {
            PATH: process.env.PATH,
            ...env,
            SEEDPAY_SIGNER_KEY: payer.SEEDPAY_SIGNER_KEY,
            PAYER_KEY: KEYS.payer,
            PAYEE_KEY: KEYS.payee,
            BIN,
          },
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(pipe.code, pipe.stderr).to.equal(0);
    expect(pipe.stderr).to.match(/signed a voucher for 0.75 BTT in total/);
    expect(pipe.stderr).to.match(/accepted new channel 0x[0-9a-f]{64}/);
    expect(JSON.parse(pipe.stdout)).to.deep.include({ accepted: true, newChannel: true, channelId: channel.id });
  });

  it("`seedpay node` serves a chain with Shasta's chain id until interrupted", async () => {
    const child = spawn(process.execPath, [BIN, "node", "--port", "0", "--json", "--accounts", "3"], {
      cwd,
      env: { PATH: process.env.PATH },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
        });
        child.on("exit", () => reject(new Error("seedpay node exited before printing its URL")));
      });
      const info = JSON.parse(line) as { url: string; chainId: string; accounts: { address: string }[] };
      expect(info.chainId).to.equal("2494104990");
      expect(info.accounts.map((a) => a.address)).to.deep.equal(node.accounts.slice(0, 3).map((a) => a.address));
      const response = await fetch(info.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      expect(((await response.json()) as { result: string }).result).to.equal("0x94a9059e");
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).to.equal(0);
  });
});
