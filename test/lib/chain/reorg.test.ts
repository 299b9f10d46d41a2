import { expect } from "chai";
import hre from "hardhat";
import { Wallet } from "ethers";
import { watchEscrowEvents } from "../../../src/chain/evm/watchEscrowEvents";
import type { EscrowEvent } from "../../../src/chain/types";
import { channelId, type ChannelKey } from "../../../src/voucher/typedData";

const { ethers, network } = hre;

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("escrow event watcher across a reorganisation", () => {
  it("delivers an event again when a reorg re-includes its transaction in another block, and only then", async () => {
    const [deployer] = await ethers.getSigners();
    const token = await ethers.deployContract("TestToken", ["t", "t"]);
    const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000]);
    const escrowAddress = await escrow.getAddress();
    // A payer whose open transaction is signed once and broadcast twice (before and after the reorg).
    const payer = Wallet.createRandom().connect(ethers.provider);
    await deployer.sendTransaction({ to: payer.address, value: 10n ** 18n });
    await token.mint(payer.address, 1000n);
    await (await token.connect(payer).approve(escrowAddress, 1000n)).wait();
    const key: ChannelKey = {
      payer: payer.address,
      payee: deployer.address,
      signer: payer.address,
      disputeWindow: 3600,
      salt: 1n,
    };
    const request = await escrow.connect(payer).open.populateTransaction(key, 100n);
    const signed = await payer.signTransaction(
      await payer.populateTransaction({ ...request, gasLimit: 300_000n, type: 2 }),
    );

    const events: EscrowEvent[] = [];
    const unwatch = watchEscrowEvents(ethers.provider, escrowAddress, {
      fromBlock: BigInt(await ethers.provider.getBlockNumber()),
      pollingInterval: 20,
      onEvents: (batch) => void events.push(...batch),
    });
    try {
      const snapshot = await network.provider.send("evm_snapshot", []);
      const first = await ethers.provider.broadcastTransaction(signed);
      const firstReceipt = await first.wait();
      await until(() => events.length === 1);

      // The block is reorganised away; the same transaction lands two blocks later.
      await network.provider.send("evm_revert", [snapshot]);
      await network.provider.send("evm_mine", []);
      const again = await ethers.provider.broadcastTransaction(signed);
      const againReceipt = await again.wait();
      expect(againReceipt!.hash).to.equal(firstReceipt!.hash);
      expect(againReceipt!.blockNumber).to.not.equal(firstReceipt!.blockNumber);
      // Several more polls re-read the blocks around it.
      await network.provider.send("evm_mine", []);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      unwatch();
    }
    // A watchtower that saw a close, and then its block reorganised away, must see it again where
    // it lands: same log id, new block.
    expect(events.map((e) => e.type)).to.deep.equal(["ChannelOpened", "ChannelOpened"]);
    for (const e of events) expect(e.type === "ChannelOpened" && e.channelId).to.equal(channelId(key));
    expect(events[1].id).to.equal(events[0].id);
    expect(events[1].blockNumber).to.not.equal(events[0].blockNumber);
    expect(events[1].blockHash).to.not.equal(events[0].blockHash);
  });
});
