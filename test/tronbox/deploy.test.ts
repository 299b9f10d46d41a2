import { expect } from "chai";
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256 } from "ethers";
import { TronWeb } from "tronweb";
import { startDevnode } from "../../src/devnode";
import type { Devnode } from "../../src/devnode";
import { escrowDomainSeparator } from "../../src/index";

const ROOT = join(__dirname, "../..");
/** A loopback port nothing listens on: the "network" a dry run must not need. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface Run {
  code: number;
  out: string;
}

/** `ts-node --transpile-only scripts/deploy.ts ...` in a child process (asynchronous: the devnode serves from here). */
function deployScript(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", join(ROOT, "scripts/deploy.ts"), ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 << 20, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

describe("scripts/deploy.ts (TronWeb deployment)", function () {
  this.timeout(120_000);

  let node: Devnode;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let UNREACHABLE: string;

  before(async () => {
    UNREACHABLE = await closedPortUrl();
    node = await startDevnode({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), "seedpay-deploy-"));
    env = {
      SEEDPAY_DEPLOYMENTS_DIR: dir,
      TRONBOX_DEVELOPMENT_URL: node.url,
      // No real network is ever contacted from the tests.
      TRONBOX_SHASTA_URL: UNREACHABLE,
      TRONBOX_NILE_URL: UNREACHABLE,
      TRONBOX_MAINNET_URL: UNREACHABLE,
      PRIVATE_KEY_DEVELOPMENT: node.accounts[1].privateKey,
      PRIVATE_KEY_SHASTA: "",
      PRIVATE_KEY_NILE: "",
      PRIVATE_KEY_MAINNET: "",
    };
  });

  after(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("deploys to the devnode, verifies the domain separator and writes deployments/development.json", async () => {
    const run = await deployScript(["--network", "development"], env);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).to.contain("matches the library's escrowDomainSeparator");

    const record = JSON.parse(readFileSync(join(dir, "development.json"), "utf8"));
    expect(record).to.include({ network: "development", chainId: 2494104990 });
    expect(record.compiler).to.deep.equal({
      version: "0.8.29",
      settings: { evmVersion: "london", viaIR: true, optimizer: { enabled: true, runs: 20000 } },
    });
    const tw = new TronWeb({ fullHost: node.url, privateKey: node.accounts[0].privateKey });
    for (const name of ["token", "escrow", "bond"]) {
      const c = record.contracts[name];
      const onChain = await tw.trx.getContract(c.hex);
      expect(keccak256(`0x${onChain.bytecode}`), name).to.equal(c.codeHash);
      const info = await tw.trx.getTransactionInfo(c.txId);
      expect(info.blockNumber, name).to.equal(c.block);
      expect(tw.address.fromHex(info.contract_address), name).to.equal(c.address);
    }
    expect(record.contracts.escrow.constructorArgs).to.deep.equal([record.contracts.token.address, 3600, 2592000]);
    expect(run.out).to.contain(escrowDomainSeparator({ chainId: 2494104990, escrow: record.contracts.escrow.address }));
    // The deployer is the key from PRIVATE_KEY_DEVELOPMENT.
    expect(record.deployer).to.equal(node.accounts[1].address);
  });

  it("--dry-run for shasta signs offline, prints energy, fee limits and TRX, and never needs the network", async () => {
    const head = await new TronWeb({ fullHost: node.url }).trx.getCurrentBlock();
    const run = await deployScript(["--network", "shasta", "--dry-run"], env);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).to.match(/not contacted: ECONNREFUSED/);
    expect(run.out).to.contain("PRIVATE_KEY_SHASTA is not set, signing with a throwaway key");
    for (const name of ["TestToken", "ChannelEscrow", "StorageBond"]) {
      expect(run.out).to.match(
        new RegExp(`${name}\\s+[\\d,]+\\s+[\\d.,]+\\s+[\\d,]+\\s+[\\d.,]+\\s+[\\d.,]+\\s+[0-9a-f]{64}`),
      );
    }
    // ChannelEscrow's deployment energy (docs/deploy.md: 2,206,971) at 100 sun/energy.
    // Then its bandwidth: the signed transaction's bytes, each burning 1,000 sun; then the fee limit.
    const escrowRow = /ChannelEscrow\s+2,206,971\s+220\.6971\s+([\d,]+)\s+([\d.]+)\s+265\s/.exec(run.out);
    expect(escrowRow, run.out).to.not.equal(null);
    const bytes = Number(escrowRow![1].replace(/,/g, ""));
    expect(bytes).to.be.within(9_000, 20_000);
    expect(Number(escrowRow![2])).to.equal(bytes / 1000);
    expect(run.out).to.match(/total cost: [\d.]+ TRX burnt: [\d.]+ for energy and [\d.]+ for bandwidth/);
    expect(run.out).to.contain("NOT broadcast");
    expect(existsSync(join(dir, "shasta.json"))).to.equal(false);
    // Nothing reached the devnode either.
    const after = await new TronWeb({ fullHost: node.url }).trx.getCurrentBlock();
    expect(after.block_header.raw_data.number).to.be.at.most(head.block_header.raw_data.number + 1);
  });

  it("refuses a node whose chain id is not the network's, before sending anything", async () => {
    const before = (await new TronWeb({ fullHost: node.url }).trx.getCurrentBlock()).block_header.raw_data.number;
    const run = await deployScript(["--network", "nile", "--url", node.url], {
      ...env,
      PRIVATE_KEY_NILE: node.accounts[2].privateKey,
    });
    expect(run.code).to.equal(1);
    expect(run.out).to.contain("chain id mismatch: nile is 3448148188, but the node at");
    expect(run.out).to.contain("reports 2494104990");
    expect(existsSync(join(dir, "nile.json"))).to.equal(false);
    const after = (await new TronWeb({ fullHost: node.url }).trx.getCurrentBlock()).block_header.raw_data.number;
    expect(after).to.be.at.most(before + 1);
  });

  it("a real deploy without the network's key or node fails with a clear message", async () => {
    const noKey = await deployScript(["--network", "mainnet"], env);
    expect(noKey.code).to.equal(1);
    expect(noKey.out).to.contain("PRIVATE_KEY_MAINNET is not set");
    const noNode = await deployScript(["--network", "shasta"], {
      ...env,
      PRIVATE_KEY_SHASTA: node.accounts[3].privateKey,
    });
    expect(noNode.code).to.equal(1);
    expect(noNode.out).to.contain(`cannot reach shasta's node at ${UNREACHABLE} (ECONNREFUSED); nothing was sent`);
  });
});
