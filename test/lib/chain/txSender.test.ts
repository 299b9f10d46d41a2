import { expect } from "chai";
import hre from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import { TxSender } from "../../../src/chain/evm/TxSender";
import { EscrowRevertedError, TransactionUnconfirmedError } from "../../../src/chain/escrowErrors";
import { URGENCY_CAP, urgencyOf } from "../../../src/chain/urgency";

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

  it("pushes harder as a deadline nears: urgency 1 far from it, rising to the cap at and after it", () => {
    expect(urgencyOf(undefined, 1000)).to.equal(1);
    expect(urgencyOf(60_000, 1000)).to.equal(1);
    expect(urgencyOf(3000, 1000)).to.equal(1);
    expect(urgencyOf(1500, 1000)).to.equal(2);
    expect(urgencyOf(500, 1000)).to.equal(URGENCY_CAP);
    expect(urgencyOf(0, 1000)).to.equal(URGENCY_CAP);
    expect(urgencyOf(-5, 1000)).to.equal(URGENCY_CAP);
  });

  it("replaces a lost transaction sooner and with a larger fee raise when its deadline is near", async () => {
    const [, payer] = await ethers.getSigners();
    const options = {
      timeout: 700,
      pollInterval: 20,
      rebroadcastAfter: 10_000,
      replaceAfter: 1_000,
      feeBumpPercent: 25,
    };
    /** Every version is accepted and lost (never mined); records the fees each was sent with. */
    const lostSends = () => {
      const fees: bigint[] = [];
      const submit = async (o: { maxFeePerGas?: unknown }) => {
        const maxFeePerGas = (o.maxFeePerGas as bigint | undefined) ?? 1000n;
        fees.push(maxFeePerGas);
        const hash = "0x" + fees.length.toString(16).padStart(64, "c");
        return { hash, maxFeePerGas, maxPriorityFeePerGas: 10n } as unknown as ContractTransactionResponse;
      };
      return { fees, submit };
    };
    // Far from any deadline: no replacement before the 1 s replaceAfter (the send gives up at 0.7 s).
    const calm = lostSends();
    await new TxSender(ethers.provider, payer.address, options).send("claim", calm.submit).catch(() => undefined);
    expect(calm.fees).to.deep.equal([1000n]);
    // Half a second to its deadline: urgency 4, so a replacement every 250 ms raising fees 100 % each time.
    const urgent = lostSends();
    await new TxSender(ethers.provider, payer.address, options)
      .send("claim", urgent.submit, { deadline: Date.now() + 500 })
      .catch(() => undefined);
    expect(urgent.fees.length).to.be.greaterThan(1);
    expect(urgent.fees[1]).to.equal(2001n);
  });
});
