import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { channelId, type ChannelKey } from "../../src/voucher/typedData";
import { Status, compact, escrowFixture, makeKey, openChannel, signVoucher, type Escrow } from "./fixture";
import { channelIn, expectChannel, voucherSigner } from "./helpers/lifecycle";

type Sender = (e: Escrow) => Escrow["payer"];

/** Claims `amount` for the channel with the signer's 65-byte voucher. */
async function claimAs(e: Escrow, key: ChannelKey, amount: bigint, by: Sender = (x) => x.payee) {
  return e.escrow.connect(by(e)).claim(key, amount, await signVoucher(e, key, amount));
}

describe("claim", () => {
  type Accept = {
    name: string;
    earlier?: bigint[];
    voucher: bigint;
    by?: Sender;
    compact?: boolean;
    credited: bigint;
    claimed: bigint;
  };
  const deposit = 100n;
  const accepted: Accept[] = [
    { name: "the payee claims its first voucher", voucher: 30n, credited: 30n, claimed: 30n },
    { name: "a watchtower claims for the payee", voucher: 30n, by: (e) => e.other, credited: 30n, claimed: 30n },
    { name: "the payer claims for the payee", voucher: 30n, by: (e) => e.payer, credited: 30n, claimed: 30n },
    { name: "accepts a 64-byte EIP-2098 signature", voucher: 30n, compact: true, credited: 30n, claimed: 30n },
    { name: "accepts a voucher of exactly the deposit", voucher: deposit, credited: deposit, claimed: deposit },
    { name: "a later voucher credits only the difference", earlier: [30n], voucher: 50n, credited: 20n, claimed: 50n },
    { name: "credits one base unit more", earlier: [30n, 50n], voucher: 51n, credited: 1n, claimed: 51n },
    { name: "caps a voucher above the deposit at the deposit", voucher: 150n, credited: deposit, claimed: deposit },
    {
      name: "caps a voucher above the deposit at deposit - claimed after earlier claims",
      earlier: [70n],
      voucher: 150n,
      credited: 30n,
      claimed: deposit,
    },
  ];
  for (const c of accepted) {
    it(`claim: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, deposit);
      for (const amount of c.earlier ?? []) await claimAs(e, key, amount);
      const balance = await e.escrow.balanceOf(e.payee.address);
      const caller = (c.by ?? ((x) => x.payee))(e);
      const signature = await signVoucher(e, key, c.voucher);
      const tx = e.escrow.connect(caller).claim(key, c.voucher, c.compact ? compact(signature) : signature);
      await expect(tx).to.emit(e.escrow, "ChannelClaimed").withArgs(id, c.claimed);
      // Credited to the payee's balance here: no token moves.
      const watched = [...new Set([e.payee, caller])];
      await expect(tx).to.changeTokenBalances(e.token, [e.escrow, ...watched], [0n, ...watched.map(() => 0n)]);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(balance + c.credited);
      expect(await e.escrow.balanceOf(caller.address)).to.equal(caller === e.payee ? balance + c.credited : 0n);
      await expectChannel(e, id, { status: Status.Open, deposit, claimed: c.claimed });
    });
  }

  it("claim: a capped voucher claims the rest of its amount after a top-up", async () => {
    const e = await escrowFixture();
    const { key, id } = await openChannel(e, 100n);
    const signature = await signVoucher(e, key, 150n);
    await expect(e.escrow.claim(key, 150n, signature))
      .to.emit(e.escrow, "ChannelClaimed")
      .withArgs(id, 100n);
    await e.escrow.connect(e.payer).topUp(id, 100n);
    await expect(e.escrow.claim(key, 150n, signature))
      .to.emit(e.escrow, "ChannelClaimed")
      .withArgs(id, 150n);
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(150n);
    await expectChannel(e, id, { status: Status.Open, deposit: 200n, claimed: 150n });
  });

  const closingMoments: { name: string; at?: (closesAt: bigint) => bigint }[] = [
    { name: "right after the close starts" },
    { name: "one second before the window ends", at: (closesAt) => closesAt - 1n },
    { name: "when the window ends", at: (closesAt) => closesAt },
    { name: "a day after the window ended, until settled", at: (closesAt) => closesAt + 86_400n },
  ];
  for (const m of closingMoments) {
    it(`claim: accepted while closing, ${m.name}`, async () => {
      const e = await escrowFixture();
      const { key, id, closesAt } = await channelIn(e, "Closing", 100n);
      const signature = await signVoucher(e, key, 40n);
      if (m.at) await time.setNextBlockTimestamp(m.at(closesAt));
      await expect(e.escrow.connect(e.other).claim(key, 40n, signature))
        .to.emit(e.escrow, "ChannelClaimed")
        .withArgs(id, 40n);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(40n);
      await expectChannel(e, id, { status: Status.Closing, deposit: 100n, claimed: 40n, closesAt });
    });
  }

  type Refuse = {
    name: string;
    arrange: (e: Escrow) => Promise<{ key: ChannelKey; amount: bigint; signature: string; args: unknown[] }>;
    error: string;
  };
  /** A channel of deposit 100 with `earlier` claimed, and a voucher for `amount`. */
  const claimedThen = (earlier: bigint, amount: bigint) => async (e: Escrow) => {
    const { key, id } = await openChannel(e, 100n);
    if (earlier) await claimAs(e, key, earlier);
    return { key, amount, signature: await signVoucher(e, key, amount), args: [id, earlier, 100n, amount] };
  };
  const refused: Refuse[] = [
    {
      name: "refuses an unknown channel",
      arrange: async (e) => {
        const key = makeKey(e);
        return { key, amount: 1n, signature: await signVoucher(e, key, 1n), args: [channelId(key)] };
      },
      error: "ChannelNotFound",
    },
    {
      name: "refuses a closed channel",
      arrange: async (e) => {
        const { key, id } = await channelIn(e, "Closed", 100n);
        return { key, amount: 50n, signature: await signVoucher(e, key, 50n), args: [id] };
      },
      error: "ChannelIsClosed",
    },
    { name: "refuses a zero voucher (NothingToClaim)", arrange: claimedThen(0n, 0n), error: "NothingToClaim" },
    {
      name: "refuses a voucher equal to the claimed amount (NothingToClaim)",
      arrange: claimedThen(40n, 40n),
      error: "NothingToClaim",
    },
    {
      name: "refuses a voucher below the claimed amount (NothingToClaim)",
      arrange: claimedThen(40n, 39n),
      error: "NothingToClaim",
    },
    {
      name: "refuses any voucher once the whole deposit is claimed (NothingToClaim)",
      arrange: claimedThen(100n, 500n),
      error: "NothingToClaim",
    },
    {
      name: "refuses a voucher signed by the payer instead of the signer (WrongSigner)",
      arrange: async (e) => {
        const { key, id } = await openChannel(e, 100n);
        const signature = await signVoucher(e, key, 10n, e.payer);
        return { key, amount: 10n, signature, args: [id, e.signer.address, e.payer.address] };
      },
      error: "WrongSigner",
    },
    {
      name: "refuses a signature over another amount (WrongSigner)",
      arrange: async (e) => {
        const { key, id } = await openChannel(e, 100n);
        const signature = await signVoucher(e, key, 10n);
        return { key, amount: 11n, signature, args: [id, e.signer.address, voucherSigner(e, key, 11n, signature)] };
      },
      error: "WrongSigner",
    },
  ];
  for (const c of refused) {
    it(`claim: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key, amount, signature, args } = await c.arrange(e);
      const balance = await e.escrow.balanceOf(key.payee);
      const before = await e.escrow.getChannel(channelId(key));
      await expect(e.escrow.connect(e.other).claim(key, amount, signature))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...args);
      expect(await e.escrow.balanceOf(key.payee)).to.equal(balance);
      expect(await e.escrow.getChannel(channelId(key))).to.deep.equal(before);
    });
  }
});

describe("withdraw", () => {
  type Accept = { name: string; amount: bigint; to?: Sender; left: bigint };
  const accepted: Accept[] = [
    { name: "withdraws part of the balance", amount: 30n, left: 70n },
    { name: "withdraws the whole balance", amount: 100n, left: 0n },
    { name: "withdraws to another address", amount: 100n, to: (e) => e.other, left: 0n },
    { name: "withdraws one base unit to another address", amount: 1n, to: (e) => e.accounts[9], left: 99n },
  ];
  for (const c of accepted) {
    it(`withdraw: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key } = await openChannel(e, 100n);
      await claimAs(e, key, 100n);
      const to = (c.to ?? ((x) => x.payee))(e);
      const tx = e.escrow.connect(e.payee).withdraw(to.address, c.amount);
      await expect(tx).to.emit(e.escrow, "Withdrawn").withArgs(e.payee.address, to.address, c.amount);
      await expect(tx).to.changeTokenBalances(e.token, [to, e.escrow], [c.amount, -c.amount]);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(c.left);
      expect(await e.escrow.balanceOf(to.address)).to.equal(to === e.payee ? c.left : 0n);
    });
  }

  it("withdraw: after a full withdrawal the balance is 0 and a later claim credits again", async () => {
    const e = await escrowFixture();
    const { key } = await openChannel(e, 100n);
    await claimAs(e, key, 60n);
    await e.escrow.connect(e.payee).withdraw(e.payee.address, 60n);
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(0n);
    await claimAs(e, key, 75n);
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(15n);
    await expect(e.escrow.connect(e.payee).withdraw(e.payee.address, 15n)).to.changeTokenBalances(
      e.token,
      [e.payee, e.escrow],
      [15n, -15n],
    );
  });

  type Refuse = {
    name: string;
    to?: (e: Escrow) => string;
    amount: bigint;
    error: string;
    args: (e: Escrow) => unknown[];
  };
  const refused: Refuse[] = [
    { name: "refuses a zero amount", amount: 0n, error: "ZeroAmount", args: () => [] },
    { name: "refuses the zero recipient", to: () => ZeroAddress, amount: 1n, error: "ZeroRecipient", args: () => [] },
    {
      name: "refuses more than the balance, with the values",
      amount: 101n,
      error: "InsufficientBalance",
      args: (e) => [e.payee.address, 100n, 101n],
    },
  ];
  for (const c of refused) {
    it(`withdraw: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key } = await openChannel(e, 100n);
      await claimAs(e, key, 100n);
      await expect(e.escrow.connect(e.payee).withdraw(c.to?.(e) ?? e.payee.address, c.amount))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...c.args(e));
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(100n);
    });
  }

  it("withdraw: refuses an account that was never credited", async () => {
    const e = await escrowFixture();
    await expect(e.escrow.connect(e.other).withdraw(e.other.address, 1n))
      .to.be.revertedWithCustomError(e.escrow, "InsufficientBalance")
      .withArgs(e.other.address, 0n, 1n);
  });

  it("withdraw: refuses a second withdrawal of an emptied balance", async () => {
    const e = await escrowFixture();
    const { key } = await openChannel(e, 100n);
    await claimAs(e, key, 100n);
    await e.escrow.connect(e.payee).withdraw(e.payee.address, 100n);
    await expect(e.escrow.connect(e.payee).withdraw(e.payee.address, 1n))
      .to.be.revertedWithCustomError(e.escrow, "InsufficientBalance")
      .withArgs(e.payee.address, 0n, 1n);
  });
});
