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
  expectDeal,
  expectRefusedUnchanged,
  STATES,
  Status,
  type Terms,
  terms,
} from "./fixture";

describe("finish", () => {
  type Caller = "client" | "provider" | "other";
  type Accept = {
    name: string;
    terms?: Partial<Terms>;
    /** The provider withdraws at these times (seconds after acceptance). */
    withdrawAt?: bigint[];
    /** Challenges answered, each at these times (seconds after acceptance). */
    challengeAt?: bigint[];
    /** Seconds after the end the finish comes (default 0: exactly at the end). */
    after?: bigint;
    by: Caller;
    toProvider: bigint;
    withdrawn?: bigint;
  };
  // Default terms: price 1,000,000 over 100,000 s, bond 500,000, fee 1,000, window 1 h, 3 challenges.
  const accepted: Accept[] = [
    { name: "the provider finishes exactly at the end: bond + price", by: "provider", toProvider: 1_500_000n },
    { name: "the client finishes for the provider", by: "client", toProvider: 1_500_000n },
    { name: "a third party finishes a year later", after: 365n * 86_400n, by: "other", toProvider: 1_500_000n },
    {
      name: "withdrawn earnings are deducted",
      withdrawAt: [30_000n, 45_000n],
      by: "provider",
      toProvider: 1_500_000n - 450_000n,
      withdrawn: 450_000n,
    },
    {
      name: "after the whole price was withdrawn: the bond alone",
      withdrawAt: [100_000n],
      after: 1n,
      by: "other",
      toProvider: 500_000n,
      withdrawn: 1_000_000n,
    },
    {
      name: "the fees of three answered challenges are added",
      challengeAt: [10_000n, 20_000n, 30_000n],
      by: "provider",
      toProvider: 1_503_000n,
    },
    {
      name: "a challenge made one second before the end counts",
      challengeAt: [99_999n],
      after: 7_200n,
      by: "client",
      toProvider: 1_501_000n,
    },
    {
      name: "answered challenges with a zero fee add nothing",
      terms: { challengeFee: 0n },
      challengeAt: [10_000n, 20_000n],
      by: "provider",
      toProvider: 1_500_000n,
    },
    {
      name: "withdrawals and answered challenges together",
      withdrawAt: [5_000n, 50_000n],
      challengeAt: [20_000n, 70_000n],
      by: "other",
      toProvider: 1_500_000n - 500_000n + 2_000n,
      withdrawn: 500_000n,
    },
  ];
  for (const c of accepted) {
    it(`finish: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, id, acceptedAt, endsAt } = await dealIn(b, "Active", c.terms);
      const events = [
        ...(c.withdrawAt ?? []).map((s) => ({ s, what: "withdraw" as const })),
        ...(c.challengeAt ?? []).map((s) => ({ s, what: "challenge" as const })),
      ].sort((x, y) => (x.s < y.s ? -1 : 1));
      let challenges = 0n;
      let deadline = 0n;
      for (const e of events) {
        await at(acceptedAt + e.s);
        if (e.what === "withdraw") {
          await b.bond.connect(b.provider).withdrawEarnings(t);
        } else {
          deadline = await challengeNow(b, t, 1);
          await answer(b, t, 1);
          challenges++;
        }
      }
      await at(endsAt + (c.after ?? 0n));
      const caller = b[c.by];
      const tx = b.bond.connect(caller).finish(t);
      await expect(tx).to.emit(b.bond, "DealFinished").withArgs(id, c.toProvider);
      const others = c.by === "provider" ? [] : [caller];
      await expect(tx).to.changeTokenBalances(
        b.token,
        [b.provider, b.bond, ...others],
        [c.toProvider, -c.toProvider, ...others.map(() => 0n)],
      );
      expect(await b.token.balanceOf(b.bondAddress)).to.equal(0n);
      await expectDeal(b, t, {
        status: Status.Finished,
        acceptedAt,
        withdrawn: c.withdrawn ?? 0n,
        earned: t.price,
        challenges,
        challengedIndex: challenges ? 1n : 0n,
        challengeDeadline: deadline,
      });
    });
  }

  type Refuse = {
    name: string;
    arrange: (b: Bond) => Promise<{ t: Terms; args: unknown[] }>;
    error: string;
  };
  const refused: Refuse[] = [
    {
      name: "refuses one second after acceptance (DealNotOver)",
      arrange: async (b) => {
        const { t, id, endsAt } = await dealIn(b, "Active");
        return { t, args: [id, endsAt, await at()] };
      },
      error: "DealNotOver",
    },
    {
      name: "refuses one second before the end (DealNotOver)",
      arrange: async (b) => {
        const { t, id, endsAt } = await dealIn(b, "Active");
        return { t, args: [id, endsAt, await at(endsAt - 1n)] };
      },
      error: "DealNotOver",
    },
    {
      name: "refuses while a challenge made before the end is open after it (DealNotInStatus(Challenged, Active))",
      arrange: async (b) => {
        const { t, id, endsAt } = await dealIn(b, "Active");
        await at(endsAt - 1n);
        await challengeNow(b, t, 0);
        await at(endsAt + 10n);
        return { t, args: [id, Status.Challenged, Status.Active] };
      },
      error: "DealNotInStatus",
    },
    ...STATES.filter((s) => s !== "Active").map(
      (state): Refuse => ({
        name: `refuses a deal in status ${state} (DealNotInStatus(${state}, Active))`,
        arrange: async (b) => {
          const { t, id } = await dealIn(b, state);
          await time.increase(200_000);
          return { t, args: [id, Status[state], Status.Active] };
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
    it(`finish: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, args } = await c.arrange(b);
      await expectRefusedUnchanged(b, t, () => b.bond.connect(b.other).finish(t), {
        from: "bond",
        error: c.error,
        args,
      });
    });
  }

  it("finish: a deal whose open challenge was answered after the end can then be finished", async () => {
    const b = await bondFixture();
    const { t, id, endsAt } = await dealIn(b, "Active");
    await at(endsAt - 1n);
    await challengeNow(b, t, 2);
    await at(endsAt + 100n);
    await answer(b, t, 2);
    await expect(b.bond.finish(t)).to.emit(b.bond, "DealFinished").withArgs(id, 1_501_000n);
  });
});
