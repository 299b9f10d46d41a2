import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";
import type { HookActor } from "../../../typechain-types";
import { earnedAt, lastBlockOf, SLASH_REWARD_BPS, Status, terms, type Terms } from "./fixture";
import { actorCalls, armBond, armRefusal, deployHookedWorld, type HookedWorld } from "./hooked";
import v0 from "./v0/StorageBondV0.json";

// Issue 8, item 4: a slash (or cancel, or finish) pushes tokens to parties whose token hooks run
// inside the push. Whatever a recipient's hook does (revert, re-enter and move tokens), the
// operation completes: the other parties are paid and the blocked payout is credited for withdraw.

const { ethers } = hre;

async function world(): Promise<HookedWorld> {
  return deployHookedWorld();
}

const addressOf = (a: HookActor) => a.getAddress();

/** Deal terms between the world's client and provider actors. */
async function actorTerms(w: HookedWorld, o: Partial<Terms> = {}): Promise<Terms> {
  return terms(
    { client: { address: await addressOf(w.client) }, provider: { address: await addressOf(w.provider) } },
    o,
  );
}

/** A deal between the actors, offered, accepted and challenged; returns when it can be slashed. */
async function missedChallenge(w: HookedWorld): Promise<{ t: Terms; acceptedAt: bigint; challengedAt: bigint }> {
  const t = await actorTerms(w);
  await actorCalls(w, w.client, "offer", [t]);
  await actorCalls(w, w.provider, "accept", [t, ...lastBlockOf(t)]);
  const acceptedAt = BigInt(await time.latest());
  await time.increase(10_000);
  await actorCalls(w, w.client, "challenge", [t, 0]);
  const challengedAt = BigInt(await time.latest());
  await time.increase(Number(t.responseWindow) + 1);
  return { t, acceptedAt, challengedAt };
}

/** What slash owes each party (reward when `keeper`), by the deal's rules. */
function slashShares(t: Terms, acceptedAt: bigint, challengedAt: bigint, keeper: boolean) {
  const earned = earnedAt(t, acceptedAt, challengedAt);
  const fivePercent = keeper ? (t.bond * SLASH_REWARD_BPS) / 10_000n : 0n;
  const reward = fivePercent < earned ? fivePercent : earned;
  return { toClient: t.price - earned + t.bond + t.challengeFee, reward, toProvider: earned - reward };
}

describe("payouts nobody can block (hooked token, hooked parties)", () => {
  it("slash completes when the client's hook refuses the payment: the client is credited, the others paid", async () => {
    const w = await loadFixture(world);
    const { t, acceptedAt, challengedAt } = await missedChallenge(w);
    const s = slashShares(t, acceptedAt, challengedAt, true);
    await armRefusal(w, w.client);
    const provider = await addressOf(w.provider);
    const keeper = await addressOf(w.keeper);
    const client = await addressOf(w.client);
    const tx = actorCalls(w, w.keeper, "slash", [t]);
    await expect(tx).to.emit(w.bond, "Credited").withArgs(client, s.toClient);
    await expect(tx).to.changeTokenBalances(w.token, [client, keeper, provider], [0n, s.reward, s.toProvider]);
    expect((await w.bond.getDeal(t)).status).to.equal(Status.Slashed);
    expect(await w.bond.balanceOf(client)).to.equal(s.toClient);
    // The refusing hook ran inside the undone push, so it is still armed: the client stops refusing
    // (its hook now makes a harmless call) and withdraws what it was owed.
    await armBond(w, w.client, "token", [], { onSend: false, swallow: true });
    await expect(actorCalls(w, w.client, "withdraw", [client, s.toClient])).to.changeTokenBalance(
      w.token,
      client,
      s.toClient,
    );
  });

  it("slash completes when the provider's hook re-enters with a deposit (a nested offer): it is credited instead", async () => {
    const w = await loadFixture(world);
    const { t, acceptedAt, challengedAt } = await missedChallenge(w);
    const s = slashShares(t, acceptedAt, challengedAt, false);
    const provider = await addressOf(w.provider);
    // The provider, as the client of a deal of its own, offers it from inside the payout's hook.
    const nested = terms({ client: { address: provider }, provider: { address: await addressOf(w.keeper) } });
    await armBond(w, w.provider, "offer", [nested], { onSend: false, swallow: true });
    const tx = actorCalls(w, w.client, "slash", [t]);
    await expect(tx).to.emit(w.bond, "Credited").withArgs(provider, s.toProvider);
    await expect(tx).to.changeTokenBalance(w.token, await addressOf(w.client), s.toClient);
    // The nested offer ran inside the undone push: it left nothing behind.
    expect((await w.bond.getDeal(nested)).status).to.equal(Status.None);
    expect(await w.bond.balanceOf(provider)).to.equal(s.toProvider);
  });

  it("before the fix, a provider whose hook re-enters blocked the slash (the bond stayed locked)", async () => {
    const w = await deployHookedWorld(async (token) => {
      const [driver] = await ethers.getSigners();
      return (await new ethers.ContractFactory(v0.abi, v0.bytecode, driver).deploy(token)) as never;
    });
    const { offerExpiresAt: _, ...t } = await actorTerms(w);
    await actorCalls(w, w.client, "offer", [t]);
    await actorCalls(w, w.provider, "accept", [t]);
    await time.increase(10_000);
    await actorCalls(w, w.client, "challenge", [t, 0]);
    await time.increase(Number(t.responseWindow) + 1);
    const nested = { ...t, client: await addressOf(w.provider), salt: t.salt + 1n };
    await armBond(w, w.provider, "offer", [nested], { onSend: false, swallow: true });
    await expect(actorCalls(w, w.client, "slash", [t])).to.be.revertedWithCustomError(w.bond, "TokenAmountMismatch");
  });

  it("cancel and finish complete when the recipient's hook refuses: the amount is credited", async () => {
    const w = await loadFixture(world);
    const client = await addressOf(w.client);
    const provider = await addressOf(w.provider);
    const offered = await actorTerms(w);
    await actorCalls(w, w.client, "offer", [offered]);
    await armRefusal(w, w.client);
    await expect(actorCalls(w, w.client, "cancel", [offered]))
      .to.emit(w.bond, "Credited")
      .withArgs(client, offered.price);
    expect((await w.bond.getDeal(offered)).status).to.equal(Status.Cancelled);

    const t = await actorTerms(w);
    await actorCalls(w, w.client, "offer", [t]);
    await actorCalls(w, w.provider, "accept", [t, ...lastBlockOf(t)]);
    await time.increase(Number(t.duration));
    await armRefusal(w, w.provider);
    await expect(w.bond.finish(t))
      .to.emit(w.bond, "Credited")
      .withArgs(provider, t.bond + t.price);
    expect(await w.bond.balanceOf(provider)).to.equal(t.bond + t.price);
    expect(await w.token.balanceOf(w.bondAddress)).to.equal(offered.price + t.bond + t.price);
  });

  it("a push that the token silently fails is credited, not lost (HookedToken failing every transfer)", async () => {
    const w = await loadFixture(world);
    const t = await actorTerms(w);
    await actorCalls(w, w.client, "offer", [t]);
    await w.token.setLoss(10_000, 0, ethers.ZeroHash);
    const client = await addressOf(w.client);
    await expect(actorCalls(w, w.client, "cancel", [t]))
      .to.emit(w.bond, "Credited")
      .withArgs(client, t.price);
    await w.token.setLoss(0, 0, ethers.ZeroHash);
    await expect(actorCalls(w, w.client, "withdraw", [client, t.price])).to.changeTokenBalance(
      w.token,
      client,
      t.price,
    );
  });

  it("pushPayout is the bond's own: anyone else is refused (NotSelf)", async () => {
    const w = await loadFixture(world);
    const [, , , other] = await ethers.getSigners();
    await expect(w.bond.connect(other).pushPayout(other.address, 1n))
      .to.be.revertedWithCustomError(w.bond, "NotSelf")
      .withArgs(other.address);
    await expect(actorCalls(w, w.keeper, "pushPayout", [await addressOf(w.keeper), 1n]))
      .to.be.revertedWithCustomError(w.bond, "NotSelf")
      .withArgs(await addressOf(w.keeper));
  });
});
