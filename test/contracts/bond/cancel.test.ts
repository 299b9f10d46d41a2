import { expect } from "chai";
import {
  type Bond,
  bondFixture,
  dealIdOf,
  dealIn,
  expectDeal,
  expectRefusedUnchanged,
  STATES,
  Status,
  type Terms,
  terms,
  lastBlockOf,
} from "./fixture";

describe("cancel", () => {
  const accepted: { name: string; terms: (b: Bond) => Partial<Terms> }[] = [
    { name: "the client cancels its offer and gets the price back", terms: () => ({}) },
    { name: "refunds a price of one base unit", terms: () => ({ price: 1n }) },
  ];
  for (const c of accepted) {
    it(`cancel: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, id } = await dealIn(b, "Offered", c.terms(b));
      const tx = b.bond.connect(b.client).cancel(t);
      await expect(tx).to.emit(b.bond, "DealCancelled").withArgs(id);
      await expect(tx).to.changeTokenBalances(b.token, [b.client, b.bond, b.provider], [t.price, -t.price, 0n]);
      await expectDeal(b, t, { status: Status.Cancelled });
      expect(await b.token.balanceOf(b.bondAddress)).to.equal(0n);
    });
  }

  it("cancel: a cancelled offer can no longer be accepted (DealNotInStatus(Cancelled, Offered))", async () => {
    const b = await bondFixture();
    const { t, id } = await dealIn(b, "Cancelled");
    await expect(b.bond.connect(b.provider).accept(t, ...lastBlockOf(t)))
      .to.be.revertedWithCustomError(b.bond, "DealNotInStatus")
      .withArgs(id, Status.Cancelled, Status.Offered);
  });

  it("cancel: leaves the client's other offers alone", async () => {
    const b = await bondFixture();
    const kept = await dealIn(b, "Offered");
    const { t } = await dealIn(b, "Offered");
    await b.bond.connect(b.client).cancel(t);
    await expectDeal(b, kept.t, { status: Status.Offered });
    expect(await b.token.balanceOf(b.bondAddress)).to.equal(kept.t.price);
  });

  type Refuse = {
    name: string;
    arrange: (b: Bond) => Promise<{ t: Terms; args: unknown[] }>;
    by?: (b: Bond) => Bond["client"];
    error: string;
  };
  const refused: Refuse[] = [
    {
      name: "refuses the provider (NotClient)",
      arrange: async (b) => {
        const { t, id } = await dealIn(b, "Offered");
        return { t, args: [id, b.provider.address, t.client] };
      },
      by: (b) => b.provider,
      error: "NotClient",
    },
    {
      name: "refuses a third party (NotClient)",
      arrange: async (b) => {
        const { t, id } = await dealIn(b, "Offered");
        return { t, args: [id, b.other.address, t.client] };
      },
      by: (b) => b.other,
      error: "NotClient",
    },
    {
      name: "refuses terms never offered (DealNotFound)",
      arrange: async (b) => {
        const t = terms(b);
        return { t, args: [dealIdOf(t)] };
      },
      error: "DealNotFound",
    },
    ...STATES.filter((s) => s !== "Offered").map(
      (state): Refuse => ({
        name: `refuses a deal in status ${state} (DealNotInStatus(${state}, Offered))`,
        arrange: async (b) => {
          const { t, id } = await dealIn(b, state);
          return { t, args: [id, Status[state], Status.Offered] };
        },
        error: "DealNotInStatus",
      }),
    ),
  ];
  for (const c of refused) {
    it(`cancel: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, args } = await c.arrange(b);
      const by = (c.by ?? ((x) => x.client))(b);
      await expectRefusedUnchanged(b, t, () => b.bond.connect(by).cancel(t), { from: "bond", error: c.error, args });
    });
  }
});
