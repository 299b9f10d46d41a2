import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { channelId, type ChannelKey } from "../../src/voucher/typedData";
import { DEADLINE, Status, WINDOW, escrowFixture, makeKey, signConsent, signVoucher, type Escrow } from "./fixture";
import { blacklistFixture, channelIn, expectChannel, startClose } from "./helpers/lifecycle";

type Sender = (e: Escrow) => Escrow["payer"];
const deposit = 100n;

async function claim(e: Escrow, key: ChannelKey, amount: bigint): Promise<void> {
  await e.escrow.claim(key, amount, await signVoucher(e, key, amount));
}

describe("settle", () => {
  type Accept = {
    name: string;
    by: Sender;
    after?: number;
    claimedBefore?: bigint;
    claimedInWindow?: bigint;
    topUp?: bigint;
    claimed: bigint;
    refunded: bigint;
  };
  const accepted: Accept[] = [
    { name: "anyone settles exactly at closesAt", by: (e) => e.other, claimed: 0n, refunded: deposit },
    {
      name: "the payer settles a day after closesAt",
      by: (e) => e.payer,
      after: 86_400,
      claimed: 0n,
      refunded: deposit,
    },
    { name: "the payee settles", by: (e) => e.payee, claimed: 0n, refunded: deposit },
    {
      name: "refunds deposit - claimed after claims before the close",
      by: (e) => e.other,
      claimedBefore: 30n,
      claimed: 30n,
      refunded: 70n,
    },
    {
      name: "refunds deposit - claimed after a claim inside the window",
      by: (e) => e.other,
      claimedBefore: 30n,
      claimedInWindow: 45n,
      claimed: 45n,
      refunded: 55n,
    },
    {
      name: "refunds nothing when all was claimed",
      by: (e) => e.other,
      claimedBefore: deposit,
      claimed: deposit,
      refunded: 0n,
    },
    {
      name: "refunds a topped-up deposit",
      by: (e) => e.other,
      topUp: 50n,
      claimedBefore: 120n,
      claimed: 120n,
      refunded: 30n,
    },
  ];
  for (const c of accepted) {
    it(`settle: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key, id } = await channelIn(e, "Open", deposit);
      if (c.topUp) await e.escrow.connect(e.payer).topUp(id, c.topUp);
      if (c.claimedBefore) await claim(e, key, c.claimedBefore);
      const closesAt = await startClose(e, key);
      if (c.claimedInWindow) await claim(e, key, c.claimedInWindow);
      await time.setNextBlockTimestamp(closesAt + BigInt(c.after ?? 0));
      const caller = c.by(e);
      const tx = e.escrow.connect(caller).settle(key);
      await expect(tx).to.emit(e.escrow, "ChannelClosed").withArgs(id, c.claimed, c.refunded);
      await expect(tx).not.to.emit(e.escrow, "Credited");
      const watched = [e.payer, e.payee, e.other];
      const refundTo = (a: (typeof watched)[number]) => (a === e.payer ? c.refunded : 0n);
      await expect(tx).to.changeTokenBalances(e.token, [e.escrow, ...watched], [-c.refunded, ...watched.map(refundTo)]);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(c.claimed);
      expect(await e.escrow.balanceOf(e.payer.address)).to.equal(0n);
      await expectChannel(e, id, { status: Status.Closed, deposit: deposit + (c.topUp ?? 0n), claimed: c.claimed });
    });
  }

  const early = [
    { name: "one second before closesAt", at: (closesAt: bigint) => closesAt - 1n },
    { name: "right after the close starts", at: (closesAt: bigint) => closesAt - BigInt(WINDOW) + 1n },
  ];
  for (const c of early) {
    it(`settle: refuses ${c.name} (DisputeWindowNotOver with closesAt and now)`, async () => {
      const e = await escrowFixture();
      const { key, id, closesAt } = await channelIn(e, "Closing", deposit);
      const now = c.at(closesAt);
      await time.setNextBlockTimestamp(now);
      await expect(e.escrow.connect(e.other).settle(key))
        .to.be.revertedWithCustomError(e.escrow, "DisputeWindowNotOver")
        .withArgs(id, closesAt, now);
      await expectChannel(e, id, { status: Status.Closing, deposit, claimed: 0n, closesAt });
    });
  }

  type Refuse = { name: string; state: "Open" | "Closed" | "Settled" | "None"; error: string };
  const refused: Refuse[] = [
    { name: "refuses an open channel nobody started closing", state: "Open", error: "ChannelNotClosing" },
    { name: "refuses a channel the payee closed", state: "Closed", error: "ChannelIsClosed" },
    { name: "refuses a second settle", state: "Settled", error: "ChannelIsClosed" },
    { name: "refuses an unknown channel", state: "None", error: "ChannelNotFound" },
  ];
  for (const c of refused) {
    it(`settle: ${c.name}`, async () => {
      const e = await escrowFixture();
      let key: ChannelKey;
      if (c.state === "None") key = makeKey(e);
      else if (c.state === "Settled") {
        ({ key } = await channelIn(e, "Closing", deposit));
        await time.increaseTo((await e.escrow.getChannel(channelId(key))).closesAt);
        await e.escrow.settle(key);
      } else ({ key } = await channelIn(e, c.state, deposit));
      const id = channelId(key);
      const before = await e.escrow.getChannel(id);
      await expect(e.escrow.connect(e.other).settle(key)).to.be.revertedWithCustomError(e.escrow, c.error).withArgs(id);
      expect(await e.escrow.getChannel(id)).to.deep.equal(before);
    });
  }

  it("settle: leaves the channel Closed; topUp, claim, startClose, settle and both closes refuse it", async () => {
    const e = await escrowFixture();
    const { key, id, closesAt } = await channelIn(e, "Closing", deposit);
    await time.increaseTo(closesAt);
    await e.escrow.settle(key);
    const voucher = await signVoucher(e, key, 60n);
    const consent = await signConsent(e, key, 60n);
    const operations: [string, () => Promise<unknown>][] = [
      ["topUp", () => e.escrow.connect(e.payer).topUp(id, 1n)],
      ["claim", () => e.escrow.claim(key, 60n, voucher)],
      ["startClose", () => e.escrow.connect(e.payer).startClose(key)],
      ["settle", () => e.escrow.settle(key)],
      ["close", () => e.escrow.connect(e.payee).close(key, 60n, voucher)],
      ["closeWithConsent", () => e.escrow.connect(e.payer).closeWithConsent(key, 60n, DEADLINE, consent, "0x")],
    ];
    for (const [name, run] of operations) {
      await expect(run(), name).to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed").withArgs(id);
    }
  });
});

describe("refund to a payer the token refuses", () => {
  const closers: { name: string; close: (e: Escrow, key: ChannelKey) => Promise<unknown> }[] = [
    {
      name: "settle",
      close: async (e, key) => {
        await time.increaseTo(await startClose(e, key));
        return e.escrow.connect(e.other).settle(key);
      },
    },
    { name: "close", close: async (e, key) => e.escrow.connect(e.payee).close(key, 0n, "0x") },
    {
      name: "closeWithConsent",
      close: async (e, key) =>
        e.escrow.connect(e.payer).closeWithConsent(key, 30n, DEADLINE, await signConsent(e, key, 30n), "0x"),
    },
  ];
  for (const c of closers) {
    it(`${c.name}: credits the refund to the blacklisted payer's balance here (Credited)`, async () => {
      const { e, token } = await blacklistFixture();
      const { key, id } = await channelIn(e, "Open", deposit);
      await claim(e, key, 30n);
      await token.setBlacklisted(e.payer.address, true);
      const tx = c.close(e, key);
      await expect(tx).to.emit(e.escrow, "ChannelClosed").withArgs(id, 30n, 70n);
      await expect(tx).to.emit(e.escrow, "Credited").withArgs(e.payer.address, 70n);
      await expect(tx).to.changeTokenBalances(token, [e.payer, e.escrow], [0n, 0n]);
      expect(await e.escrow.balanceOf(e.payer.address)).to.equal(70n);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(30n);
      await expectChannel(e, id, { status: Status.Closed, deposit, claimed: 30n });
    });
  }

  it("withdraw: the blacklisted payer withdraws its credited refund to another address", async () => {
    const { e, token } = await blacklistFixture();
    const { key } = await channelIn(e, "Open", deposit);
    await token.setBlacklisted(e.payer.address, true);
    await e.escrow.connect(e.payee).close(key, 0n, "0x");
    const tx = e.escrow.connect(e.payer).withdraw(e.other.address, deposit);
    await expect(tx).to.emit(e.escrow, "Withdrawn").withArgs(e.payer.address, e.other.address, deposit);
    await expect(tx).to.changeTokenBalances(token, [e.other, e.payer, e.escrow], [deposit, 0n, -deposit]);
    expect(await e.escrow.balanceOf(e.payer.address)).to.equal(0n);
  });

  it("withdraw: refuses to pay the blacklisted payer itself (TokenTransferFailed), keeping the balance", async () => {
    const { e, token } = await blacklistFixture();
    const { key } = await channelIn(e, "Open", deposit);
    await token.setBlacklisted(e.payer.address, true);
    await e.escrow.connect(e.payee).close(key, 0n, "0x");
    await expect(e.escrow.connect(e.payer).withdraw(e.payer.address, deposit))
      .to.be.revertedWithCustomError(e.escrow, "TokenTransferFailed")
      .withArgs(e.payer.address, deposit);
    expect(await e.escrow.balanceOf(e.payer.address)).to.equal(deposit);
  });
});
