import { expect } from "chai";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { readDeployment, toDeploymentFile, writeDeployment, type DeploymentRecord } from "../../../src/cli/deployments";
import { tempDir } from "./helpers";

describe("seedpay CLI: deployment files", () => {
  it("reads a record written by TronBox's migration or scripts/deploy.ts, with addresses as 0x-hex", () => {
    const file = path.join(tempDir(), "shasta.json");
    const contract = (address: string, txId: string | null) => ({
      address,
      hex: "41",
      txId,
      block: 7,
      codeHash: "0x" + "ab".repeat(32),
      constructorArgs: [],
    });
    writeFileSync(
      file,
      JSON.stringify({
        network: "shasta",
        chainId: 2494104990,
        deployer: "TWer2Ygk5TEheHp3TPuYeqxmB6SsGZmaL6",
        deployedAt: "2026-11-24T00:00:00.000Z",
        contracts: {
          token: contract("TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4", null),
          escrow: contract("TWer2Ygk5TEheHp3TPuYeqxmB6SsGZmaL6", "cd".repeat(32)),
          bond: contract("TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C", "ef".repeat(32)),
        },
        compiler: { version: "0.8.29", settings: {} },
      }),
    );
    const record = readDeployment(file)!;
    expect(record.chainId).to.equal("2494104990");
    expect(record.escrow.address).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(record.escrow.txHash).to.equal("0x" + "cd".repeat(32));
    expect(record.token).to.include({ testToken: false });
    expect(record.bond?.blockNumber).to.equal(7);
  });

  it("reads the escrow's dispute-window bounds from its constructor arguments", () => {
    const file = path.join(tempDir(), "nile.json");
    const contract = (address: string, constructorArgs: unknown[]) => ({
      address,
      txId: "ab".repeat(32),
      block: 9,
      codeHash: "0x" + "ab".repeat(32),
      constructorArgs,
    });
    writeFileSync(
      file,
      JSON.stringify({
        network: "nile",
        chainId: 3448148188,
        deployer: "TWer2Ygk5TEheHp3TPuYeqxmB6SsGZmaL6",
        deployedAt: "2026-11-24T00:00:00.000Z",
        contracts: {
          token: contract("TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4", ["Test BTT", "tBTT"]),
          escrow: contract("TWer2Ygk5TEheHp3TPuYeqxmB6SsGZmaL6", ["TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4", 7200, 86400]),
        },
        compiler: { version: "0.8.29", settings: {} },
      }),
    );
    const record = readDeployment(file)!;
    expect(record.escrow).to.include({ minDisputeWindow: 7200, maxDisputeWindow: 86400 });
    // Deployed with the escrow (a txId): the test token `seedpay mint` may mint.
    expect(record.token.testToken).to.equal(true);
    expect(record.bond).to.equal(undefined);
  });

  const evmRecord: DeploymentRecord = {
    network: "localhost",
    chainId: "2494104990",
    deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    deployedAt: "2026-11-24T00:00:00.000Z",
    escrow: {
      address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      txHash: "0x" + "11".repeat(32),
      blockNumber: 2,
      codeHash: "0x" + "22".repeat(32),
      minDisputeWindow: 3600,
      maxDisputeWindow: 2592000,
    },
    token: {
      address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      txHash: "0x" + "33".repeat(32),
      blockNumber: 1,
      codeHash: "0x" + "44".repeat(32),
      testToken: true,
    },
    bond: {
      address: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
      txHash: "0x" + "55".repeat(32),
      blockNumber: 3,
      codeHash: "0x" + "66".repeat(32),
    },
    compiler: { version: "0.8.29+commit.ab55807c", settings: { evmVersion: "london" } },
  };

  it("still reads files `seedpay deploy` wrote before the shapes converged (escrow/token/bond at the top)", () => {
    const file = path.join(tempDir(), "localhost.json");
    writeFileSync(file, JSON.stringify(evmRecord));
    expect(readDeployment(file)).to.deep.equal(evmRecord);
  });

  it("writes an EVM deployment in the shared shape, and reads it back unchanged", () => {
    const file = path.join(tempDir(), "localhost.json");
    const written = toDeploymentFile(evmRecord, ["Test BTT", "tBTT"]);
    expect(written).to.not.have.any.keys("escrow", "token", "bond");
    expect(written.chainId).to.equal(2494104990);
    expect(written.contracts.escrow).to.deep.equal({
      address: evmRecord.escrow.address,
      txId: evmRecord.escrow.txHash,
      block: 2,
      codeHash: evmRecord.escrow.codeHash,
      constructorArgs: [evmRecord.token.address, 3600, 2592000],
    });
    writeDeployment(file, written);
    expect(readDeployment(file)).to.deep.equal(evmRecord);

    // An existing token (--token) has no deployment transaction and is not mintable.
    const existing = toDeploymentFile(
      { ...evmRecord, token: { address: evmRecord.token.address, codeHash: "0x" + "44".repeat(32), testToken: false } },
      ["Test BTT", "tBTT"],
    );
    expect(existing.contracts.token).to.include({ txId: null, block: null });
    writeDeployment(file, existing);
    expect(readDeployment(file)!.token).to.include({ testToken: false, txHash: "", blockNumber: 0 });
  });
});
