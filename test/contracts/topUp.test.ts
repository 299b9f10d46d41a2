import { expect } from "chai";
import { ZeroHash } from "ethers";
import { channelId } from "../../src/voucher/typedData";
import { MAX_AMOUNT, Status, escrowFixture, makeKey, openChannel, signVoucher, type Escrow } from "./fixture";
import { channelIn, expectChannel, fund } from "./helpers/lifecycle";

type Sender = (e: Escrow) => Escrow["payer"];

describe("topUp", () => {
  type Accept = {
    name: string;
    deposit: bigint;
    claimed?: bigint;
    amount: bigint;
    by: Sender;
  };
  const accepted: Accept[] = [
    { name: "the payer adds to the deposit", deposit: 100n, amount: 25n, by: (e) => e.payer },
    { name: "a third party adds to the deposit", deposit: 100n, amount: 25n, by: (e) => e.other },
    { name: "the payee adds to the deposit", deposit: 100n, amount: 1n, by: (e) => e.payee },
    { name: "keeps what was claimed", deposit: 100n, claimed: 60n, amount: 40n, by: (e) => e.payer },
    {
      name: "accepts a total of exactly 2^112 - 1",
      deposit: 100n,
      amount: MAX_AMOUNT - 100n,
      by: (e) => e.payer,
    },
  ];
  for (const c of accepted) {
    it(`topUp: ${c.name}`, async () => {
      const e = await escrowFixture();
      const sender = c.by(e);
      await fund(e, sender, c.amount);
      const { key, id } = await openChannel(e, c.deposit);
      if (c.claimed) await e.escrow.claim(key, c.claimed, await signVoucher(e, key, c.claimed));
      const total = c.deposit + c.amount;
      const tx = e.escrow.connect(sender).topUp(id, c.amount);
      await expect(tx).to.emit(e.escrow, "ChannelToppedUp").withArgs(id, total);
      // A third party's top-up costs the payer nothing.
      const bystanders = sender === e.payer ? [] : [e.payer];
      await expect(tx).to.changeTokenBalances(
        e.token,
        [sender, e.escrow, ...bystanders],
        [-c.amount, c.amount, ...bystanders.map(() => 0n)],
      );
      await expectChannel(e, id, { status: Status.Open, deposit: total, claimed: c.claimed ?? 0n });
    });
  }

  it("topUp: successive top-ups accumulate, each event carrying the new total", async () => {
    const e = await escrowFixture();
    const { id } = await openChannel(e, 10n);
    for (const [amount, total] of [
      [5n, 15n],
      [1n, 16n],
      [84n, 100n],
    ]) {
      await expect(e.escrow.connect(e.other).topUp(id, amount))
        .to.emit(e.escrow, "ChannelToppedUp")
        .withArgs(id, total);
    }
    await expectChannel(e, id, { status: Status.Open, deposit: 100n, claimed: 0n });
  });

  it("topUp: a topped-up deposit pays a voucher that was above the old deposit", async () => {
    const e = await escrowFixture();
    const { key, id } = await openChannel(e, 50n);
    await e.escrow.connect(e.payer).topUp(id, 50n);
    await expect(e.escrow.claim(key, 80n, await signVoucher(e, key, 80n)))
      .to.emit(e.escrow, "ChannelClaimed")
      .withArgs(id, 80n);
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(80n);
  });

  type Refuse = {
    name: string;
    arrange: (e: Escrow) => Promise<{ id: string; amount: bigint; args: unknown[] }>;
    error: string;
  };
  const refused: Refuse[] = [
    {
      name: "refuses an unknown id",
      arrange: async (e) => {
        const id = channelId(makeKey(e));
        return { id, amount: 1n, args: [id] };
      },
      error: "ChannelNotFound",
    },
    {
      name: "refuses the zero id",
      arrange: async () => ({ id: ZeroHash, amount: 1n, args: [ZeroHash] }),
      error: "ChannelNotFound",
    },
    {
      name: "refuses a zero amount",
      arrange: async (e) => ({ id: (await openChannel(e, 10n)).id, amount: 0n, args: [] }),
      error: "ZeroAmount",
    },
    {
      name: "refuses a closing channel, reporting when it closes",
      arrange: async (e) => {
        const { id, closesAt } = await channelIn(e, "Closing", 10n);
        return { id, amount: 1n, args: [id, closesAt] };
      },
      error: "ChannelIsClosing",
    },
    {
      name: "refuses a closed channel",
      arrange: async (e) => {
        const { id } = await channelIn(e, "Closed", 10n);
        return { id, amount: 1n, args: [id] };
      },
      error: "ChannelIsClosed",
    },
    {
      name: "refuses a total of 2^112",
      arrange: async (e) => {
        const { id } = await openChannel(e, 10n);
        return { id, amount: MAX_AMOUNT - 9n, args: [MAX_AMOUNT + 1n, MAX_AMOUNT] };
      },
      error: "DepositTooLarge",
    },
    {
      name: "refuses a top-up of exactly 2^112 - 1, reporting the total it would make",
      arrange: async (e) => {
        const { id } = await openChannel(e, 10n);
        return { id, amount: MAX_AMOUNT, args: [MAX_AMOUNT + 10n, MAX_AMOUNT] };
      },
      error: "DepositTooLarge",
    },
  ];
  for (const c of refused) {
    it(`topUp: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { id, amount, args } = await c.arrange(e);
      const before = await e.escrow.getChannel(id);
      await expect(e.escrow.connect(e.payer).topUp(id, amount))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...args);
      expect(await e.escrow.getChannel(id)).to.deep.equal(before);
    });
  }

  // Not DepositTooLarge: the checked sum deposit + amount overflows before the bound is compared.
  it("topUp: refuses a top-up that would wrap a uint256 total with DepositTooLarge, not a panic", async () => {
    const e = await escrowFixture();
    const { id } = await openChannel(e, 10n);
    await expect(e.escrow.connect(e.payer).topUp(id, 2n ** 256n - 10n))
      .to.be.revertedWithCustomError(e.escrow, "DepositTooLarge")
      .withArgs(2n ** 256n - 10n, MAX_AMOUNT);
    await expectChannel(e, id, { status: Status.Open, deposit: 10n, claimed: 0n });
  });
});
