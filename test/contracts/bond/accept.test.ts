import { expect } from "chai";
import hre from "hardhat";
import {
  at,
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

const { ethers } = hre;

describe("accept", () => {
  const accepted: { name: string; terms: (b: Bond) => Partial<Terms> }[] = [
    { name: "the provider accepts and posts the bond; the deal starts now", terms: () => ({}) },
    { name: "a bond of one base unit", terms: () => ({ bond: 1n }) },
    { name: "a provider who is also the client posts the bond", terms: (b) => ({ provider: b.client.address }) },
  ];
  for (const c of accepted) {
    it(`accept: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, id } = await dealIn(b, "Offered", c.terms(b));
      const provider = b.accounts.find((a) => a.address === t.provider)!;
      const now = await at();
      const tx = b.bond.connect(provider).accept(t, ...lastBlockOf(t));
      await expect(tx).to.emit(b.bond, "DealAccepted").withArgs(id, now);
      await expect(tx).to.changeTokenBalances(b.token, [provider, b.bond], [-t.bond, t.bond]);
      await expectDeal(b, t, { status: Status.Active, acceptedAt: now });
      expect(await b.token.balanceOf(b.bondAddress)).to.equal(t.price + t.bond);
    });
  }

  type Refuse = {
    name: string;
    arrange: (b: Bond) => Promise<{ t: Terms; args: unknown[] }>;
    by?: (b: Bond) => Bond["client"];
    error: string;
    from?: "token";
  };
  const refused: Refuse[] = [
    {
      name: "refuses the client (NotProvider)",
      arrange: async (b) => {
        const { t, id } = await dealIn(b, "Offered");
        return { t, args: [id, b.client.address, t.provider] };
      },
      by: (b) => b.client,
      error: "NotProvider",
    },
    {
      name: "refuses a third party (NotProvider)",
      arrange: async (b) => {
        const { t, id } = await dealIn(b, "Offered");
        return { t, args: [id, b.other.address, t.provider] };
      },
      by: (b) => b.other,
      error: "NotProvider",
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
    {
      name: "bubbles the token's error when the provider has not approved the bond",
      arrange: async (b) => {
        const { t } = await dealIn(b, "Offered");
        await b.token.connect(b.provider).approve(b.bondAddress, t.bond - 1n);
        return { t, args: [b.bondAddress, t.bond - 1n, t.bond] };
      },
      error: "ERC20InsufficientAllowance",
      from: "token",
    },
  ];
  for (const c of refused) {
    it(`accept: ${c.name}`, async () => {
      const b = await bondFixture();
      const { t, args } = await c.arrange(b);
      const by = (c.by ?? ((x) => x.provider))(b);
      await expectRefusedUnchanged(b, t, () => b.bond.connect(by).accept(t, ...lastBlockOf(t)), {
        from: c.from === "token" ? "token" : "bond",
        error: c.error,
        args,
      });
    });
  }

  it("accept: NotProvider names the calling contract (msg.sender), not the transaction's origin", async () => {
    const b = await bondFixture();
    const { t, id } = await dealIn(b, "Offered");
    const actor = await ethers.deployContract("HookActor");
    const call = b.bond.interface.encodeFunctionData("accept", [t, ...lastBlockOf(t)]);
    await expect(actor.connect(b.provider).forward(b.bondAddress, call))
      .to.be.revertedWithCustomError(b.bond, "NotProvider")
      .withArgs(id, await actor.getAddress(), b.provider.address);
    await expectDeal(b, t, { status: Status.Offered });
  });
});
