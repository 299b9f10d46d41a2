import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { channelId, type ChannelKey } from "../../src/voucher/typedData";
import {
  DEADLINE,
  MAX_WINDOW,
  MIN_WINDOW,
  Status,
  WINDOW,
  escrowFixture,
  makeKey,
  signConsent,
  signVoucher,
  type Escrow,
} from "./fixture";
import { channelIn, expectChannel, nextBlockTime } from "./helpers/lifecycle";

type Sender = (e: Escrow) => Escrow["payer"];
const deposit = 100n;

describe("startClose", () => {
  type Accept = { name: string; window?: number; claimed?: bigint; funder?: Sender };
  const accepted: Accept[] = [
    { name: "the payer starts the dispute window of the channel's key" },
    { name: "a minimum window ends MIN_WINDOW seconds later", window: MIN_WINDOW },
    { name: "a maximum window ends MAX_WINDOW seconds later", window: MAX_WINDOW },
    { name: "keeps the deposit and what was claimed", claimed: 35n },
  ];
  for (const c of accepted) {
    it(`startClose: ${c.name}`, async () => {
      const e = await escrowFixture();
      const key = makeKey(e, { disputeWindow: c.window ?? WINDOW });
      const id = channelId(key);
      await e.escrow.connect((c.funder ?? ((x) => x.payer))(e)).open(key, deposit);
      if (c.claimed) await e.escrow.claim(key, c.claimed, await signVoucher(e, key, c.claimed));
      const closesAt = (await nextBlockTime()) + BigInt(key.disputeWindow);
      const tx = e.escrow.connect(e.payer).startClose(key);
      await expect(tx).to.emit(e.escrow, "ChannelCloseStarted").withArgs(id, closesAt);
      await expect(tx).to.changeTokenBalances(e.token, [e.payer, e.payee, e.escrow], [0n, 0n, 0n]);
      await expectChannel(e, id, { status: Status.Closing, deposit, claimed: c.claimed ?? 0n, closesAt });
    });
  }

  type Refuse = {
    name: string;
    by?: Sender;
    state: "Open" | "Closing" | "Closed" | "None";
    error: string;
    args: (e: Escrow, id: string, closesAt: bigint) => unknown[];
  };
  const refused: Refuse[] = [
    {
      name: "refuses the payee (NotPayer)",
      by: (e) => e.payee,
      state: "Open",
      error: "NotPayer",
      args: (e, id) => [id, e.payee.address, e.payer.address],
    },
    {
      name: "refuses a third party (NotPayer)",
      by: (e) => e.other,
      state: "Open",
      error: "NotPayer",
      args: (e, id) => [id, e.other.address, e.payer.address],
    },
    {
      name: "refuses a second start, reporting the pending deadline",
      state: "Closing",
      error: "ChannelIsClosing",
      args: (_e, id, closesAt) => [id, closesAt],
    },
    { name: "refuses a closed channel", state: "Closed", error: "ChannelIsClosed", args: (_e, id) => [id] },
    { name: "refuses an unknown channel", state: "None", error: "ChannelNotFound", args: (_e, id) => [id] },
  ];
  for (const c of refused) {
    it(`startClose: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key, closesAt } =
        c.state === "None" ? { key: makeKey(e), closesAt: 0n } : await channelIn(e, c.state, deposit);
      const id = channelId(key);
      const before = await e.escrow.getChannel(id);
      await expect(e.escrow.connect((c.by ?? ((x) => x.payer))(e)).startClose(key))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...c.args(e, id, closesAt));
      expect(await e.escrow.getChannel(id)).to.deep.equal(before);
    });
  }
});

describe("during the dispute window", () => {
  /** A channel of `deposit` the payer started closing, halfway through its window. */
  async function midWindow(e: Escrow): Promise<{ key: ChannelKey; id: string; closesAt: bigint }> {
    const c = await channelIn(e, "Closing", deposit);
    await time.increaseTo(c.closesAt - BigInt(WINDOW / 2));
    return c;
  }

  it("claim: successive claims inside the window are credited and leave the deadline alone", async () => {
    const e = await escrowFixture();
    const { key, id, closesAt } = await midWindow(e);
    for (const amount of [20n, 45n]) {
      await expect(e.escrow.connect(e.other).claim(key, amount, await signVoucher(e, key, amount)))
        .to.emit(e.escrow, "ChannelClaimed")
        .withArgs(id, amount);
    }
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(45n);
    await expectChannel(e, id, { status: Status.Closing, deposit, claimed: 45n, closesAt });
  });

  it("close: the payee closes at once, paying the payer without waiting for the window", async () => {
    const e = await escrowFixture();
    const { key, id } = await midWindow(e);
    await e.escrow.claim(key, 20n, await signVoucher(e, key, 20n));
    const tx = e.escrow.connect(e.payee).close(key, 70n, await signVoucher(e, key, 70n));
    await expect(tx).to.emit(e.escrow, "ChannelClosed").withArgs(id, 70n, 30n);
    await expect(tx).to.changeTokenBalances(e.token, [e.payer, e.payee, e.escrow], [30n, 0n, -30n]);
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(70n);
    await expectChannel(e, id, { status: Status.Closed, deposit, claimed: 70n });
    await expect(e.escrow.settle(key)).to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed").withArgs(id);
  });

  it("closeWithConsent: the payer closes at once with the payee's consent", async () => {
    const e = await escrowFixture();
    const { key, id } = await midWindow(e);
    const tx = e.escrow.connect(e.payer).closeWithConsent(key, 10n, DEADLINE, await signConsent(e, key, 10n), "0x");
    await expect(tx).to.emit(e.escrow, "ChannelClosed").withArgs(id, 10n, 90n);
    await expect(tx).to.changeTokenBalances(e.token, [e.payer, e.escrow], [90n, -90n]);
    await expectChannel(e, id, { status: Status.Closed, deposit, claimed: 10n });
  });

  it("topUp: refuses a deposit while the window runs (ChannelIsClosing)", async () => {
    const e = await escrowFixture();
    const { id, closesAt } = await midWindow(e);
    await expect(e.escrow.connect(e.payer).topUp(id, 1n))
      .to.be.revertedWithCustomError(e.escrow, "ChannelIsClosing")
      .withArgs(id, closesAt);
  });
});
