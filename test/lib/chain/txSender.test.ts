import { expect } from "chai";
import hre from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import { TxSender } from "../../../src/chain/evm/TxSender";
import { EscrowRevertedError, TransactionUnconfirmedError } from "../../../src/chain/escrowErrors";

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

  it("reports a sent transaction never seen mined as unconfirmed, with its hash, once its timeout passes; a revert stays a revert", async () => {
    const [, payer] = await ethers.getSigners();
    const sender = new TxSender(ethers.provider, payer.address, { timeout: 300, pollInterval: 20 });
    const hash = "0x" + "ab".repeat(32);
    // Accepted by a node that then lost it: no receipt ever appears.
    const sentThenLost = async () => ({ hash }) as unknown as ContractTransactionResponse;
    const lost = await sender.send("claim", sentThenLost).catch((e: unknown) => e);
    expect(lost).to.be.instanceOf(TransactionUnconfirmedError);
    expect((lost as TransactionUnconfirmedError).hash).to.equal(hash);
    expect((lost as Error).message).to.contain(`claim failed: sent as ${hash}, but its outcome could not be read`);
    expect((lost as Error).message).to.contain("not mined within 300 ms");
    expect((lost as Error).message).to.contain(`look up ${hash}`);

    // The queue moves on: the next send of the account goes through, with the lost one's nonce.
    const token = await ethers.deployContract("TestToken", ["t", "t"]);
    const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000]);
    const approve = await sender.send("approve", (o) => token.connect(payer).approve(escrow, 5n, o));
    expect(approve.blockNumber).to.be.greaterThan(0n);
    expect(await token.allowance(payer.address, await escrow.getAddress())).to.equal(5n);

    const refused = await sender
      .send("topUp", (o) => escrow.connect(payer).topUp(ethers.ZeroHash, 1n, { ...o, gasLimit: 200_000 }))
      .catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(EscrowRevertedError);
    expect(refused).to.not.be.instanceOf(TransactionUnconfirmedError);
  });
});
