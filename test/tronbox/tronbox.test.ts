import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256 } from "ethers";
import { TronWeb } from "tronweb";
import { startDevnode } from "../../src/devnode";
import type { Devnode } from "../../src/devnode";
import { escrowDomainSeparator } from "../../src/index";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seed } = require("../../scripts/seed-tronbox-solc.js") as { seed(o: { log(m: string): void }): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stripMetadata } = require("../../scripts/tronbox-deployments.js") as { stripMetadata(h: string): string };

const ROOT = join(__dirname, "../..");
const TRONBOX = require.resolve("tronbox/build/tronbox.js");
const SHASTA_CHAIN_ID = 2494104990n;

interface Artifact {
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

/**
 * TronBox as users run it (`npx tronbox ...`), in a child process. Asynchronous on purpose: the
 * devnode serves from this process, so a synchronous spawn would deadlock.
 */
function tronbox(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [TRONBOX, ...args],
      { cwd: ROOT, env: { ...process.env, ...env, FORCE_COLOR: "0" }, maxBuffer: 16 << 20, timeout: 110_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`tronbox ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

describe("TronBox: compile, migrate and test on the devnode", function () {
  this.timeout(180_000);

  let node: Devnode;
  let deploymentsDir: string;
  // TronBox refuses a build directory outside the project; node_modules/ is ignored by git.
  const buildRel = join("node_modules", ".cache", `seedpay-tronbox-test-${process.pid}`);
  let env: NodeJS.ProcessEnv;

  before(async () => {
    seed({ log: () => undefined });
    node = await startDevnode({ port: 0 });
    deploymentsDir = mkdtempSync(join(tmpdir(), "seedpay-deployments-"));
    env = {
      TRONBOX_DEVELOPMENT_URL: node.url,
      TRONBOX_BUILD_DIR: join(buildRel, "contracts"),
      SEEDPAY_DEPLOYMENTS_DIR: deploymentsDir,
      PRIVATE_KEY_DEVELOPMENT: node.accounts[0].privateKey,
    };
  });

  after(async () => {
    await node?.close();
    rmSync(deploymentsDir, { recursive: true, force: true });
    rmSync(join(ROOT, buildRel), { recursive: true, force: true });
  });

  it("`tronbox compile` builds offline the bytecode Hardhat tests (modulo the metadata hash)", async () => {
    const out = await tronbox(["compile"], env);
    expect(out).to.match(/Compiled successfully using:\s*- solc: 0\.8\.29/);
    for (const [name, source] of [
      ["ChannelEscrow", "ChannelEscrow.sol"],
      ["StorageBond", "StorageBond.sol"],
      ["TestToken", "test/TestToken.sol"],
    ]) {
      const tron = readJson<Artifact>(join(ROOT, buildRel, "contracts", `${name}.json`));
      const hardhat = readJson<Artifact>(join(ROOT, "artifacts/contracts", source, `${name}.json`));
      expect(stripMetadata(tron.deployedBytecode), `${name} runtime`).to.equal(stripMetadata(hardhat.deployedBytecode));
      expect(stripMetadata(tron.bytecode), `${name} init code`).to.equal(stripMetadata(hardhat.bytecode));
    }
  });

  it("`tronbox migrate --network development` deploys and records deployments/development.json", async () => {
    const out = await tronbox(["migrate", "--network", "development"], env);
    expect(out).to.contain("Deploying ChannelEscrow");
    const file = join(deploymentsDir, "development.json");
    expect(existsSync(file), out).to.equal(true);
    const record = readJson<{
      network: string;
      chainId: number;
      deployer: string;
      contracts: Record<
        "token" | "escrow" | "bond",
        { address: string; hex: string; txId: string; block: number; codeHash: string; constructorArgs: unknown[] }
      >;
      compiler: { version: string; settings: { viaIR: boolean; evmVersion: string; optimizer: { runs: number } } };
      deployedAt: string;
    }>(file);
    expect(record.network).to.equal("development");
    expect(record.chainId).to.equal(Number(SHASTA_CHAIN_ID));
    expect(record.deployer).to.equal(node.accounts[0].address);
    expect(record.compiler.version).to.equal("0.8.29");
    expect(record.compiler.settings).to.deep.include({ viaIR: true, evmVersion: "london" });
    expect(record.compiler.settings.optimizer.runs).to.equal(20000);
    expect(Date.parse(record.deployedAt)).to.be.greaterThan(0);

    const tw = new TronWeb({ fullHost: node.url, privateKey: node.accounts[0].privateKey });
    for (const c of Object.values(record.contracts)) {
      expect(tw.address.toHex(c.address)).to.equal(c.hex);
      expect(c.txId).to.match(/^[0-9a-f]{64}$/);
      expect(c.block).to.be.a("number");
      const onChain = await tw.trx.getContract(c.hex);
      expect(keccak256(`0x${onChain.bytecode}`)).to.equal(c.codeHash);
    }
    const { escrow, token, bond } = record.contracts;
    expect(escrow.constructorArgs).to.deep.equal([token.address, 3600, 2592000]);
    expect(bond.constructorArgs).to.deep.equal([token.address]);
    expect(token.constructorArgs).to.deep.equal(["Test BTT", "tBTT"]);

    // The runtime code on chain is Hardhat's (immutables filled in, metadata aside).
    const hardhatEscrow = readJson<Artifact>(join(ROOT, "artifacts/contracts/ChannelEscrow.sol/ChannelEscrow.json"));
    const onChainEscrow = await tw.trx.getContract(escrow.hex);
    expect(stripMetadata(onChainEscrow.bytecode).length).to.equal(stripMetadata(hardhatEscrow.deployedBytecode).length);

    const contract = tw.contract(hardhatEscrow.abi as never, escrow.address);
    expect(tw.address.fromHex(await contract.token().call())).to.equal(token.address);
    const domain = await contract.eip712Domain().call();
    expect(BigInt(domain.chainId)).to.equal(SHASTA_CHAIN_ID);
    expect(tw.address.fromHex(domain.verifyingContract)).to.equal(escrow.address);
    expect(escrowDomainSeparator({ chainId: SHASTA_CHAIN_ID, escrow: escrow.address })).to.match(/^0x[0-9a-f]{64}$/);

    // Migrating again does not deploy twice (no Migrations contract: the record is the guard).
    const again = await tronbox(["migrate", "--network", "development"], env);
    expect(again).to.contain("already deployed on development");
    expect(readJson<{ contracts: { escrow: { address: string } } }>(file).contracts.escrow.address).to.equal(
      escrow.address,
    );
  });

  it("`tronbox test --network development` runs test/tronbox/tronbox-tests against the devnode", async () => {
    const out = await tronbox(["test", "--network", "development"], env);
    expect(out).to.contain("opens a channel");
    expect(out).to.match(/2 passing/);
    expect(out).not.to.match(/failing/);
    // TronBox needed nothing the devnode does not serve.
    expect(node.unknownPaths).to.deep.equal([]);
  });
});
