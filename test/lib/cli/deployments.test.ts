import { expect } from "chai";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { readDeployment } from "../../../src/cli/deployments";
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
});
