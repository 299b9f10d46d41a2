import { expect } from "chai";
import hre from "hardhat";
import { MultiNodeProvider } from "../../../src/chain/evm/MultiNodeProvider";
import { startRpcFaultProxy, type RpcFaultProxy } from "../../faults/rpcFaultProxy";

const { ethers, network } = hre;

describe("MultiNodeProvider: several endpoints, the freshest answer wins", function () {
  const proxies: RpcFaultProxy[] = [];
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
  });

  it("reads state and logs as of the freshest node, falls back when it goes, and leaves out a node on the wrong chain", async () => {
    const [owner] = await ethers.getSigners();
    const token = await ethers.deployContract("TestToken", ["t", "t"]);
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const [lagging, down, wrong, fresh] = await Promise.all(
      [1, 2, 3, 4].map((seed) => startRpcFaultProxy(network.provider, seed)),
    );
    proxies.push(lagging, down, wrong, fresh);
    const from = BigInt(await ethers.provider.getBlockNumber()) + 1n;
    for (let i = 1; i <= 8; i++) await token.mint(owner.address, i); // one block each
    // A replica 6 blocks behind for state and logs, one that drops everything, one on another chain.
    lagging.set({ kind: "stale", blocks: 6 }, { kind: "lagLogs", blocks: 6 }, { kind: "delay", ms: 0 });
    down.set({ kind: "drop" });
    wrong.set({ kind: "chainId", chainId: 1n });
    const provider = new MultiNodeProvider({
      urls: [lagging.url, down.url, wrong.url, fresh.url],
      chainId,
      requestTimeout: 2_000,
    });
    try {
      expect(BigInt(await provider.getBlockNumber())).to.equal(BigInt(await ethers.provider.getBlockNumber()));
      const reader = token.connect(provider) as typeof token;
      expect(await reader.balanceOf(owner.address)).to.equal(36n);
      const logs = await provider.getLogs({ address: await token.getAddress(), fromBlock: from, toBlock: "latest" });
      expect(logs.map((l) => BigInt(l.data))).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);

      // The fresh node goes away: the lagging one still answers, from its own (older) head.
      fresh.set({ kind: "drop" });
      expect(await reader.balanceOf(owner.address)).to.equal(1n + 2n);
      // Nothing was ever asked of the node on the wrong chain beyond its chain id.
      expect(Object.keys(Object.fromEntries(wrong.seen))).to.deep.equal(["eth_chainId"]);
    } finally {
      provider.destroy();
    }
  });
});
