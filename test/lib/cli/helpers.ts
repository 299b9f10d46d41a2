import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { runCli } from "../../../src/cli/main";

export const BIN = path.resolve(__dirname, "..", "..", "..", "bin", "seedpay.js");

export type CliRun = { code: number; stdout: string; stderr: string };

export type RunOptions = {
  env?: Record<string, string | undefined>;
  cwd: string;
  /** What stdin holds; empty by default. */
  input?: string;
};

/** A temporary working directory (deployments/ and stores land there). */
export function tempDir(prefix = "seedpay-cli-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Runs the CLI in this process with its own streams and environment (nothing from process.env). */
export async function seedpay(args: string[], { env = {}, cwd, input = "" }: RunOptions): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await runCli(args, {
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    stdin: Readable.from([Buffer.from(input)]),
    env,
    cwd,
  });
  return { code, stdout, stderr };
}

/** Runs `node bin/seedpay.js` as a real process, with only PATH and `env` in its environment. */
export function seedpayProcess(args: string[], { env = {}, cwd, input = "" }: RunOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Hardhat's well-known test keys (public: for local chains only). */
export const KEYS = {
  deployer: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  payer: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  payee: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  payer2: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
};

/** A long-running `seedpay` process: its output so far, and a way to stop it with a signal (default SIGTERM, as Ctrl-C would). */
export type Running = {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<CliRun>;
};

export function startProcess(args: string[], env: Record<string, string>, cwd: string): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      return { code: await exited, stdout, stderr };
    },
  };
}

export async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
