import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import hre from "hardhat";
import { answer, at, bondFixture, challengeNow, dealIn, MIN_RESPONSE_WINDOW, type Bond } from "./fixture";

// Issue 8, item 5: the keeper's reward must not make slashing a way to take money. Stated from the
// owners' side over random deals: the client receives the same whoever slashes (so front-running
// its own slash takes nothing from it), and a provider slashing its own deal from a second address
// it controls ends with no more, across its addresses, than if the client had slashed.

const RUNS = Number(process.env.KEEPER_RUNS ?? 20);
// Fixed under coverage, so the coverage gate gives the same answer on every checkout.
const COVERAGE = (hre as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
const SEED = process.env.KEEPER_SEED !== undefined ? Number(process.env.KEEPER_SEED) : COVERAGE ? 20261204 : undefined;

const deals = fc.record({
  price: fc.bigInt({ min: 1n, max: 10n ** 24n }),
  bond: fc.bigInt({ min: 1n, max: 10n ** 24n }),
  fee: fc.bigInt({ min: 0n, max: 10n ** 20n }),
  duration: fc.integer({ min: 100_000, max: 10_000_000 }),
  /** Where in the deal the provider withdraws (if at all) and the missed challenge comes, in parts per 1,000. */
  withdrawAt: fc.option(fc.integer({ min: 1, max: 500 })),
  challengeAt: fc.integer({ min: 501, max: 999 }),
  answered: fc.integer({ min: 0, max: 2 }),
});

describe("keeper rule: slashing pays the same to the client, whoever slashes", () => {
  it(`client gets the same whoever slashes; a provider slashing itself from a second address gains nothing (${RUNS} deals)`, async () => {
    const b: Bond = await bondFixture();
    // The provider's second address: an account of its own, holding nothing to start with.
    const second = b.accounts[9];
    const keeper = b.other;
    await fc.assert(
      fc.asyncProperty(deals, async (c) => {
        const d = await dealIn(b, "Active", {
          price: c.price,
          bond: c.bond,
          challengeFee: c.fee,
          duration: BigInt(c.duration),
          responseWindow: MIN_RESPONSE_WINDOW,
          maxChallenges: 3n,
        });
        const part = (k: number) => d.acceptedAt + (BigInt(c.duration) * BigInt(k)) / 1000n;
        if (c.withdrawAt !== null && part(c.withdrawAt) > BigInt(await time.latest())) {
          await at(part(c.withdrawAt));
          await b.bond
            .connect(b.provider)
            .withdrawEarnings(d.t)
            .catch(() => undefined);
        }
        // One challenge per response window: the missed one may come only once the last deadline passed.
        let lastDeadline = 0n;
        for (let i = 0; i < c.answered; i++) {
          const deadline = await challengeNow(b, d.t, i);
          await answer(b, d.t, i);
          await at(deadline);
          lastDeadline = deadline;
        }
        const now = BigInt(await time.latest()) + 1n;
        const start = now > lastDeadline ? now : lastDeadline;
        await at(start > part(c.challengeAt) ? start : part(c.challengeAt));
        const deadline = await challengeNow(b, d.t, 4);
        await at(deadline + 1n);

        const who = [b.client.address, b.provider.address, second.address, keeper.address];
        const gains = async (slasher: typeof keeper): Promise<bigint[]> => {
          const snapshot = await takeSnapshot();
          const before = await Promise.all(who.map((a) => b.token.balanceOf(a)));
          await b.bond.connect(slasher).slash(d.t);
          const after = await Promise.all(who.map((a) => b.token.balanceOf(a)));
          await snapshot.restore();
          return after.map((x, i) => x - before[i]);
        };
        const byClient = await gains(b.client);
        const byProvider = await gains(b.provider);
        const bySecond = await gains(second);
        const byKeeper = await gains(keeper);
        // The client receives the same whoever slashes.
        for (const g of [byProvider, bySecond, byKeeper]) expect(g[0], "client's share").to.equal(byClient[0]);
        // The provider's total across its addresses is never higher when it slashes itself.
        const providerTotal = (g: bigint[]) => g[1] + g[2];
        expect(providerTotal(byProvider)).to.be.at.most(providerTotal(byClient));
        expect(providerTotal(bySecond)).to.be.at.most(providerTotal(byClient));
        // A keeper's reward comes out of the provider's share, never more than that share.
        expect(byKeeper[3]).to.be.at.least(0n);
        expect(byKeeper[1] + byKeeper[3]).to.equal(byClient[1]);
        await b.bond.connect(b.client).slash(d.t);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
