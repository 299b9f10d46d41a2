import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";
import { JsonRpcProvider, parseUnits } from "ethers";
import hre from "hardhat";
import { IERC20__factory } from "../../typechain-types";
import { readmeLibraryExample } from "./readme";
import { REPO, run, runOk, tempDir } from "./shell";

/**
 * The package as a user gets it: `npm pack` (prepack builds dist/), the tarball installed into an
 * empty project from the npm cache (--prefer-offline: the registry only for what the cache lacks),
 * with hardhat, ethers and @types/node added as the README tells users. There: the README's
 * library example (ES module) and a CommonJS script open, pay, claim and close channels against
 * `seedpay node` started from the install; strict TypeScript files type-check against the
 * published declarations; `npx seedpay` deploys. Every test here reads what the tarball holds, so
 * a file missing from `files` fails one of them. About 2 minutes, most of it npm install and tsc.
 */
describe("the package, installed from its tarball in an empty project", function () {
  this.timeout(15 * 60_000);

  const manifest = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as PackageJson;
  const KEYS = {
    deployer: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    payer: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    payee: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    signer: `0x${"5e".repeat(32)}`,
  };
  const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const PAYEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  let dir: string;
  let project: string;
  let packed: PackResult;
  let node: ChildProcess | undefined;
  let rpc: string;
  let escrow: string;
  let token: string;

  const seedpayBin = () => path.join(project, "node_modules", ".bin", "seedpay");
  const chainEnv = () => ({ SEEDPAY_RPC: rpc, SEEDPAY_ESCROW: escrow });

  before(async function () {
    dir = tempDir("seedpay-package-");
    project = path.join(dir, "project");
    mkdirSync(project);
    const pack = await runOk("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO });
    packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as PackResult[])[0]!;
    console.log(
      `      packed ${packed.filename}: ${packed.size} bytes, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`,
    );
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    const started = Date.now();
    await runOk(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        path.join(dir, packed.filename),
        `hardhat@${manifest.devDependencies.hardhat}`,
        `ethers@${manifest.dependencies.ethers}`,
        `@types/node@${manifest.devDependencies["@types/node"]}`,
      ],
      { cwd: project, env: await betterSqlitePrebuild(dir) },
    );
    console.log(`      npm install: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    ({ node, url: rpc } = await startNode(seedpayBin(), project));
  });

  after(async () => {
    if (node && node.exitCode === null) {
      const exited = new Promise((resolve) => node!.once("exit", resolve));
      node.kill("SIGINT");
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ships the build, the contracts, the docs and the CLI, and no sources, tests, benches or scripts", () => {
    const files = packed.files.map((f) => f.path);
    for (const needed of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "docs/architecture.md",
      "bin/seedpay.js",
      "dist/src/cli/main.js",
      ...["ChannelEscrow", "StorageBond", "TestToken"].map((name) => `dist/contracts/${name}.json`),
      ...entryPoints(manifest),
    ]) {
      expect(files, needed).to.include(needed.replace(/^\.\//, ""));
    }
    const unwanted = files.filter((f) => /^(test|scripts|bench|contracts|src|typechain-types|artifacts)\//.test(f));
    expect(unwanted).to.deep.equal([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);
  });

  it("resolves every entry point of the exports map from the install, for require and import", async () => {
    const resolve = createRequire(path.join(project, "package.json"));
    for (const subpath of Object.keys(manifest.exports).filter((s) => s !== "./package.json")) {
      const specifier = path.posix.join("seedpay", subpath);
      expect(resolve.resolve(specifier), specifier).to.match(/node_modules\/seedpay\/dist\//);
    }
    const esm = await runOk(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'import * as s from "seedpay"; import * as c from "seedpay/contracts"; ' +
          "console.log(JSON.stringify([typeof s.createVoucherSigner, typeof s.SqliteStore, c.ChannelEscrow.contractName]));",
      ],
      { cwd: project },
    );
    expect(JSON.parse(esm.stdout)).to.deep.equal(["function", "function", "ChannelEscrow"]);
  });

  it("ships exactly the ABIs and bytecode Hardhat compiled and the tests ran", async () => {
    const shipped = createRequire(path.join(project, "package.json"))("seedpay/contracts") as Record<
      string,
      { abi: unknown; bytecode: string; deployedBytecode: string }
    >;
    for (const name of ["ChannelEscrow", "StorageBond", "TestToken"]) {
      const compiled = await hre.artifacts.readArtifact(name);
      expect(shipped[name]!.bytecode, name).to.equal(compiled.bytecode);
      expect(shipped[name]!.deployedBytecode, name).to.equal(compiled.deployedBytecode);
      expect(shipped[name]!.abi, name).to.deep.equal(compiled.abi);
    }
  });

  it("loads no Hardhat, TronBox, devnode or CLI code when the library is imported (hardhat installed beside it)", async () => {
    const loaded = await runOk(
      process.execPath,
      ["-e", 'require("seedpay"); console.log(JSON.stringify(Object.keys(require.cache)))'],
      { cwd: project },
    );
    const modules = JSON.parse(loaded.stdout) as string[];
    expect(modules.some((m) => m.includes("/node_modules/seedpay/dist/src/index.js"))).to.equal(true);
    const heavy = modules.filter((m) =>
      /\/node_modules\/(hardhat|tronbox|@nomicfoundation)\/|\/seedpay\/dist\/src\/(cli|devnode)\//.test(m),
    );
    expect(heavy).to.deep.equal([]);
  });

  it("runs `npx seedpay --help` and `npx seedpay deploy --test-token` from the install", async () => {
    const help = await runOk("npx", ["--no-install", "seedpay", "--help"], { cwd: project });
    expect(help.stdout).to.match(/^Usage: seedpay /);
    const deploy = await runOk("npx", ["--no-install", "seedpay", "deploy", "--test-token"], {
      cwd: project,
      env: { SEEDPAY_RPC: rpc, SEEDPAY_PRIVATE_KEY: KEYS.deployer },
    });
    expect(deploy.stdout).to.include("wrote deployments/localhost.json");
    const deployment = JSON.parse(readFileSync(path.join(project, "deployments", "localhost.json"), "utf8")) as {
      contracts: { escrow: { address: string; codeHash: string }; token: { address: string } };
    };
    escrow = deployment.contracts.escrow.address;
    token = deployment.contracts.token.address;
    // What runs on the chain is the bytecode Hardhat compiled (immutables aside, the runtime code matches).
    const code = await new JsonRpcProvider(rpc).getCode(escrow);
    expect(code.length).to.equal((await hre.artifacts.readArtifact("ChannelEscrow")).deployedBytecode.length);
    await runOk(seedpayBin(), ["mint", "--to", PAYER, "--amount", "100"], {
      cwd: project,
      env: { ...chainEnv(), SEEDPAY_PRIVATE_KEY: KEYS.deployer },
    });
  });

  it("runs the README's library example as an ES module: the payee ends with exactly what was signed", async () => {
    expect(escrow, "the deploy test ran first").to.be.a("string");
    writeFileSync(path.join(project, "payer-payee.mjs"), readmeLibraryExample());
    const before = await balances(rpc, token, [PAYER, PAYEE]);
    const example = await runOk(process.execPath, ["payer-payee.mjs"], {
      cwd: project,
      env: { ...chainEnv(), PAYER_KEY: KEYS.payer, PAYEE_KEY: KEYS.payee, SIGNER_KEY: KEYS.signer },
    });
    expect(example.stdout).to.match(/^claimed 1\.5 BTT in 0x[0-9a-f]{64}\n/);
    expect(example.stdout).to.match(/\nclosed 0x[0-9a-f]{64} in 0x[0-9a-f]{64}: the payee holds /);
    const after = await balances(rpc, token, [PAYER, PAYEE]);
    expect(after[1]! - before[1]!).to.equal(parseUnits("2", 18));
    expect(before[0]! - after[0]!).to.equal(parseUnits("2", 18));
  });

  it("runs a CommonJS script: sign, verify, open, pay, claim and close", async () => {
    expect(escrow, "the deploy test ran first").to.be.a("string");
    copyFixture("consumer.cjs", project);
    const before = await balances(rpc, token, [PAYER, PAYEE]);
    const script = await runOk(process.execPath, ["consumer.cjs"], {
      cwd: project,
      env: { ...chainEnv(), PAYER_KEY: KEYS.payer, PAYEE_KEY: KEYS.payee, SIGNER_KEY: KEYS.signer },
    });
    const out = JSON.parse(script.stdout) as { channelId: string; backend: string };
    expect(out.channelId).to.match(/^0x[0-9a-f]{64}$/);
    expect(["native", "noble"]).to.include(out.backend);
    const after = await balances(rpc, token, [PAYER, PAYEE]);
    expect(after[1]! - before[1]!).to.equal(parseUnits("2", 18));
    expect(before[0]! - after[0]!).to.equal(parseUnits("2", 18));
  });

  for (const resolution of ["node16", "bundler"] as const) {
    it(`type-checks strict TypeScript against the published declarations (moduleResolution ${resolution})`, async () => {
      for (const file of ["consumer.ts", "consumer.mts"]) copyFixture(file, project);
      const config = `tsconfig.${resolution}.json`;
      const compilerOptions = {
        strict: true,
        noEmit: true,
        target: "es2022",
        // node16 checks our declarations too, not only the consumer's use of them (half of this
        // test's time); bundler checks resolution and use.
        skipLibCheck: resolution === "bundler",
        types: ["node"],
        ...(resolution === "node16"
          ? { module: "node16", moduleResolution: "node16" }
          : { module: "esnext", moduleResolution: "bundler" }),
      };
      writeFileSync(
        path.join(project, config),
        JSON.stringify({ compilerOptions, files: ["consumer.ts", "consumer.mts"] }),
      );
      const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
      const checked = await run(process.execPath, [tsc, "-p", config], { cwd: project });
      expect(checked.code, checked.stdout + checked.stderr).to.equal(0);
    });
  }

  it("fails at start on an unsupported Node.js with a message naming it, from the CLI and the library", async () => {
    const fake = path.join(dir, "node18.js");
    writeFileSync(fake, 'Object.defineProperty(process.versions, "node", { value: "18.19.1" });\n');
    const cli = await run(process.execPath, ["-r", fake, seedpayBin(), "--help"], { cwd: project });
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.match(/^error: seedpay needs Node\.js 20, or 22 and later; this is Node\.js 18\.19\.1/);
    const library = await run(process.execPath, ["-r", fake, "-e", 'require("seedpay")'], { cwd: project });
    expect(library.code).to.equal(1);
    expect(library.stderr).to.include("Error: seedpay needs Node.js 20, or 22 and later; this is Node.js 18.19.1");
  });

  it("says which package to install when the optional Hardhat is missing (exit 1, one line)", async () => {
    const hardhat = path.join(project, "node_modules", "hardhat");
    renameSync(hardhat, `${hardhat}.away`);
    try {
      for (const command of ["node", "devnode"]) {
        const missing = await run(seedpayBin(), [command, "--port", "0"], { cwd: project });
        expect(missing.code, command).to.equal(1);
        expect(missing.stderr.trim().split("\n"), command).to.deep.equal([
          `error: \`seedpay ${command}\` needs Hardhat, which is not installed: npm install --save-dev hardhat@${manifest.devDependencies.hardhat}`,
        ]);
      }
    } finally {
      renameSync(`${hardhat}.away`, hardhat);
    }
  });
});

/**
 * A consumer's file from fixtures/, where it is stored as NAME.txt: Hardhat's test task would load
 * any .cjs, .ts or .mts under test/ as a test file, and the repository cannot resolve "seedpay".
 */
function copyFixture(name: string, project: string): void {
  copyFileSync(path.join(__dirname, "fixtures", `${name}.txt`), path.join(project, name));
}

type PackageJson = {
  exports: Record<string, string | Record<string, string>>;
  main: string;
  types: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

type PackResult = {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
};

/** Every file package.json points at: main, types, bin and each exports condition. */
function entryPoints(manifest: PackageJson): string[] {
  const targets = Object.values(manifest.exports).flatMap((t) => (typeof t === "string" ? [t] : Object.values(t)));
  return [manifest.main, manifest.types, ...Object.values(manifest.bin), ...targets];
}

/**
 * better-sqlite3 builds from source when its prebuilt binary cannot be downloaded (no internet
 * here, ~90 s on two cores). prebuild-install first looks in a local prebuilds folder: hand it
 * the binary this checkout already built for the same version, Node ABI and platform.
 */
async function betterSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  const moduleDir = path.join(REPO, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(readFileSync(path.join(moduleDir, "package.json"), "utf8")) as { version: string };
  const prebuilds = path.join(dir, "prebuilds");
  mkdirSync(prebuilds);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await runOk("tar", ["-czf", path.join(prebuilds, name), "-C", moduleDir, "build/Release/better_sqlite3.node"], {
    cwd: dir,
  });
  return { npm_config_better_sqlite3_local_prebuilds: prebuilds };
}

/** `seedpay node --port 0 --json` from the install: resolves with its URL once it listens. */
async function startNode(bin: string, cwd: string): Promise<{ node: ChildProcess; url: string }> {
  const node = spawn(bin, ["node", "--port", "0", "--json"], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  node.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: node.stdout! }).once("line", resolve);
    node.once("exit", (code) => reject(new Error(`seedpay node exited with ${code}: ${stderr}`)));
  });
  return { node, url: (JSON.parse(firstLine) as { url: string }).url };
}

async function balances(rpc: string, token: string, accounts: string[]): Promise<bigint[]> {
  const provider = new JsonRpcProvider(rpc);
  try {
    const erc20 = IERC20__factory.connect(token, provider);
    return await Promise.all(accounts.map((a) => erc20.balanceOf(a)));
  } finally {
    provider.destroy();
  }
}
