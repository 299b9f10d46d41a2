import { expect } from "chai";
import hre from "hardhat";
import { EvmChain } from "../../../src/chain/evm/EvmChain";

const { ethers } = hre;

describe("EvmChain transaction sending", () => {
  it("sends transactions back to back through a caching JSON-RPC provider without reusing a nonce", async () => {
    const [, payer] = await ethers.getSigners();
    const token = await ethers.deployContract("TestToken", ["t", "t"]);
    const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000]);
    await token.mint(payer.address, 10n ** 21n);
    const chain = await EvmChain.connect({ signer: payer, escrow: await escrow.getAddress() });
    await chain.allowance(payer.address); // resolves the token once, so the calls below queue in order
    // Fired together: the sender serialises them and gives each its own nonce, in call order.
    const results = await Promise.all([chain.approve(1n), chain.approve(2n), chain.approve(3n)]);
    expect(new Set(results.map((r) => r.hash)).size).to.equal(3);
    expect(await chain.allowance(payer.address)).to.equal(3n);
    // A failed send (refused before broadcast) does not leave a gap: the next one still goes through.
    await chain.topUp(ethers.ZeroHash, 1n).catch(() => undefined);
    await chain.approve(4n);
    expect(await chain.allowance(payer.address)).to.equal(4n);
  });
});
