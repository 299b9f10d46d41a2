import { expect } from "chai";
import { ethers } from "hardhat";
import { bondFixture } from "./fixture";

// The happy path (a refused payout credited, then withdrawn elsewhere) is in hostileTokens.test.ts.
describe("StorageBond: withdraw", () => {
  const cases: { name: string; amount: bigint; to?: string; error: string; args?: (a: string) => unknown[] }[] = [
    { name: "zero", amount: 0n, error: "InsufficientBalance", args: (a) => [a, 0n, 0n] },
    { name: "more than the balance", amount: 1n, error: "InsufficientBalance", args: (a) => [a, 0n, 1n] },
    { name: "to the zero address", amount: 1n, to: ethers.ZeroAddress, error: "InvalidTerms" },
  ];
  for (const c of cases) {
    it(`withdraw: refuses ${c.name}`, async () => {
      const b = await bondFixture();
      const tx = b.bond.connect(b.client).withdraw(c.to ?? b.client.address, c.amount);
      if (c.args) {
        await expect(tx)
          .to.be.revertedWithCustomError(b.bond, c.error)
          .withArgs(...c.args(b.client.address));
      } else {
        await expect(tx).to.be.revertedWithCustomError(b.bond, c.error);
      }
      expect(await b.bond.balanceOf(b.client.address)).to.equal(0n);
    });
  }
});
