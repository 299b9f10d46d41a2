import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import {
  answer,
  at,
  type Bond,
  bondFixture,
  challengeNow,
  dealIdOf,
  dealIn,
  earnedAt,
  expectDeal,
  expectRefusedUnchanged,
  FILE,
  STATES,
  Status,
  type Terms,
  terms,
} from "./fixture";

describe("slash", () => {
  type Caller = "client" | "provider" | "other";
  type Accept = {
    name: string;
    terms?: Partial<Terms>;
    /** The provider withdraws at this many seconds after acceptance. */
    withdrawAt?: bigint;
    /** Challenges answered before the missed one (at 1,000 s, then each at the last deadline). */
    answered?: number;
    /** The missed challenge, seconds after acceptance. */
    challengeAt: bigint;
    /** Seconds after the deadline the slash comes (default 1). */
    slashAfter?: bigint;
    by: Caller;
    toClient: bigint;
    reward: bigint;
    toProvider: bigint;
  };
  // Default terms: price 1,000,000 over 100,000 s (10 per second), bond 500,000, fee 1,000, window 1 h.
  const accepted: Accept[] = [
    {
      name: "the client slashes one second after the deadline: unearned price + bond + fee back, no reward",
      challengeAt: 20_000n,
      by: "client",
      toClient: 800_000n + 500_000n + 1_000n,
      reward: 0n,
      toProvider: 200_000n,
    },
    {
      name: "a keeper slashes: 5% of the bond to the keeper, out of the provider's payout; the client's share unchanged",
      challengeAt: 20_000n,
      by: "other",
      toClient: 800_000n + 500_000n + 1_000n,
      reward: 25_000n,
      toProvider: 200_000n - 25_000n,
    },
    {
      name: "the keeper's reward is capped by the provider's payout (10,000 owed to it: all of it)",
      withdrawAt: 15_000n,
      challengeAt: 16_000n,
      by: "other",
      toClient: 840_000n + 500_000n + 1_000n,
      reward: 10_000n,
      toProvider: 0n,
    },
    {
      name: "nothing owed to the provider: a keeper slashes for no reward",
      terms: { price: 2n, duration: 20n },
      withdrawAt: 10n,
      challengeAt: 11n,
      by: "other",
      toClient: 1n + 500_000n + 1_000n,
      reward: 0n,
      toProvider: 0n,
    },
    {
      name: "the provider keeps only what it earned before the challenge, not during the window",
      challengeAt: 20_000n,
      slashAfter: 50_000n,
      by: "client",
      toClient: 1_301_000n,
      reward: 0n,
      toProvider: 200_000n,
    },
    {
      name: "earnings already withdrawn are deducted from the provider's share",
      withdrawAt: 15_000n,
      challengeAt: 20_000n,
      by: "client",
      toClient: 1_301_000n,
      reward: 0n,
      toProvider: 50_000n,
    },
    {
      name: "the provider gets the fees of the two challenges it answered; the client the missed one's",
      answered: 2,
      challengeAt: 20_000n,
      by: "client",
      toClient: 1_301_000n,
      reward: 0n,
      toProvider: 202_000n,
    },
    {
      name: "withdrawals, answered challenges and a keeper together",
      withdrawAt: 500n,
      answered: 1,
      challengeAt: 60_000n,
      by: "other",
      toClient: 400_000n + 500_000n + 1_000n,
      reward: 25_000n,
      toProvider: 600_000n - 5_000n + 1_000n - 25_000n,
    },
    {
      name: "a challenge one second before the end, slashed after the end: the last 10 go back",
      challengeAt: 99_999n,
      slashAfter: 100_000n,
      by: "client",
      toClient: 10n + 500_000n + 1_000n,
      reward: 0n,
      toProvider: 999_990n,
    },
    {
      name: "a challenge one second after acceptance",
      challengeAt: 1n,
      by: "client",
      toClient: 999_990n + 500_000n + 1_000n,
      reward: 0n,
      toProvider: 10n,
    },
    {
      name: "a zero fee",
      terms: { challengeFee: 0n },
      answered: 1,
      challengeAt: 50_000n,
      by: "client",
      toClient: 1_000_000n,
      reward: 0n,
      toProvider: 500_000n,
    },
    {
      name: "nothing owed to the provider: no payment to it (price 2 over 20 s, 1 withdrawn at 10 s, challenged at 11 s)",
      terms: { price: 2n, duration: 20n },
      withdrawAt: 10n,
      challengeAt: 11n,
      by: "client",
      toClient: 1n + 500_000n + 1_000n,
      reward: 0n,
      toProvider: 0n,
    },
    {
      name: "the keeper's reward rounds down (bond 199,999: 9,999)",
      terms: { bond: 199_999n },
      challengeAt: 20_000n,
      by: "other",
      toClient: 800_000n + 199_999n + 1_000n,
      reward: 9_999n,
      toProvider: 200_000n - 9_999n,
    },
    {
      name: "the provider slashes its own deal: no keeper's reward, the client gets the whole bond",
      challengeAt: 20_000n,
      by: "provider",
      toClient: 800_000n + 500_000n + 1_000n,
      reward: 0n,
      toProvider: 200_000n,
    },
  ];
  for (const c of accepted) {
    it(`slash: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, id, acceptedAt } = await dealIn(b, "Active", c.terms);
      if (c.withdrawAt !== undefined) {
        await at(acceptedAt + c.withdrawAt);
        await b.bond.connect(b.provider).withdrawEarnings(t);
      }
      const withdrawn = c.withdrawAt === undefined ? 0n : earnedAt(t, acceptedAt, acceptedAt + c.withdrawAt);
      let last = acceptedAt + 1_000n;
      for (let i = 0; i < (c.answered ?? 0); i++) {
        await at(last);
        last = await challengeNow(b, t, i);
        await answer(b, t, i);
      }
      const challengedAt = await at(acceptedAt + c.challengeAt);
      const deadline = await challengeNow(b, t, 4);
      expect(deadline).to.equal(challengedAt + t.responseWindow);
      const now = await at(deadline + (c.slashAfter ?? 1n));

      const caller = b[c.by];
      const tx = b.bond.connect(caller).slash(t);
      await expect(tx).to.emit(b.bond, "DealSlashed").withArgs(id, caller.address, c.toClient, c.reward, c.toProvider);
      const toCaller = c.by === "other" ? [c.reward] : [];
      const providerGets = c.toProvider + (c.by === "provider" ? c.reward : 0n);
      await expect(tx).to.changeTokenBalances(
        b.token,
        [b.client, b.provider, ...(c.by === "other" ? [b.other] : []), b.bond],
        [c.toClient, providerGets, ...toCaller, -(c.toClient + c.reward + c.toProvider)],
      );
      // Only non-zero payouts are pushed: a push of nothing would cost a call and a Transfer of 0.
      const receipt = await (await tx).wait();
      const tokenAddress = await b.token.getAddress();
      const pushes = receipt!.logs
        .filter((l) => l.address === tokenAddress)
        .map((l) => b.token.interface.parseLog(l))
        .filter((e) => e?.name === "Transfer" && e.args.from === b.bondAddress);
      expect(pushes.map((e) => e!.args.value)).to.deep.equal(
        [c.toClient, c.reward, c.toProvider].filter((v) => v !== 0n),
      );
      // One deal, settled: nothing is left behind.
      expect(await b.token.balanceOf(b.bondAddress)).to.equal(0n);
      const earned = earnedAt(t, acceptedAt, challengedAt);
      expect(c.toProvider + c.reward, "the model agrees").to.equal(
        earned - withdrawn + BigInt(c.answered ?? 0) * t.challengeFee,
      );
      await expectDeal(b, t, {
        status: Status.Slashed,
        acceptedAt,
        withdrawn,
        earned,
        challenges: BigInt((c.answered ?? 0) + 1),
        challengedIndex: 4n,
        challengeDeadline: deadline,
      });
      expect(now).to.be.greaterThan(deadline);
    });
  }

  type Refuse = {
    name: string;
    arrange: (b: Bond) => Promise<{ t: Terms; args: unknown[] }>;
    by?: (b: Bond) => Bond["client"];
    error: string;
  };
  const refused: Refuse[] = [
    {
      name: "refuses one second after the challenge (ResponseWindowNotOver)",
      arrange: async (b) => {
        const { t, id, deadline } = await dealIn(b, "Challenged");
        return { t, args: [id, deadline, await at()] };
      },
      error: "ResponseWindowNotOver",
    },
    {
      name: "refuses exactly at the deadline (ResponseWindowNotOver)",
      arrange: async (b) => {
        const { t, id, deadline } = await dealIn(b, "Challenged");
        return { t, args: [id, deadline, await at(deadline)] };
      },
      by: (b) => b.other,
      error: "ResponseWindowNotOver",
    },
    {
      name: "refuses an answered challenge, even after its deadline (DealNotInStatus(Active, Challenged))",
      arrange: async (b) => {
        const { t, id, deadline } = await dealIn(b, "Challenged", {}, 2);
        await answer(b, t, 2);
        await at(deadline + 1n);
        return { t, args: [id, Status.Active, Status.Challenged] };
      },
      error: "DealNotInStatus",
    },
    ...STATES.filter((s) => s !== "Challenged").map(
      (state): Refuse => ({
        name: `refuses a deal in status ${state} (DealNotInStatus(${state}, Challenged))`,
        arrange: async (b) => {
          const { t, id } = await dealIn(b, state);
          await time.increase(2 * 86_400);
          return { t, args: [id, Status[state], Status.Challenged] };
        },
        error: "DealNotInStatus",
      }),
    ),
    {
      name: "refuses terms never offered (DealNotFound)",
      arrange: async (b) => {
        const t = terms(b);
        return { t, args: [dealIdOf(t)] };
      },
      error: "DealNotFound",
    },
  ];
  for (const c of refused) {
    it(`slash: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, args } = await c.arrange(b);
      const by = (c.by ?? ((x) => x.client))(b);
      await expectRefusedUnchanged(b, t, () => b.bond.connect(by).slash(t), { from: "bond", error: c.error, args });
    });
  }

  it("slash: a slashed deal can neither be answered, finished nor withdrawn from", async () => {
    const b = await bondFixture();
    const { t, id } = await dealIn(b, "Slashed");
    await expect(b.bond.respond(t, FILE.block(0), FILE.proof(0)))
      .to.be.revertedWithCustomError(b.bond, "DealNotInStatus")
      .withArgs(id, Status.Slashed, Status.Challenged);
    await time.increase(200_000);
    await expect(b.bond.finish(t))
      .to.be.revertedWithCustomError(b.bond, "DealNotInStatus")
      .withArgs(id, Status.Slashed, Status.Active);
    await expect(b.bond.connect(b.provider).withdrawEarnings(t))
      .to.be.revertedWithCustomError(b.bond, "DealNotInStatus")
      .withArgs(id, Status.Slashed, Status.Active);
  });
});
