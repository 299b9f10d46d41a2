import { expect } from "chai";
import hre from "hardhat";
import { Signature, type Log, type Provider } from "ethers";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import { EscrowRevertedError, TransactionFailedError } from "../../../src/chain/escrowErrors";
import { watchEscrowEvents } from "../../../src/chain/evm/watchEscrowEvents";
import type { EscrowEvent } from "../../../src/chain/types";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../../../src/voucher/typedData";

const { ethers, network } = hre;
const BTT = 10n ** 18n;

async function setup() {
  const [deployer, payer, payee, signer] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"], deployer);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000], deployer);
  const escrowAddress = await escrow.getAddress();
  await token.mint(payer.address, 1000n * BTT);
  const payerChain = await EvmChain.connect({ signer: payer, escrow: escrowAddress });
  const payeeChain = await EvmChain.connect({ signer: payee, escrow: escrowAddress });
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const sign = async (key: ChannelKey, amount: bigint) =>
    Signature.from(
      await signer.signTypedData(escrowDomain(chainId, escrowAddress), VOUCHER_TYPES, {
        channelId: channelId(key),
        cumulativeAmount: amount,
      }),
    ).compactSerialized;
  let salt = 1n;
  const key = (): ChannelKey => ({
    payer: payer.address,
    payee: payee.address,
    signer: signer.address,
    disputeWindow: 3600,
    salt: salt++,
  });
  return { payer, payee, payerChain, payeeChain, sign, key, escrowAddress, token };
}

/** Waits until `check` holds, polling every 20 ms, for at most `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("EvmChain", () => {
  it("walks a channel through open, claim, claimMany, withdraw, start-close and settle", async () => {
    const { payer, payee, payerChain, payeeChain, sign, key } = await setup();
    await payerChain.approve(300n * BTT);
    expect(await payerChain.allowance(payer.address)).to.equal(300n * BTT);

    const k1 = key();
    const opened = await payerChain.open(k1, 100n * BTT);
    expect(opened.channelId).to.equal(channelId(k1));
    expect(opened.gasUsed).to.be.greaterThan(0n);
    expect(await payerChain.getChannel(opened.channelId)).to.deep.equal({
      status: "open",
      deposit: 100n * BTT,
      claimed: 0n,
      closesAt: 0n,
    });

    const [k2, k3] = [key(), key()];
    const many = await payerChain.openMany([
      { key: k2, amount: 50n * BTT },
      { key: k3, amount: 50n * BTT },
    ]);
    expect(many.channelIds).to.deep.equal([channelId(k2), channelId(k3)]);

    await payeeChain.claim({ key: k1, amount: 10n * BTT, signature: await sign(k1, 10n * BTT) });
    const batch = await payeeChain.claimMany([
      { key: k2, amount: 5n * BTT, signature: await sign(k2, 5n * BTT) },
      { key: k3, amount: 7n * BTT, signature: await sign(k3, 7n * BTT) },
    ]);
    expect(batch.credited).to.equal(12n * BTT);
    expect(await payeeChain.escrowBalance(payee.address)).to.equal(22n * BTT);
    await payeeChain.withdraw(payee.address, 22n * BTT);
    expect(await payeeChain.tokenBalance(payee.address)).to.equal(22n * BTT);

    await payerChain.startClose(k1);
    const closing = await payerChain.getChannel(opened.channelId);
    expect(closing.status).to.equal("closing");
    await network.provider.send("evm_increaseTime", [3600]);
    await payerChain.settle(k1);
    expect((await payerChain.getChannel(opened.channelId)).status).to.equal("closed");

    await payeeChain.close({ key: k2 });
    await payerChain.closeWithConsent(
      k3,
      7n * BTT,
      await payee.signTypedData(
        escrowDomain(await payerChain.chainId(), payerChain.escrow),
        {
          CloseConsent: [
            { name: "channelId", type: "bytes32" },
            { name: "finalAmount", type: "uint256" },
          ],
        },
        { channelId: channelId(k3), finalAmount: 7n * BTT },
      ),
    );
    expect((await payerChain.getChannel(channelId(k3))).status).to.equal("closed");
  });

  it("decodes contract errors into errors with the values and a hint", async () => {
    const { payerChain, payeeChain, sign, key } = await setup();
    const k = key();
    // No allowance yet: the token's own error, explained.
    const noAllowance = await payerChain.open(k, 10n * BTT).catch((e: unknown) => e);
    expect(noAllowance).to.be.instanceOf(EscrowRevertedError);
    expect((noAllowance as EscrowRevertedError).errorName).to.equal("ERC20InsufficientAllowance");
    expect((noAllowance as Error).message).to.contain("Approve the escrow for the deposit first");

    await payerChain.approve(10n * BTT);
    await payerChain.open(k, 10n * BTT);
    await payeeChain.claim({ key: k, amount: 4n * BTT, signature: await sign(k, 4n * BTT) });
    const again = await payeeChain
      .claim({ key: k, amount: 4n * BTT, signature: await sign(k, 4n * BTT) })
      .catch((e: unknown) => e);
    expect(again).to.be.instanceOf(EscrowRevertedError);
    expect((again as EscrowRevertedError).shortMessage).to.equal(
      `claim refused: channel ${channelId(k)} has 6.0 BTT left (4.0 BTT of 10.0 BTT claimed); a voucher for 4.0 BTT pays nothing new`,
    );
    expect((again as EscrowRevertedError).args).to.deep.equal([channelId(k), 4n * BTT, 10n * BTT, 4n * BTT]);

    const notPayer = await payeeChain.startClose(k).catch((e: unknown) => e);
    expect((notPayer as EscrowRevertedError).errorName).to.equal("NotPayer");
  });

  it("reports an unreachable node as a TransactionFailedError", async () => {
    const { escrowAddress } = await setup();
    const wallet = ethers.Wallet.createRandom().connect(
      new ethers.JsonRpcProvider("http://127.0.0.1:9", 1, { staticNetwork: true }),
    );
    const chain = await EvmChain.connect({ signer: wallet, escrow: escrowAddress });
    const error = await chain
      .settle({ payer: wallet.address, payee: wallet.address, signer: wallet.address, disputeWindow: 3600, salt: 1n })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransactionFailedError);
    expect((error as Error).message).to.contain("settle failed");
  });

  it("watches events: each delivered once, in order, across a failing node and re-reads", async () => {
    const { payerChain, payeeChain, sign, key } = await setup();
    await payerChain.approve(100n * BTT);
    const from = BigInt(await ethers.provider.getBlockNumber());

    // A provider that fails every third poll, as a dropped connection does.
    let calls = 0;
    const flaky = new Proxy(ethers.provider, {
      get(target, prop, receiver) {
        if (prop === "getLogs") {
          return async (filter: unknown): Promise<Log[]> => {
            if (++calls % 3 === 0) throw new Error("connection dropped");
            return target.getLogs(filter as never);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as unknown as Provider;

    const events: EscrowEvent[] = [];
    const errors: Error[] = [];
    const unwatch = watchEscrowEvents(flaky, payerChain.escrow, {
      fromBlock: from,
      pollingInterval: 10,
      onEvents: (batch) => void events.push(...batch),
      onError: (e) => void errors.push(e),
    });
    try {
      const k = key();
      await payerChain.open(k, 10n * BTT);
      await payeeChain.claim({ key: k, amount: 1n * BTT, signature: await sign(k, 1n * BTT) });
      await payeeChain.claim({ key: k, amount: 2n * BTT, signature: await sign(k, 2n * BTT) });
      await payeeChain.close({ key: k });
      await until(() => events.some((e) => e.type === "ChannelClosed") && errors.length > 0);
      // Let several more polls re-read the same blocks.
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      unwatch();
    }
    expect(events.map((e) => e.type)).to.deep.equal([
      "ChannelOpened",
      "ChannelClaimed",
      "ChannelClaimed",
      "ChannelClosed",
    ]);
    expect(new Set(events.map((e) => e.id)).size).to.equal(events.length);
    const closed = events[3];
    expect(closed.type === "ChannelClosed" && closed.refunded).to.equal(8n * BTT);
    expect(errors[0].message).to.equal("connection dropped");
  });
});
