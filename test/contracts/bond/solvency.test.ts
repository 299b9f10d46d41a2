import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { AbiCoder, keccak256, type Contract } from "ethers";
import hre from "hardhat";
import type { HookActor } from "../../../typechain-types";
import { lastBlockOf, Status, terms, type Terms } from "./fixture";
import { actorCalls, armBond, armRefusal, deployHookedWorld, type HookedWorld } from "./hooked";
import v0 from "./v0/StorageBondV0.json";

// Issue 8, item 3 (bond part): HookedToken runs the sender's hook before moving funds, then may
// fail silently or charge a fee. A party whose hook makes a nested deposit with the same tokens
// (a second offer, accept or challenge) before the outer transfer fails must not be credited twice:
// the bond must never record more owed than it received.

const { ethers } = hre;
const FAIL_BPS = 5_000n;

/** HookedToken's roll: the next seed is keccak256(abi.encode(seed)); it fails when below FAIL_BPS. */
function rolls(seed: string, n: number): boolean[] {
  const out: boolean[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32"], [s]));
    out.push(BigInt(s) % 10_000n < FAIL_BPS);
  }
  return out;
}

/** A seed whose first transfer (the nested one) succeeds and whose second (the outer one) fails silently. */
function innerPassesOuterFails(): string {
  for (let i = 0; ; i++) {
    const seed = keccak256(AbiCoder.defaultAbiCoder().encode(["uint256"], [i]));
    const [inner, outer] = rolls(seed, 2);
    if (!inner && outer) return seed;
  }
}

const addressOf = (a: HookActor) => a.getAddress();
async function actorTerms(w: HookedWorld, o: Partial<Terms> = {}): Promise<Terms> {
  return terms(
    { client: { address: await addressOf(w.client) }, provider: { address: await addressOf(w.provider) } },
    o,
  );
}
const withoutExpiry = ({ offerExpiresAt: _, ...t }: Terms) => t;

async function v0World(): Promise<HookedWorld> {
  const [driver] = await ethers.getSigners();
  return deployHookedWorld(
    async (token) => (await new ethers.ContractFactory(v0.abi, v0.bytecode, driver).deploy(token)) as Contract,
  );
}

describe("solvency with a hooked, lossy token", () => {
  it("before the fix: a client's hook offers a second deal inside the first offer's pull; both were credited", async () => {
    const w = await v0World();
    const first = withoutExpiry(await actorTerms(w));
    const second = { ...first, salt: first.salt + 1_000n };
    await armBond(w, w.client, "offer", [second], { onSend: true, swallow: false });
    await w.token.setLoss(FAIL_BPS, 0, innerPassesOuterFails());
    await actorCalls(w, w.client, "offer", [first]);
    expect((await w.bond.getDeal(first as Terms)).status).to.equal(Status.Offered);
    expect((await w.bond.getDeal(second as Terms)).status).to.equal(Status.Offered);
    // Two prices owed, one received: an honest cancel is left unbacked.
    expect(await w.token.balanceOf(w.bondAddress)).to.equal(first.price);
  });

  for (const swallow of [false, true]) {
    const how = swallow ? "the hook swallows the refusal" : "the refusal reverts the hook";
    it(`offer: the nested offer is refused and nothing is recorded (${how})`, async () => {
      const w = await deployHookedWorld();
      const first = await actorTerms(w);
      const second = { ...first, salt: first.salt + 1_000n };
      await armBond(w, w.client, "offer", [second], { onSend: true, swallow });
      await w.token.setLoss(FAIL_BPS, 0, innerPassesOuterFails());
      const client = await addressOf(w.client);
      const before = await w.token.balanceOf(client);
      const tx = actorCalls(w, w.client, "offer", [first]);
      if (swallow) {
        // The nested offer was refused, its roll undone with it: the outer transfer is honest now.
        await tx;
        expect((await w.bond.getDeal(first)).status).to.equal(Status.Offered);
        expect(await w.token.balanceOf(client)).to.equal(before - first.price);
      } else {
        // The nested offer finds the outer price owed but not received.
        await expect(tx)
          .to.be.revertedWithCustomError(w.bond, "BalanceBelowOwed")
          .withArgs(second.price, first.price + second.price);
        expect((await w.bond.getDeal(first)).status).to.equal(Status.None);
        expect(await w.token.balanceOf(client)).to.equal(before);
      }
      expect((await w.bond.getDeal(second)).status).to.equal(Status.None);
      expect(await w.bond.owed()).to.equal(await w.token.balanceOf(w.bondAddress));
    });
  }

  it("accept: a provider's nested accept of another offer inside the bond's pull is refused", async () => {
    const w = await deployHookedWorld();
    const first = await actorTerms(w);
    const second = { ...first, salt: first.salt + 1_000n };
    await actorCalls(w, w.client, "offer", [first]);
    await actorCalls(w, w.client, "offer", [second]);
    await armBond(w, w.provider, "accept", [second, ...lastBlockOf(second)], { onSend: true, swallow: false });
    await w.token.setLoss(FAIL_BPS, 0, innerPassesOuterFails());
    await expect(actorCalls(w, w.provider, "accept", [first, ...lastBlockOf(first)]))
      .to.be.revertedWithCustomError(w.bond, "BalanceBelowOwed")
      .withArgs(2n * first.price + second.bond, 2n * first.price + first.bond + second.bond);
    expect((await w.bond.getDeal(first)).status).to.equal(Status.Offered);
    expect((await w.bond.getDeal(second)).status).to.equal(Status.Offered);
    expect(await w.bond.owed()).to.equal(2n * first.price);
  });

  it("challenge: a client's nested challenge of another deal inside the fee's pull is refused", async () => {
    const w = await deployHookedWorld();
    const first = await actorTerms(w);
    const second = { ...first, salt: first.salt + 1_000n };
    for (const t of [first, second]) {
      await actorCalls(w, w.client, "offer", [t]);
      await actorCalls(w, w.provider, "accept", [t, ...lastBlockOf(t)]);
    }
    await time.increase(100);
    await armBond(w, w.client, "challenge", [second, 1], { onSend: true, swallow: false });
    await w.token.setLoss(FAIL_BPS, 0, innerPassesOuterFails());
    const held = 2n * (first.price + first.bond);
    await expect(actorCalls(w, w.client, "challenge", [first, 0]))
      .to.be.revertedWithCustomError(w.bond, "BalanceBelowOwed")
      .withArgs(held + second.challengeFee, held + first.challengeFee + second.challengeFee);
    for (const t of [first, second]) expect((await w.bond.getDeal(t)).status).to.equal(Status.Active);
    expect(await w.bond.owed()).to.equal(held);
  });

  it("a fee-charging transfer is refused (TokenAmountMismatch), and owed() follows every movement", async () => {
    const w = await deployHookedWorld();
    const t = await actorTerms(w);
    await w.token.setLoss(0, 100, ethers.ZeroHash);
    await expect(actorCalls(w, w.client, "offer", [t]))
      .to.be.revertedWithCustomError(w.bond, "TokenAmountMismatch")
      .withArgs(t.price, t.price - t.price / 100n);
    await w.token.setLoss(0, 0, ethers.ZeroHash);
    await actorCalls(w, w.client, "offer", [t]);
    expect(await w.bond.owed()).to.equal(t.price);
    await actorCalls(w, w.provider, "accept", [t, ...lastBlockOf(t)]);
    expect(await w.bond.owed()).to.equal(t.price + t.bond);
    await time.increase(Number(t.duration) / 2);
    await actorCalls(w, w.provider, "withdrawEarnings", [t]);
    const withdrawn = (await w.bond.getDeal(t)).withdrawn;
    expect(await w.bond.owed()).to.equal(t.price + t.bond - withdrawn);
    await time.increase(Number(t.duration));
    await w.bond.finish(t);
    expect(await w.bond.owed()).to.equal(0n);
    expect(await w.token.balanceOf(w.bondAddress)).to.equal(0n);
  });

  it("a nested withdrawal inside a pull leaves the bond poorer than before: TokenAmountMismatch(price, 0)", async () => {
    const w = await deployHookedWorld();
    const client = await addressOf(w.client);
    // A credited balance for the client: its cancel's refund refused by its own hook.
    const credited = await actorTerms(w);
    await actorCalls(w, w.client, "offer", [credited]);
    await armRefusal(w, w.client);
    await actorCalls(w, w.client, "cancel", [credited]);
    expect(await w.bond.balanceOf(client)).to.equal(credited.price);
    // Its next offer's pull runs its hook first, which withdraws the whole credit.
    const t = await actorTerms(w, { price: credited.price / 2n });
    await armBond(w, w.client, "withdraw", [client, credited.price], { onSend: true, swallow: false });
    await expect(actorCalls(w, w.client, "offer", [t]))
      .to.be.revertedWithCustomError(w.bond, "TokenAmountMismatch")
      .withArgs(t.price, 0n);
    expect(await w.bond.balanceOf(client)).to.equal(credited.price);
    expect(await w.bond.owed()).to.equal(credited.price);
  });
});
