import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256 } from "ethers";
import {
  answer,
  at,
  type Bond,
  bondFixture,
  challengeNow,
  type Deal,
  dealIdOf,
  dealIn,
  expectDeal,
  expectRefusedUnchanged,
  FILE,
  makeFile,
  makeHugeFile,
  STATES,
  Status,
  type Terms,
  terms,
} from "./fixture";

describe("challenge", () => {
  type Accept = {
    name: string;
    terms?: (b: Bond) => Partial<Terms>;
    /** Before the measured challenge, after the deal is accepted; returns the challenge's time. */
    arrange?: (b: Bond, d: Deal) => Promise<bigint>;
    index: number;
    /** Challenges made, the measured one included. */
    made?: bigint;
  };
  /** `n` challenges on block 1, each answered; returns the last one's deadline. */
  const answered = async (b: Bond, d: Deal, n: number): Promise<bigint> => {
    let deadline = 0n;
    for (let i = 0; i < n; i++) {
      if (deadline) await at(deadline);
      deadline = await challengeNow(b, d.t, 1);
      await answer(b, d.t, 1);
    }
    return deadline;
  };
  const accepted: Accept[] = [
    { name: "the client challenges the first block and pays the fee", index: 0 },
    { name: "a middle block", index: 2 },
    { name: "the last (short) block", index: FILE.blocks - 1 },
    {
      name: "the only block of a one-byte file",
      terms: () => ({ piecesRoot: makeFile(1).root, fileLength: 1n }),
      index: 0,
    },
    {
      name: "a block near the end of a 2^40-block file",
      terms: () => ({ fileLength: 1n << 54n, piecesRoot: makeHugeFile(1n << 54n).root }),
      index: 2 ** 40 - 1,
    },
    {
      name: "a zero fee moves no token (no allowance needed)",
      terms: () => ({ challengeFee: 0n }),
      arrange: async (b) => {
        await b.token.connect(b.client).approve(b.bondAddress, 0n);
        return at();
      },
      index: 3,
    },
    {
      name: "one second before the deal's end (the deadline may fall after it)",
      arrange: (_b, d) => at(d.endsAt - 1n),
      index: 0,
    },
    {
      name: "a second challenge exactly at the first one's deadline",
      arrange: async (b, d) => at(await answered(b, d, 1)),
      index: 4,
      made: 2n,
    },
    {
      name: "the last allowed challenge (the third of 3)",
      arrange: async (b, d) => at(await answered(b, d, 2)),
      index: 0,
      made: 3n,
    },
  ];
  for (const c of accepted) {
    it(`challenge: ${c.name}`, async () => {
      const b = await bondFixture();
      const d = await dealIn(b, "Active", c.terms?.(b));
      const now = c.arrange ? await c.arrange(b, d) : await at();
      const deadline = now + d.t.responseWindow;
      const tx = b.bond.connect(b.client).challenge(d.t, c.index);
      await expect(tx).to.emit(b.bond, "BlockChallenged").withArgs(d.id, c.index, deadline);
      const fee = d.t.challengeFee;
      await expect(tx).to.changeTokenBalances(b.token, [b.client, b.bond, b.provider], [-fee, fee, 0n]);
      const made = c.made ?? 1n;
      await expectDeal(b, d.t, {
        status: Status.Challenged,
        acceptedAt: d.acceptedAt,
        earned: (d.t.price * (now - d.acceptedAt)) / d.t.duration,
        challenges: made,
        challengedIndex: BigInt(c.index),
        challengeDeadline: deadline,
      });
      expect(await b.token.balanceOf(b.bondAddress)).to.equal(d.t.price + d.t.bond + made * fee);
    });
  }

  type Refuse = {
    name: string;
    terms?: (b: Bond) => Partial<Terms>;
    state?: Exclude<keyof typeof Status, "None">;
    /** After the deal is arranged; returns the error's arguments. */
    arrange?: (b: Bond, d: Deal) => Promise<unknown[]>;
    index?: bigint;
    by?: (b: Bond) => Bond["client"];
    error: string;
    from?: "token";
  };
  const outOfRange = (index: bigint, label = `${index}`): Refuse => ({
    name: `refuses block ${label} of a 5-block file (BlockIndexOutOfRange)`,
    index,
    arrange: async (_b, d) => [d.id, index, 5n],
    error: "BlockIndexOutOfRange",
  });
  const refused: Refuse[] = [
    {
      name: "refuses the provider (NotClient)",
      by: (b) => b.provider,
      arrange: async (b, d) => [d.id, b.provider.address, d.t.client],
      error: "NotClient",
    },
    {
      name: "refuses a third party (NotClient)",
      by: (b) => b.other,
      arrange: async (b, d) => [d.id, b.other.address, d.t.client],
      error: "NotClient",
    },
    {
      name: "refuses at the deal's end (DealOver)",
      arrange: async (_b, d) => {
        await at(d.endsAt);
        return [d.id, d.endsAt];
      },
      error: "DealOver",
    },
    {
      name: "refuses after the deal's end (DealOver)",
      arrange: async (_b, d) => {
        await at(d.endsAt + 5000n);
        return [d.id, d.endsAt];
      },
      error: "DealOver",
    },
    {
      name: "refuses a fourth challenge of 3 (ChallengeLimitReached)",
      arrange: async (b, d) => {
        await at(await answered(b, d, 3));
        return [d.id, 3n];
      },
      error: "ChallengeLimitReached",
    },
    {
      name: "refuses any challenge when maxChallenges is 0 (ChallengeLimitReached)",
      terms: () => ({ maxChallenges: 0n }),
      arrange: async (_b, d) => [d.id, 0n],
      error: "ChallengeLimitReached",
    },
    {
      name: "refuses a challenge right after the last one was answered (ChallengeTooSoon)",
      arrange: async (b, d) => [d.id, await answered(b, d, 1)],
      error: "ChallengeTooSoon",
    },
    {
      name: "refuses a challenge one second before the last one's deadline (ChallengeTooSoon)",
      arrange: async (b, d) => {
        const deadline = await answered(b, d, 1);
        await at(deadline - 1n);
        return [d.id, deadline];
      },
      error: "ChallengeTooSoon",
    },
    outOfRange(5n),
    outOfRange(6n),
    outOfRange(1n << 40n, "2^40"),
    outOfRange(MaxUint256, "2^256 - 1"),
    {
      name: "refuses block 1 of a one-byte file (BlockIndexOutOfRange)",
      terms: () => ({ piecesRoot: makeFile(1).root, fileLength: 1n }),
      index: 1n,
      arrange: async (_b, d) => [d.id, 1n, 1n],
      error: "BlockIndexOutOfRange",
    },
    {
      name: "refuses block 2^40 of a 2^40-block file (BlockIndexOutOfRange)",
      terms: () => ({ fileLength: 1n << 54n, piecesRoot: makeHugeFile(1n << 54n).root }),
      index: 1n << 40n,
      arrange: async (_b, d) => [d.id, 1n << 40n, 1n << 40n],
      error: "BlockIndexOutOfRange",
    },
    {
      name: "refuses while a challenge is open (DealNotInStatus(Challenged, Active))",
      state: "Challenged",
      arrange: async (_b, d) => [d.id, Status.Challenged, Status.Active],
      error: "DealNotInStatus",
    },
    ...STATES.filter((s) => s !== "Active" && s !== "Challenged").map(
      (state): Refuse => ({
        name: `refuses a deal in status ${state} (DealNotInStatus(${state}, Active))`,
        state,
        arrange: async (_b, d) => [d.id, Status[state], Status.Active],
        error: "DealNotInStatus",
      }),
    ),
    {
      name: "bubbles the token's error when the client has not approved the fee",
      arrange: async (b, d) => {
        await b.token.connect(b.client).approve(b.bondAddress, 999n);
        return [b.bondAddress, 999n, d.t.challengeFee];
      },
      error: "ERC20InsufficientAllowance",
      from: "token",
    },
  ];
  for (const c of refused) {
    it(`challenge: ${c.name}`, async () => {
      const b = await bondFixture();
      const d = await dealIn(b, c.state ?? "Active", c.terms?.(b));
      const args = c.arrange ? await c.arrange(b, d) : [];
      const by = (c.by ?? ((x) => x.client))(b);
      await expectRefusedUnchanged(b, d.t, () => b.bond.connect(by).challenge(d.t, c.index ?? 0n), {
        from: c.from === "token" ? "token" : "bond",
        error: c.error,
        args,
      });
    });
  }

  it("challenge: refuses terms never offered (DealNotFound)", async () => {
    const b = await bondFixture();
    const t = terms(b);
    await expect(b.bond.connect(b.client).challenge(t, 0))
      .to.be.revertedWithCustomError(b.bond, "DealNotFound")
      .withArgs(dealIdOf(t));
  });

  it("challenge: an answered challenge counts toward the limit and keeps its index and deadline", async () => {
    const b = await bondFixture();
    const d = await dealIn(b, "Active");
    const deadline = await challengeNow(b, d.t, 3);
    await answer(b, d.t, 3);
    await time.increase(10);
    const s = await b.bond.getDeal(d.t);
    expect([s.status, s.challenges, s.challengedIndex, s.challengeDeadline]).to.deep.equal([
      Status.Active,
      1n,
      3n,
      deadline,
    ]);
  });
});
