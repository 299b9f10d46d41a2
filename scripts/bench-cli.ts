/**
 * CLI start-up time, as a user meets it: `npm run bench:cli`.
 *
 * Packs the package (prepack builds dist/), installs the tarball and hardhat into an empty project
 * (npm cache first), starts `seedpay node` from there, deploys, opens a channel, and then times
 * whole processes, wall clock, spawn to exit:
 *   - `seedpay --help` and `seedpay status --json` from the install (dist/, no ts-node);
 *   - the same through bin/seedpay.js of the commit before the package had a build (default: the
 *     merge base with main; `npm run bench:cli -- <commit>` picks another), which ran the sources
 *     through ts-node, every command loaded: what every run cost a user then.
 * Writes bench/cli.json (milliseconds; median, min and max of RUNS runs after one warm-up run).
 * The machine is shared, so the load average at the start is recorded beside the numbers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

const RUNS = 10;
const GOAL_HELP_MS = 300;
const REPO = path.resolve(__dirname, "..");
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const PAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PAYEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

type Run = { code: number; stdout: string; stderr: string; ms: number };

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const result = { code: code ?? -1, stdout, stderr, ms };
      if (result.code !== 0) reject(new Error(`${command} ${args.join(" ")}: exit ${code}\n${stdout}\n${stderr}`));
      else resolve(result);
    });
  });
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round((sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2);
};

/**
 * Wall time of RUNS runs of one command line, after a warm-up run (file cache, npm's and Node's),
 * and the CPU time (user + system) of the same runs from GNU time when it is installed: on a
 * shared machine the wall time grows with the load, the CPU time much less.
 */
async function time(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const gnuTime = existsSync("/usr/bin/time");
  const timesFile = path.join(cwd, ".cpu-time");
  const once = () =>
    gnuTime
      ? run("/usr/bin/time", ["-f", "%U %S", "-o", timesFile, command, ...args], cwd, env)
      : run(command, args, cwd, env);
  await once();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    wall.push((await once()).ms);
    if (gnuTime) {
      const [user, system] = readFileSync(timesFile, "utf8").trim().split(/\s+/).map(Number);
      cpu.push((user! + system!) * 1000);
    }
  }
  return {
    medianMs: median(wall),
    minMs: Math.round(Math.min(...wall)),
    maxMs: Math.round(Math.max(...wall)),
    ...(gnuTime ? { cpuMedianMs: median(cpu) } : {}),
  };
}

/** better-sqlite3's binary from this checkout as a local prebuild, so the install needs no compiler run. */
async function betterSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  const moduleDir = path.join(REPO, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(readFileSync(path.join(moduleDir, "package.json"), "utf8")) as { version: string };
  const prebuilds = path.join(dir, "prebuilds");
  mkdirSync(prebuilds);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run("tar", ["-czf", path.join(prebuilds, name), "-C", moduleDir, "build/Release/better_sqlite3.node"], dir);
  return { npm_config_better_sqlite3_local_prebuilds: prebuilds };
}

async function startNode(bin: string, cwd: string): Promise<{ node: ChildProcess; url: string }> {
  const node = spawn(bin, ["node", "--port", "0", "--json"], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: node.stdout! }).once("line", resolve);
    node.once("exit", (code) => reject(new Error(`seedpay node exited with ${code}`)));
  });
  return { node, url: (JSON.parse(line) as { url: string }).url };
}

/**
 * The sources of `commit`, runnable as they were: the tree from git, this checkout's node_modules
 * and TypeChain bindings (the contracts' ABIs are what the CLI needs of them).
 */
async function checkoutOf(commit: string, dir: string): Promise<string> {
  mkdirSync(dir);
  await run("sh", ["-c", `git -C "${REPO}" archive ${commit} | tar -x -C "${dir}"`], REPO);
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  cpSync(path.join(REPO, "typechain-types"), path.join(dir, "typechain-types"), { recursive: true });
  return path.join(dir, "bin", "seedpay.js");
}

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  const beforeCommit = process.argv[2] ?? (await run("git", ["merge-base", "HEAD", "main"], REPO)).stdout.trim();
  const manifest = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
    version: string;
    devDependencies: Record<string, string>;
  };
  const dir = mkdtempSync(path.join(tmpdir(), "seedpay-bench-cli-"));
  let node: ChildProcess | undefined;
  try {
    console.log("packing (npm pack builds dist/)…");
    const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], REPO);
    const packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as { filename: string }[])[0]!;
    const project = path.join(dir, "project");
    mkdirSync(project);
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "bench", private: true }));
    console.log("installing the tarball and hardhat into an empty project…");
    const installEnv = await betterSqlitePrebuild(dir);
    const install = ["install", "--prefer-offline", "--no-audit", "--no-fund"];
    await run(
      "npm",
      [...install, path.join(dir, packed.filename), `hardhat@${manifest.devDependencies.hardhat}`],
      project,
      installEnv,
    );

    const installed = path.join(project, "node_modules", ".bin", "seedpay");
    const checkout = await checkoutOf(beforeCommit, path.join(dir, "before"));
    const started = await startNode(installed, project);
    node = started.node;
    const rpc = started.url;
    const env = { SEEDPAY_RPC: rpc };
    await run(installed, ["deploy", "--test-token"], project, { ...env, SEEDPAY_PRIVATE_KEY: DEPLOYER_KEY });
    await run(installed, ["mint", "--to", PAYER, "--amount", "10"], project, {
      ...env,
      SEEDPAY_PRIVATE_KEY: DEPLOYER_KEY,
    });
    await run(installed, ["open", "--payee", PAYEE, "--deposit", "1"], project, {
      ...env,
      SEEDPAY_PRIVATE_KEY: PAYER_KEY,
    });

    console.log(`timing ${RUNS} runs of each…`);
    const status = ["status", "--json"];
    const statusEnv = { ...env, SEEDPAY_PRIVATE_KEY: PAYER_KEY };
    const result = {
      what: "wall time of whole `seedpay` processes, spawn to exit, ms (median, min, max); CPU time (user + system) median",
      runs: RUNS,
      node: process.version,
      cpus: cpus().length,
      loadAverageAtStart: Math.round(load * 100) / 100,
      package: `seedpay@${manifest.version}`,
      goal: { helpMs: GOAL_HELP_MS },
      installed: {
        help: await time(installed, ["--help"], project),
        statusJson: await time(installed, status, project, statusEnv),
      },
      tsNodeBefore: {
        commit: beforeCommit,
        help: await time(process.execPath, [checkout, "--help"], project),
        statusJson: await time(process.execPath, [checkout, ...status], project, statusEnv),
      },
    };
    writeFileSync(path.join(REPO, "bench", "cli.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (node && node.exitCode === null) node.kill("SIGINT");
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
