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
  STATES,
  Status,
  type Terms,
  terms,
} from "./fixture";

describe("withdrawEarnings", () => {
  /** A withdrawal `after` seconds past acceptance that must pay `amount`. */
  type Step = { after: bigint; amount: bigint };
  type Accept = { name: string; terms?: Partial<Terms>; steps: Step[]; answeredFirst?: true };
  // Default terms: price 1,000,000 over 100,000 s, 10 per second.
  const accepted: Accept[] = [
    { name: "one second in: 10", steps: [{ after: 1n, amount: 10n }] },
    { name: "a quarter in: a quarter of the price", steps: [{ after: 25_000n, amount: 250_000n }] },
    {
      name: "twice: the second pays only what accrued since",
      steps: [
        { after: 25_000n, amount: 250_000n },
        { after: 60_000n, amount: 350_000n },
      ],
    },
    { name: "one second before the end: all but 10", steps: [{ after: 99_999n, amount: 999_990n }] },
    { name: "at the end: the whole price", steps: [{ after: 100_000n, amount: 1_000_000n }] },
    { name: "long after the end: capped at the price", steps: [{ after: 10_000_000n, amount: 1_000_000n }] },
    {
      name: "before and after the end: the total is capped at the price",
      steps: [
        { after: 90_000n, amount: 900_000n },
        { after: 150_000n, amount: 100_000n },
      ],
    },
    {
      name: "rounds down: 1,000,000 over 300,000 s pays 3, then 3, then 4",
      terms: { duration: 300_000n },
      steps: [
        { after: 1n, amount: 3n },
        { after: 2n, amount: 3n },
        { after: 3n, amount: 4n },
      ],
    },
    {
      name: "the largest price over the longest duration accrues without overflow",
      terms: { price: (1n << 112n) - 1n, duration: (1n << 32n) - 1n },
      steps: [{ after: (1n << 31n) + 7n, amount: (((1n << 112n) - 1n) * ((1n << 31n) + 7n)) / ((1n << 32n) - 1n) }],
    },
    {
      name: "after an answered challenge",
      answeredFirst: true,
      steps: [{ after: 50_000n, amount: 500_000n }],
    },
  ];
  for (const c of accepted) {
    it(`withdrawEarnings: ${c.name}`, async () => {
      const b = await bondFixture();
      if (c.terms?.price) await b.token.mint(b.client.address, c.terms.price);
      const { t, id, acceptedAt } = await dealIn(b, "Active", c.terms);
      let challenges = 0n;
      let deadline = 0n;
      if (c.answeredFirst) {
        deadline = await challengeNow(b, t, 2);
        await answer(b, t, 2);
        challenges = 1n;
      }
      let total = 0n;
      for (const s of c.steps) {
        const now = await at(acceptedAt + s.after);
        expect(earnedAt(t, acceptedAt, now) - total, "the model agrees").to.equal(s.amount);
        total += s.amount;
        const tx = b.bond.connect(b.provider).withdrawEarnings(t);
        await expect(tx).to.emit(b.bond, "EarningsWithdrawn").withArgs(id, s.amount, total);
        await expect(tx).to.changeTokenBalances(b.token, [b.provider, b.bond, b.client], [s.amount, -s.amount, 0n]);
        await expectDeal(b, t, {
          status: Status.Active,
          acceptedAt,
          withdrawn: total,
          earned: total,
          challenges,
          challengedIndex: c.answeredFirst ? 2n : 0n,
          challengeDeadline: deadline,
        });
      }
    });
  }

  it("withdrawEarnings: getDeal reports what has accrued, between withdrawals too", async () => {
    const b = await bondFixture();
    const { t, acceptedAt } = await dealIn(b, "Active");
    await time.increaseTo(acceptedAt + 12_345n);
    expect((await b.bond.getDeal(t)).earned).to.equal(123_450n);
    await at(acceptedAt + 20_000n);
    await b.bond.connect(b.provider).withdrawEarnings(t);
    await time.increaseTo(acceptedAt + 30_000n);
    const s = await b.bond.getDeal(t);
    expect([s.withdrawn, s.earned]).to.deep.equal([200_000n, 300_000n]);
    await time.increaseTo(acceptedAt + 500_000n);
    expect((await b.bond.getDeal(t)).earned).to.equal(t.price);
  });

  type Refuse = {
    name: string;
    arrange: (b: Bond) => Promise<{ t: Terms; args: unknown[] }>;
    by?: (b: Bond) => Bond["client"];
    error: string;
  };
  const activeFor = async (b: Bond, o: Partial<Terms> = {}) => {
    const d = await dealIn(b, "Active", o);
    await time.increase(1000);
    return d;
  };
  const refused: Refuse[] = [
    {
      name: "refuses the client (NotProvider)",
      arrange: async (b) => {
        const { t, id } = await activeFor(b);
        return { t, args: [id, b.client.address, t.provider] };
      },
      by: (b) => b.client,
      error: "NotProvider",
    },
    {
      name: "refuses a third party (NotProvider)",
      arrange: async (b) => {
        const { t, id } = await activeFor(b);
        return { t, args: [id, b.other.address, t.provider] };
      },
      by: (b) => b.other,
      error: "NotProvider",
    },
    {
      name: "refuses while nothing has accrued: price 1 over 100,000 s, one second in (NothingToWithdraw)",
      arrange: async (b) => {
        const { t, id, acceptedAt } = await dealIn(b, "Active", { price: 1n });
        await at(acceptedAt + 1n);
        return { t, args: [id] };
      },
      error: "NothingToWithdraw",
    },
    {
      name: "refuses when nothing accrued since the last withdrawal: price 2 over 20 s, at 10 s then 11 s (NothingToWithdraw)",
      arrange: async (b) => {
        const { t, id, acceptedAt } = await dealIn(b, "Active", { price: 2n, duration: 20n });
        await at(acceptedAt + 10n);
        await b.bond.connect(b.provider).withdrawEarnings(t);
        await at(acceptedAt + 11n);
        return { t, args: [id] };
      },
      error: "NothingToWithdraw",
    },
    {
      name: "refuses after the whole price was withdrawn (NothingToWithdraw)",
      arrange: async (b) => {
        const { t, id, endsAt } = await dealIn(b, "Active");
        await at(endsAt);
        await b.bond.connect(b.provider).withdrawEarnings(t);
        await time.increase(100_000);
        return { t, args: [id] };
      },
      error: "NothingToWithdraw",
    },
    {
      name: "refuses while a challenge is open (DealNotInStatus(Challenged, Active))",
      arrange: async (b) => {
        const { t, id } = await dealIn(b, "Challenged");
        await time.increase(100);
        return { t, args: [id, Status.Challenged, Status.Active] };
      },
      error: "DealNotInStatus",
    },
    {
      name: "refuses terms never offered (DealNotFound)",
      arrange: async (b) => {
        const t = terms(b);
        return { t, args: [dealIdOf(t)] };
      },
      error: "DealNotFound",
    },
    ...STATES.filter((s) => s !== "Active" && s !== "Challenged").map(
      (state): Refuse => ({
        name: `refuses a deal in status ${state} (DealNotInStatus(${state}, Active))`,
        arrange: async (b) => {
          const { t, id } = await dealIn(b, state);
          return { t, args: [id, Status[state], Status.Active] };
        },
        error: "DealNotInStatus",
      }),
    ),
  ];
  for (const c of refused) {
    it(`withdrawEarnings: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, args } = await c.arrange(b);
      const by = (c.by ?? ((x) => x.provider))(b);
      await expectRefusedUnchanged(b, t, () => b.bond.connect(by).withdrawEarnings(t), {
        from: "bond",
        error: c.error,
        args,
      });
    });
  }
});
