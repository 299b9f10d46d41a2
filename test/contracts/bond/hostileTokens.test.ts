import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { Wallet, type BaseContract } from "ethers";
import hre from "hardhat";
import type { FalseReturningToken, FeeOnTransferToken, RevertingToken, StorageBond } from "../../../typechain-types";
import { FILE, Status, at, dealIdOf, earnedAt, lastBlockOf, terms, type Terms } from "./fixture";

const { ethers } = hre;

const MINT = 10n ** 12n;

type MockToken = FalseReturningToken | FeeOnTransferToken | RevertingToken;

/** One StorageBond over one hostile token, with the parties of its deals. */
type World<T extends MockToken> = {
  token: T;
  bond: StorageBond;
  bondAddress: string;
  client: HardhatEthersSigner;
  provider: HardhatEthersSigner;
  other: HardhatEthersSigner;
};

async function deployWorld<T extends MockToken>(token: T): Promise<World<T>> {
  const [, client, provider, other] = await ethers.getSigners();
  const bond = await ethers.deployContract("StorageBond", [await token.getAddress()]);
  const bondAddress = await bond.getAddress();
  for (const a of [client, provider, other]) {
    await token.mint(a.address, MINT);
    await token.connect(a).approve(bondAddress, ethers.MaxUint256);
  }
  return { token, bond, bondAddress, client, provider, other };
}

async function hostileFixture() {
  return {
    falseReturning: await deployWorld(await ethers.deployContract("FalseReturningToken")),
    fee: await deployWorld(await ethers.deployContract("FeeOnTransferToken", [0])),
    reverting: await deployWorld(await ethers.deployContract("RevertingToken")),
  };
}

/** Every balance a deal can touch, the contract's first. */
async function balances<T extends MockToken>(w: World<T>): Promise<bigint[]> {
  return Promise.all(
    [w.bondAddress, w.client.address, w.provider.address, w.other.address].map((a) => w.token.balanceOf(a)),
  );
}

/** Offers and accepts; returns the terms and the acceptance time. */
async function activeDeal<T extends MockToken>(w: World<T>, o: Partial<Terms> = {}) {
  const t = terms(w, o);
  await w.bond.connect(w.client).offer(t);
  await w.bond.connect(w.provider).accept(t, ...lastBlockOf(t));
  return { t, id: dealIdOf(t), acceptedAt: BigInt(await time.latest()) };
}

/** Expects `call` to revert with `error(args)` from `from`, leaving every balance and the deal as they were. */
async function expectRefused<T extends MockToken>(
  w: World<T>,
  t: Terms,
  call: () => Promise<unknown>,
  from: BaseContract,
  error: string,
  args: unknown[],
): Promise<void> {
  const before = await balances(w);
  const state = await w.bond.getDeal(t);
  await expect(call())
    .to.be.revertedWithCustomError(from, error)
    .withArgs(...args);
  expect(await balances(w)).to.deep.equal(before);
  expect((await w.bond.getDeal(t)).status).to.equal(state.status);
  expect((await w.bond.getDeal(t)).withdrawn).to.equal(state.withdrawn);
}

describe("StorageBond with hostile tokens", () => {
  describe("FalseReturningToken (transfer returns false on success, as TRON USDT's does)", () => {
    it("a whole deal: offer, accept, withdraw, challenge, respond, finish; every amount arrives", async () => {
      const w = (await loadFixture(hostileFixture)).falseReturning;
      const start = await balances(w);
      const { t, id, acceptedAt } = await activeDeal(w);
      await at(acceptedAt + 10_000n);
      await expect(w.bond.connect(w.provider).withdrawEarnings(t))
        .to.emit(w.bond, "EarningsWithdrawn")
        .withArgs(id, 100_000n, 100_000n);
      await w.bond.connect(w.client).challenge(t, 3);
      await w.bond.connect(w.provider).respond(t, FILE.block(3), FILE.proof(3));
      await at(acceptedAt + t.duration);
      await expect(w.bond.finish(t))
        .to.emit(w.bond, "DealFinished")
        .withArgs(id, t.bond + t.price - 100_000n + t.challengeFee);
      expect(await balances(w)).to.deep.equal([
        0n,
        start[1] - t.price - t.challengeFee,
        start[2] + t.price + t.challengeFee,
        start[3],
      ]);
    });

    it("cancel refunds and slash pays all three parties", async () => {
      const w = (await loadFixture(hostileFixture)).falseReturning;
      const start = await balances(w);
      const cancelled = terms(w);
      await w.bond.connect(w.client).offer(cancelled);
      await expect(w.bond.connect(w.client).cancel(cancelled)).to.emit(w.bond, "DealCancelled");

      const { t, id, acceptedAt } = await activeDeal(w);
      const challengedAt = await at(acceptedAt + 30_000n);
      await w.bond.connect(w.client).challenge(t, 0);
      await at(challengedAt + t.responseWindow + 1n);
      const earned = earnedAt(t, acceptedAt, challengedAt);
      const reward = (t.bond * 500n) / 10_000n;
      const toClient = t.price - earned + t.bond + t.challengeFee;
      await expect(w.bond.connect(w.other).slash(t))
        .to.emit(w.bond, "DealSlashed")
        .withArgs(id, w.other.address, toClient, reward, earned - reward);
      expect(await balances(w)).to.deep.equal([
        0n,
        start[1] - t.price - t.challengeFee + toClient,
        start[2] - t.bond + earned - reward,
        start[3] + reward,
      ]);
    });

    for (const lieReturn of [true, false]) {
      it(`a token whose transferFrom returns ${lieReturn} without moving anything: offer reverts TokenAmountMismatch(price, 0)`, async () => {
        const w = (await loadFixture(hostileFixture)).falseReturning;
        await w.token.setLying(true, lieReturn);
        const t = terms(w);
        await expectRefused(w, t, () => w.bond.connect(w.client).offer(t), w.bond, "TokenAmountMismatch", [
          t.price,
          0n,
        ]);
        expect((await w.bond.getDeal(t)).status).to.equal(Status.None);
      });
    }

    it("a token whose transfer returns true without moving anything: finish credits the provider, who withdraws later", async () => {
      const w = (await loadFixture(hostileFixture)).falseReturning;
      const { t, acceptedAt } = await activeDeal(w);
      await w.token.setLying(true, true);
      await at(acceptedAt + t.duration);
      const owed = t.bond + t.price;
      await expect(w.bond.finish(t)).to.emit(w.bond, "Credited").withArgs(w.provider.address, owed);
      expect(await w.bond.balanceOf(w.provider.address)).to.equal(owed);
      // While the token still lies, the withdrawal is refused: the balance did not drop.
      await expect(w.bond.connect(w.provider).withdraw(w.provider.address, owed))
        .to.be.revertedWithCustomError(w.bond, "TokenAmountMismatch")
        .withArgs(owed, 0n);
      await w.token.setLying(false, false);
      await expect(w.bond.connect(w.provider).withdraw(w.provider.address, owed)).to.changeTokenBalances(
        w.token,
        [w.provider, w.bond],
        [owed, -owed],
      );
    });
  });

  describe("FeeOnTransferToken (1% burnt from what arrives)", () => {
    it("offers are refused with TokenAmountMismatch(price, price - fee); nothing changes", async () => {
      const w = (await loadFixture(hostileFixture)).fee;
      await w.token.setFee(100, false);
      const t = terms(w);
      await expectRefused(w, t, () => w.bond.connect(w.client).offer(t), w.bond, "TokenAmountMismatch", [
        t.price,
        t.price - t.price / 100n,
      ]);
      expect((await w.bond.getDeal(t)).status).to.equal(Status.None);
    });

    it("accepting (the bond) and challenging (the fee) are refused the same way", async () => {
      const w = (await loadFixture(hostileFixture)).fee;
      const t = terms(w);
      await w.bond.connect(w.client).offer(t);
      await w.token.setFee(100, false);
      await expectRefused(
        w,
        t,
        () => w.bond.connect(w.provider).accept(t, ...lastBlockOf(t)),
        w.bond,
        "TokenAmountMismatch",
        [t.bond, t.bond - t.bond / 100n],
      );
      await w.token.setFee(0, false);
      await w.bond.connect(w.provider).accept(t, ...lastBlockOf(t));
      await w.token.setFee(100, false);
      await expectRefused(w, t, () => w.bond.connect(w.client).challenge(t, 0), w.bond, "TokenAmountMismatch", [
        t.challengeFee,
        t.challengeFee - t.challengeFee / 100n,
      ]);
      expect((await w.bond.getDeal(t)).status).to.equal(Status.Active);
    });
  });

  describe("RevertingToken (halt and blacklist, as TRON USDT has)", () => {
    const halts: {
      silent: boolean;
      error: (w: World<RevertingToken>, t: Terms) => [BaseContract, string, unknown[]];
    }[] = [
      { silent: false, error: (w) => [w.token, "Halted", []] },
      { silent: true, error: (w, t) => [w.bond, "TokenPullFailed", [w.client.address, t.price]] },
    ];
    for (const h of halts) {
      it(`a token halted ${h.silent ? "silently" : "with Halted()"}: offer reverts ${h.silent ? "TokenPullFailed(client, price)" : "with the token's Halted()"}; nothing changes`, async () => {
        const w = (await loadFixture(hostileFixture)).reverting;
        await w.token.setHalted(true, h.silent);
        const t = terms(w);
        await expectRefused(w, t, () => w.bond.connect(w.client).offer(t), ...h.error(w, t));
        expect((await w.bond.getDeal(t)).status).to.equal(Status.None);
        await w.token.setHalted(false, false);
        await expect(w.bond.connect(w.client).offer(t)).to.emit(w.bond, "DealOffered");
      });
    }

    it("a blacklisted provider is credited at finish and withdraws to another address", async () => {
      const w = (await loadFixture(hostileFixture)).reverting;
      const { t, acceptedAt } = await activeDeal(w);
      await w.token.setBlacklisted(w.provider.address, true);
      await at(acceptedAt + t.duration);
      await expect(w.bond.finish(t))
        .to.emit(w.bond, "Credited")
        .withArgs(w.provider.address, t.bond + t.price);
      expect(await w.bond.balanceOf(w.provider.address)).to.equal(t.bond + t.price);
      // Withdrawing to itself is still refused by the token, and nothing is lost.
      await expect(w.bond.connect(w.provider).withdraw(w.provider.address, t.bond + t.price))
        .to.be.revertedWithCustomError(w.bond, "TokenTransferFailed")
        .withArgs(w.provider.address, t.bond + t.price);
      await expect(w.bond.connect(w.provider).withdraw(w.other.address, t.bond + t.price)).to.changeTokenBalance(
        w.token,
        w.other,
        t.bond + t.price,
      );
      expect(await w.bond.balanceOf(w.provider.address)).to.equal(0n);
    });

    it("a blacklisted provider can still answer a challenge (respond moves no token)", async () => {
      const w = (await loadFixture(hostileFixture)).reverting;
      const { t, id } = await activeDeal(w);
      await w.bond.connect(w.client).challenge(t, 2);
      await w.token.setBlacklisted(w.provider.address, true);
      await expect(w.bond.connect(w.provider).respond(t, FILE.block(2), FILE.proof(2)))
        .to.emit(w.bond, "ChallengeAnswered")
        .withArgs(id, 2n);
    });

    // slash pays each party with tryPush: a share the token refuses (TRON USDT's blacklist) is kept
    // on that party's balance in the bond, so one blacklisted party never blocks another's payout.
    it("a blacklisted provider who missed a challenge cannot block the slash: the client is paid", async () => {
      const w = (await loadFixture(hostileFixture)).reverting;
      const { t, acceptedAt } = await activeDeal(w);
      const challengedAt = await at(acceptedAt + 20_000n);
      await w.bond.connect(w.client).challenge(t, 0);
      await w.token.setBlacklisted(w.provider.address, true);
      await at(challengedAt + t.responseWindow + 1n);
      const toClient = t.price - 200_000n + t.bond + t.challengeFee;
      const tx = w.bond.connect(w.client).slash(t);
      await expect(tx).to.emit(w.bond, "DealSlashed");
      await expect(tx).to.changeTokenBalance(w.token, w.client, toClient);
      await expect(tx).to.emit(w.bond, "Credited").withArgs(w.provider.address, 200_000n);
      expect((await w.bond.getDeal(t)).status).to.equal(Status.Slashed);
      // The provider's share waits on its balance and can be withdrawn to another address.
      expect(await w.bond.balanceOf(w.provider.address)).to.equal(200_000n);
      await expect(w.bond.connect(w.provider).withdraw(w.other.address, 200_000n)).to.changeTokenBalance(
        w.token,
        w.other,
        200_000n,
      );
    });

    it("a blacklisted client cannot lock the provider's earnings: slash pays the provider", async () => {
      const w = (await loadFixture(hostileFixture)).reverting;
      const { t, acceptedAt } = await activeDeal(w);
      const challengedAt = await at(acceptedAt + 20_000n);
      await w.bond.connect(w.client).challenge(t, 0);
      await w.token.setBlacklisted(w.client.address, true);
      await at(challengedAt + t.responseWindow + 1n);
      const tx = w.bond.connect(w.other).slash(t);
      await expect(tx).to.emit(w.bond, "DealSlashed");
      // The provider's earnings less the keeper's reward (5% of the bond, out of its payout).
      await expect(tx).to.changeTokenBalance(w.token, w.provider, 200_000n - 25_000n);
      await expect(tx).to.emit(w.bond, "Credited");
      expect(await w.bond.balanceOf(w.client.address)).to.be.greaterThan(0n);
    });
  });

  describe("not a token at all", () => {
    // The one branch of StorageBond's own balance read (`_selfBalance`) no working token takes.
    it("refuses an offer with TokenBalanceUnreadable(token) when balanceOf fails or returns nothing", async () => {
      const [, client, provider] = await ethers.getSigners();
      // A contract without balanceOf (the call reverts) and an address without code (the call
      // succeeds and returns nothing).
      const notTokens = [
        await (await ethers.deployContract("BalanceReader")).getAddress(),
        Wallet.createRandom().address,
      ];
      for (const notToken of notTokens) {
        const bond = await ethers.deployContract("StorageBond", [notToken]);
        const t = terms({ client, provider });
        await expect(bond.connect(client).offer(t))
          .to.be.revertedWithCustomError(bond, "TokenBalanceUnreadable")
          .withArgs(notToken);
        expect((await bond.getDeal(t)).status).to.equal(Status.None);
      }
    });
  });
});
