import { expect } from "chai";
import type { Filter, Log, Provider } from "ethers";
import hre from "hardhat";
import { pollLogs } from "../../../src/chain/evm/pollLogs";
import { until } from "./adapterSuite";

const { ethers } = hre;

describe("pollLogs", () => {
  it("catches up from far behind in ranges of at most maxBlockRange blocks, each log once, in order", async () => {
    const [owner] = await ethers.getSigners();
    const token = await ethers.deployContract("TestToken", ["t", "t"]);
    const from = BigInt(await ethers.provider.getBlockNumber()) + 1n;
    for (let i = 1; i <= 40; i++) await token.mint(owner.address, i); // one block each
    const ranges: [bigint, bigint][] = [];
    const recording = new Proxy(ethers.provider, {
      get(target, prop) {
        if (prop === "getLogs") {
          return (filter: Filter) => {
            ranges.push([BigInt(filter.fromBlock!), BigInt(filter.toBlock!)]);
            return target.getLogs(filter);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as unknown as Provider;

    const logs: Log[] = [];
    const unwatch = pollLogs(recording, {
      address: await token.getAddress(),
      topics: [token.interface.getEvent("Transfer").topicHash],
      fromBlock: from,
      maxBlockRange: 15,
      reread: 5,
      pollingInterval: 10,
      onLogs: (batch) => void logs.push(...batch.map((b) => b.log)),
    });
    try {
      await until(() => logs.length >= 40);
      await new Promise((r) => setTimeout(r, 100)); // and a few more polls over the last blocks
    } finally {
      unwatch();
    }
    expect(logs.map((l) => BigInt(l.data))).to.deep.equal(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
    expect(ranges.length).to.be.greaterThan(2);
    for (const [lo, hi] of ranges) expect(hi - lo + 1n <= 15n, `range ${lo}..${hi}`).to.equal(true);
    expect(ranges[0][0]).to.equal(from);
  });
});
