import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { AbiCoder, keccak256, Wallet, id as keccakText } from "ethers";
import hre from "hardhat";
import { CLOSE_CONSENT_TYPES, channelId, type ChannelKey } from "../../src/voucher/typedData";
import type { ChannelEscrow, HookActor, HookedToken } from "../../typechain-types";
import { MAX_WINDOW, MIN_WINDOW, WINDOW } from "./fixture";

const { ethers } = hre;

// Issue 8, item 3: a token that calls the sender's hook before it moves funds (ERC-777's
// tokensToSend) and then may fail silently. Each test is written from the side of whoever owns the
// money: an honest payer's deposit must stay backed, and a payee's close must go through whatever
// the payer's hook does.

const MINT = 1_000_000n;
const hotKey = new Wallet(keccakText("seedpay hooked token: hot key"));

type World = {
  token: HookedToken;
  escrow: ChannelEscrow;
  escrowAddress: string;
  payer: HardhatEthersSigner;
  payee: HardhatEthersSigner;
  /** A payer contract that re-enters the escrow from its token hook. */
  actor: HookActor;
  a: string;
};

async function deploy(): Promise<World> {
  const [, payer, payee] = await ethers.getSigners();
  const token = await ethers.deployContract("HookedToken");
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), MIN_WINDOW, MAX_WINDOW]);
  const escrowAddress = await escrow.getAddress();
  const actor = await ethers.deployContract("HookActor");
  const a = await actor.getAddress();
  for (const holder of [payer.address, a]) await token.mint(holder, MINT);
  await token.connect(payer).approve(escrowAddress, ethers.MaxUint256);
  await actor.forward(await token.getAddress(), token.interface.encodeFunctionData("approve", [escrowAddress, MINT]));
  await actor.forward(await token.getAddress(), token.interface.encodeFunctionData("setHook", [a]));
  return { token, escrow, escrowAddress, payer, payee, actor, a };
}

let salt = 1n;
const keyOf = (payer: string, payee: string): ChannelKey => ({
  payer,
  payee,
  signer: hotKey.address,
  disputeWindow: WINDOW,
  salt: salt++,
});

/** The first seed whose rolls against `failBps` go as `outcomes` (true = the transfer fails), as HookedToken rolls. */
function seedFor(failBps: number, outcomes: boolean[]): string {
  for (let i = 0; ; i++) {
    let seed = keccakText(`hooked seed ${i}`);
    const ok = outcomes.every((fails) => {
      seed = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32"], [seed]));
      return BigInt(seed) % 10_000n < BigInt(failBps) === fails;
    });
    if (ok) return keccakText(`hooked seed ${i}`);
  }
}

/** What the escrow owes: the unclaimed deposits of channels not closed, plus every balance held here. */
async function owed(w: World, keys: ChannelKey[], holders: string[]): Promise<bigint> {
  let total = 0n;
  for (const key of keys) {
    const s = await w.escrow.getChannel(channelId(key));
    if (s.status === 1n || s.status === 2n) total += s.deposit - s.claimed;
  }
  for (const h of holders) total += await w.escrow.balanceOf(h);
  return total;
}

describe("hooked token (sender hook before the move, silent failures)", () => {
  // swallow: the hook's failed call is ignored (the outer transfer then fails silently on its own).
  for (const [swallow, error, args] of [
    [false, "DepositReentered", []],
    [true, "TokenAmountMismatch", [500n, 0n]],
  ] as const) {
    it(`a nested open from the sender's hook cannot get two channels credited for one deposit (hook ${swallow ? "swallows" : "re-raises"}: ${error})`, async () => {
      const w = await loadFixture(deploy);
      // An honest payer's channel: the money that must stay backed.
      const honest = keyOf(w.payer.address, w.payee.address);
      await w.escrow.connect(w.payer).open(honest, 500n);

      // The actor opens X; its hook opens Y first. The inner transfer would succeed, the outer one then fails silently.
      const x = keyOf(w.a, w.payee.address);
      const y = keyOf(w.a, w.payee.address);
      // Rolls in order: the nested transfer's (if it gets that far), then the outer one's, which fails.
      await w.token.setLoss(5_000, 0, seedFor(5_000, swallow ? [true] : [false, true]));
      await w.actor.arm(w.escrowAddress, w.escrow.interface.encodeFunctionData("open", [y, 500n]), true, swallow);
      await expect(w.actor.forward(w.escrowAddress, w.escrow.interface.encodeFunctionData("open", [x, 500n])))
        .to.be.revertedWithCustomError(w.escrow, error)
        .withArgs(...args);
      await w.token.setLoss(0, 0, keccakText("no loss"));

      // The escrow holds at least what it owes, and the actor got no channel it did not pay for.
      const held = await w.token.balanceOf(w.escrowAddress);
      expect(held, "escrow balance vs what it owes").to.be.gte(await owed(w, [honest, x, y], [w.a, w.payer.address]));
      expect((await w.escrow.getChannel(channelId(x))).status).to.equal(0n);
      expect((await w.escrow.getChannel(channelId(y))).status).to.equal(0n);
      expect(await w.token.balanceOf(w.a)).to.equal(MINT);

      // The honest payer's refund is paid in tokens, not credited against an empty escrow.
      await w.escrow.connect(w.payee).close(honest, 0n, "0x");
      expect(await w.token.balanceOf(w.payer.address)).to.equal(MINT);
    });
  }

  it("a payer whose hook moves tokens when its refund arrives cannot block the payee's close", async () => {
    const w = await loadFixture(deploy);
    const key = keyOf(w.a, w.payee.address);
    await w.actor.forward(w.escrowAddress, w.escrow.interface.encodeFunctionData("open", [key, 1_000n]));
    const spare = keyOf(w.a, w.payee.address);
    await w.actor.forward(w.escrowAddress, w.escrow.interface.encodeFunctionData("open", [spare, 100n]));
    // When the refund arrives, the hook tops up its other channel: the escrow's balance moves twice.
    await w.actor.arm(
      w.escrowAddress,
      w.escrow.interface.encodeFunctionData("topUp", [channelId(spare), 1n]),
      false,
      false,
    );
    await expect(w.escrow.connect(w.payee).close(key, 0n, "0x"))
      .to.emit(w.escrow, "ChannelClosed")
      .withArgs(channelId(key), 0n, 1_000n);
    expect((await w.escrow.getChannel(channelId(key))).status).to.equal(3n);
    expect(await w.token.balanceOf(w.escrowAddress)).to.be.gte(await owed(w, [key, spare], [w.a, w.payee.address]));
  });

  it("pushRefund: refuses every caller but the escrow itself (OnlySelf), so nobody pays themselves from it", async () => {
    const w = await loadFixture(deploy);
    await w.escrow.connect(w.payer).open(keyOf(w.payer.address, w.payee.address), 500n);
    for (const caller of [w.payer, w.payee]) {
      await expect(w.escrow.connect(caller).pushRefund(caller.address, 500n))
        .to.be.revertedWithCustomError(w.escrow, "OnlySelf")
        .withArgs(caller.address);
    }
    await expect(w.actor.forward(w.escrowAddress, w.escrow.interface.encodeFunctionData("pushRefund", [w.a, 500n])))
      .to.be.revertedWithCustomError(w.escrow, "OnlySelf")
      .withArgs(w.a);
    expect(await w.token.balanceOf(w.escrowAddress)).to.equal(500n);
  });

  // A contract party acts through its own calls: the escrow must judge msg.sender, not tx.origin
  // (the EOA that drives the contract is neither the payer nor the payee).
  it("a contract payer closes with its payee's consent without an authorisation; its operator alone cannot", async () => {
    const w = await loadFixture(deploy);
    const key = keyOf(w.a, w.payee.address);
    await w.actor.forward(w.escrowAddress, w.escrow.interface.encodeFunctionData("open", [key, 1_000n]));
    const deadline = 4_102_444_800n;
    const consent = await w.payee.signTypedData(
      {
        name: "Seedpay ChannelEscrow",
        version: "2",
        chainId: (await ethers.provider.getNetwork()).chainId & 0xffffffffn,
        verifyingContract: w.escrowAddress,
      },
      { CloseConsent: CLOSE_CONSENT_TYPES.CloseConsent },
      { channelId: channelId(key), finalAmount: 400n, deadline },
    );
    const call = w.escrow.interface.encodeFunctionData("closeWithConsent", [key, 400n, deadline, consent, "0x"]);
    const [operator] = await ethers.getSigners();
    await expect(operator.sendTransaction({ to: w.escrowAddress, data: call }))
      .to.be.revertedWithCustomError(w.escrow, "CloseNotAuthorized")
      .withArgs(channelId(key), operator.address, ethers.ZeroAddress);
    await expect(w.actor.connect(operator).forward(w.escrowAddress, call))
      .to.emit(w.escrow, "ChannelClosed")
      .withArgs(channelId(key), 400n, 600n);
    expect(await w.escrow.balanceOf(w.payee.address)).to.equal(400n);
    expect(await w.token.balanceOf(w.a)).to.equal(MINT - 400n);
  });

  it("a contract payee closes its channel itself; its operator cannot", async () => {
    const w = await loadFixture(deploy);
    const key = keyOf(w.payer.address, w.a);
    await w.escrow.connect(w.payer).open(key, 300n);
    const call = w.escrow.interface.encodeFunctionData("close", [key, 0n, "0x"]);
    const [operator] = await ethers.getSigners();
    await expect(operator.sendTransaction({ to: w.escrowAddress, data: call }))
      .to.be.revertedWithCustomError(w.escrow, "NotPayee")
      .withArgs(channelId(key), operator.address, w.a);
    await expect(w.actor.connect(operator).forward(w.escrowAddress, call))
      .to.emit(w.escrow, "ChannelClosed")
      .withArgs(channelId(key), 0n, 300n);
  });
});
