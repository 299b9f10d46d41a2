import { expect } from "chai";
import hre from "hardhat";
import { estimateTronEnergy } from "../../src/devnode";
import { priceTrace } from "../../src/devnode/energy/priceTrace";
import type { PriceTraceContext } from "../../src/devnode/energy/priceTrace";
import type { EvmTrace, TraceStep } from "../../src/devnode/evm";

const word = (n: bigint | number | string) =>
  (typeof n === "string" ? n.replace(/^0x/, "") : BigInt(n).toString(16)).padStart(64, "0");

/** A synthetic step: `stack` is listed top first, for readability. */
const step = (op: string, stack: (bigint | number | string)[] = [], depth = 1): TraceStep => ({
  op,
  depth,
  pc: 0,
  gas: 1_000_000,
  gasCost: 0,
  stack: stack.map(word).reverse(),
});

const trace = (structLogs: TraceStep[], failed = false): EvmTrace => ({ failed, gas: 0, returnValue: "", structLogs });

const CONTRACT = "0x00000000000000000000000000000000000000aa";

function context(storage: Record<string, bigint> = {}, existing: string[] = []): PriceTraceContext {
  return {
    topAddress: CONTRACT,
    readStorage: async (_address, slot) => storage[BigInt(slot).toString()] ?? 0n,
    accountExists: async (address) => existing.includes(address),
  };
}

describe("energy: java-tron's table applied to EVM traces", () => {
  describe("priceTrace", () => {
    it("charges nothing for an empty execution (no 21,000 intrinsic cost)", async () => {
      expect((await priceTrace(trace([]), context())).energy).to.equal(0);
    });

    it("prices SSTORE from the slot's current value: 20,000 to fill an empty slot, 5,000 otherwise, no refunds", async () => {
      const price = await priceTrace(
        trace([
          step("SSTORE", [0, 5]), // empty -> 5: set
          step("SSTORE", [0, 6]), // 5 -> 6 in the same transaction: reset (EVM charges 100)
          step("SSTORE", [1, 0]), // 7 -> 0: clear, and no refund
          step("SSTORE", [2, 0]), // empty -> 0: reset
          step("SSTORE", [2, 9]), // written this transaction, so it exists: reset
          step("STOP"),
        ]),
        context({ "1": 7n }),
      );
      expect(price.breakdown.storageWrites).to.equal(20_000 + 5_000 + 5_000 + 5_000 + 5_000);
    });

    it("forgets the writes of a reverted sub-call", async () => {
      const storageWrites = async (childSucceeds: boolean) => {
        const price = await priceTrace(
          trace([
            step("DELEGATECALL", [100_000, "0xbb", 0, 0, 0, 0]), // the callee writes the caller's storage
            step("SSTORE", [3, 1], 2),
            step(childSucceeds ? "STOP" : "REVERT", [0, 0], 2),
            step("POP", [childSucceeds ? 1 : 0]), // the call's result
            step("SSTORE", [3, 1]),
            step("STOP"),
          ]),
          context(),
        );
        return price.breakdown.storageWrites;
      };
      expect(await storageWrites(true)).to.equal(20_000 + 5_000);
      expect(await storageWrites(false)).to.equal(20_000 + 20_000);
    });

    it("prices memory expansion as the EVM does, and MLOAD/MSTORE at 1 (0 without proposal #65)", async () => {
      const steps = [step("MSTORE", [0, 1]), step("MSTORE", [0x40, 1]), step("STOP")];
      const adjusted = await priceTrace(trace(steps), context());
      expect(adjusted.breakdown.memory).to.equal(3 * 3); // 3 words: 3*3 + 9/512
      expect(adjusted.breakdown.compute).to.equal(2);
      const original = await priceTrace(trace(steps), { ...context(), adjustedMemoryOps: false });
      expect(original.energy).to.equal(9);
    });

    it("charges EXP 10 per exponent byte and LOG as the EVM does", async () => {
      const price = await priceTrace(
        trace([step("EXP", [2, 0x0100]), step("LOG2", [0, 64, 1, 2]), step("STOP")]),
        context(),
      );
      expect(price.breakdown.compute).to.equal(10 + 10 * 2);
      expect(price.breakdown.logs).to.equal(375 + 2 * 375 + 8 * 64);
      expect(price.breakdown.memory).to.equal(6);
    });

    it("charges CALL 40, +9,000 with value, +25,000 to a new account; precompiles at TVM's prices", async () => {
      const newAccount = "0x00000000000000000000000000000000000000cc";
      const price = await priceTrace(
        trace([
          step("CALL", [50_000, newAccount, 1, 0, 0, 0, 0]),
          step("STATICCALL", [50_000, 1, 0, 128, 0, 32]), // ecrecover over 128 bytes of memory
          step("STOP"),
        ]),
        context(),
      );
      expect(price.breakdown.calls).to.equal(40 + 9_000 + 25_000 + 40 + 3_000);
      expect(price.breakdown.memory).to.equal(4 * 3);
    });

    it("reports an exceptional halt, which java-tron charges at the whole energy limit", async () => {
      const price = await priceTrace(trace([step("PUSH1"), step("INVALID")], true), context());
      expect(price.exceptionalHalt).to.equal("ILLEGAL_OPERATION");
      const reverted = await priceTrace(trace([step("REVERT", [0, 0])], true), context());
      expect(reverted.exceptionalHalt).to.equal(undefined);
    });
  });

  describe("estimateTronEnergy on Hardhat's network", () => {
    let snapshot: string;
    before(async () => {
      snapshot = (await hre.network.provider.request({ method: "evm_snapshot" })) as string;
    });
    after(async () => {
      await hre.network.provider.request({ method: "evm_revert", params: [snapshot] });
    });

    it("prices a creation with 200 energy per byte of stored code and no creation base cost", async () => {
      const token = await hre.ethers.deployContract("TestToken", ["T", "T"]);
      const estimate = await estimateTronEnergy(hre.network.provider, token.deploymentTransaction()!.hash);
      const code = await hre.ethers.provider.getCode(await token.getAddress());
      expect(estimate.breakdown.codeDeposit).to.equal(200 * ((code.length - 2) / 2));
      expect(estimate.energy).to.be.lessThan(estimate.gasUsed);
    });

    it("charges 15,000 more for a transfer to a new holder, and reads earlier writes in the same block", async () => {
      const [owner, a, b] = await hre.ethers.getSigners();
      const token = await hre.ethers.deployContract("TestToken", ["T", "T"]);
      await (await token.mint(owner.address, 1000n)).wait();
      const toNew = await token.transfer(a.address, 1n);
      const toExisting = await token.transfer(a.address, 1n);
      const fresh = await estimateTronEnergy(hre.network.provider, toNew.hash);
      const again = await estimateTronEnergy(hre.network.provider, toExisting.hash);
      expect(fresh.energy - again.energy).to.equal(15_000);

      // Two transfers to a new holder in one block: the second finds the slot the first filled.
      await hre.network.provider.request({ method: "evm_setAutomine", params: [false] });
      try {
        const first = await token.transfer(b.address, 1n);
        const second = await token.transfer(b.address, 1n);
        await hre.network.provider.request({ method: "evm_mine" });
        const [e1, e2] = await Promise.all(
          [first, second].map((t) => estimateTronEnergy(hre.network.provider, t.hash)),
        );
        expect(e1.energy - e2.energy).to.equal(15_000);
        expect(e2.energy).to.equal(again.energy);
      } finally {
        await hre.network.provider.request({ method: "evm_setAutomine", params: [true] });
      }
    });

    it("charges no energy for a plain TRX-like value transfer (EVM: 21,000 gas)", async () => {
      const [owner, a] = await hre.ethers.getSigners();
      const tx = await owner.sendTransaction({ to: a.address, value: 1n });
      const estimate = await estimateTronEnergy(hre.network.provider, tx.hash);
      expect(estimate.gasUsed).to.equal(21_000);
      expect(estimate.energy).to.equal(0);
    });
  });
});
