import { expect } from "chai";
import hre from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import { TxSender } from "../../../src/chain/evm/TxSender";
import { TransactionUnconfirmedError } from "../../../src/chain/escrowErrors";

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

  it("reports a sent transaction whose receipt cannot be read as unconfirmed, with its hash; a revert stays a revert", async () => {
    const [, payer] = await ethers.getSigners();
    const sender = new TxSender(ethers.provider, payer.address);
    const hash = "0x" + "ab".repeat(32);
    const sentThenLost = async () =>
      ({
        hash,
        wait: async () => {
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "UNKNOWN_ERROR" });
        },
      }) as unknown as ContractTransactionResponse;
    const lost = await sender.send("claim", sentThenLost).catch((e: unknown) => e);
    expect(lost).to.be.instanceOf(TransactionUnconfirmedError);
    expect((lost as TransactionUnconfirmedError).hash).to.equal(hash);
    expect((lost as Error).message).to.contain(`claim failed: sent as ${hash}, but its outcome could not be read`);
    expect((lost as Error).message).to.contain(`look up ${hash}`);

    const reverted = async () =>
      ({
        hash,
        wait: async () => {
          throw Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION" });
        },
      }) as unknown as ContractTransactionResponse;
    const refused = await sender.send("claim", reverted).catch((e: unknown) => e);
    expect(refused).to.not.be.instanceOf(TransactionUnconfirmedError);
  });
});
