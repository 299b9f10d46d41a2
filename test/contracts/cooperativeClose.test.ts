import { expect } from "chai";
import { channelId, type ChannelKey } from "../../src/voucher/typedData";
import { Status, compact, escrowFixture, makeKey, openChannel, signConsent, signVoucher, type Escrow } from "./fixture";
import { channelIn, consentSigner, expectChannel, voucherSigner } from "./helpers/lifecycle";

type Sender = (e: Escrow) => Escrow["payer"];
const deposit = 100n;

/** Asserts the outcome of a close: event, payout, balances here and the stored channel. */
async function expectClosed(
  e: Escrow,
  key: ChannelKey,
  tx: Promise<unknown>,
  want: { claimed: bigint; refunded: bigint; payeeBalance: bigint },
): Promise<void> {
  const id = channelId(key);
  await expect(tx).to.emit(e.escrow, "ChannelClosed").withArgs(id, want.claimed, want.refunded);
  // ChannelClosed alone reports the final rise in `claimed`; a ChannelClaimed too would count it twice.
  await expect(tx).not.to.emit(e.escrow, "ChannelClaimed");
  await expect(tx).not.to.emit(e.escrow, "Credited");
  await expect(tx).to.changeTokenBalances(e.token, [e.payer, e.payee, e.escrow], [want.refunded, 0n, -want.refunded]);
  expect(await e.escrow.balanceOf(e.payee.address)).to.equal(want.payeeBalance);
  expect(await e.escrow.balanceOf(e.payer.address)).to.equal(0n);
  await expectChannel(e, id, { status: Status.Closed, deposit, claimed: want.claimed });
}

type Accept = {
  name: string;
  closing?: boolean;
  earlier?: bigint[];
  amount: bigint;
  signature: "65 bytes" | "64 bytes" | "empty";
  by?: Sender;
  claimed: bigint;
  refunded: bigint;
};

/** An open (or closing) channel of `deposit` with `earlier` vouchers claimed. */
async function arrange(e: Escrow, c: Pick<Accept, "closing" | "earlier">): Promise<ChannelKey> {
  const { key } = await channelIn(e, c.closing ? "Closing" : "Open", deposit);
  for (const amount of c.earlier ?? []) await e.escrow.claim(key, amount, await signVoucher(e, key, amount));
  return key;
}

describe("close", () => {
  const accepted: Accept[] = [
    { name: "with a higher voucher", amount: 60n, signature: "65 bytes", claimed: 60n, refunded: 40n },
    { name: "with a 64-byte voucher signature", amount: 60n, signature: "64 bytes", claimed: 60n, refunded: 40n },
    { name: "with amount 0 and an empty signature", amount: 0n, signature: "empty", claimed: 0n, refunded: deposit },
    {
      name: "with a voucher above the deposit, capped",
      amount: 150n,
      signature: "65 bytes",
      claimed: deposit,
      refunded: 0n,
    },
    {
      name: "after earlier claims, crediting only the rise",
      earlier: [30n],
      amount: 70n,
      signature: "65 bytes",
      claimed: 70n,
      refunded: 30n,
    },
    {
      name: "after earlier claims, without a voucher",
      earlier: [30n],
      amount: 0n,
      signature: "empty",
      claimed: 30n,
      refunded: 70n,
    },
    {
      name: "after earlier claims, ignoring a stale voucher",
      earlier: [50n],
      amount: 40n,
      signature: "65 bytes",
      claimed: 50n,
      refunded: 50n,
    },
    {
      name: "after the whole deposit was claimed, ignoring an unsigned higher amount",
      earlier: [deposit],
      amount: 150n,
      signature: "empty",
      claimed: deposit,
      refunded: 0n,
    },
    {
      name: "while the payer's close is pending",
      closing: true,
      amount: 60n,
      signature: "65 bytes",
      claimed: 60n,
      refunded: 40n,
    },
  ];
  for (const c of accepted) {
    it(`close: the payee closes ${c.name}`, async () => {
      const e = await escrowFixture();
      const key = await arrange(e, c);
      const full = await signVoucher(e, key, c.amount);
      const signature = { "65 bytes": full, "64 bytes": compact(full), empty: "0x" }[c.signature];
      const tx = e.escrow.connect(e.payee).close(key, c.amount, signature);
      await expectClosed(e, key, tx, { claimed: c.claimed, refunded: c.refunded, payeeBalance: c.claimed });
    });
  }

  type Refuse = {
    name: string;
    by?: Sender;
    arrange: (e: Escrow) => Promise<{ key: ChannelKey; amount: bigint; signature: string }>;
    error: string;
    args: (e: Escrow, id: string, c: { key: ChannelKey; amount: bigint; signature: string }) => unknown[];
  };
  const signedBy = (by: "signer" | "payer") => async (e: Escrow) => {
    const { key } = await openChannel(e, deposit);
    return { key, amount: 60n, signature: await signVoucher(e, key, 60n, e[by]) };
  };
  const refused: Refuse[] = [
    {
      name: "refuses the payer (NotPayee)",
      by: (e) => e.payer,
      arrange: signedBy("signer"),
      error: "NotPayee",
      args: (e, id) => [id, e.payer.address, e.payee.address],
    },
    {
      name: "refuses a third party (NotPayee)",
      by: (e) => e.other,
      arrange: signedBy("signer"),
      error: "NotPayee",
      args: (e, id) => [id, e.other.address, e.payee.address],
    },
    {
      name: "refuses a closed channel",
      arrange: async (e) => {
        const { key } = await channelIn(e, "Closed", deposit);
        return { key, amount: 60n, signature: await signVoucher(e, key, 60n) };
      },
      error: "ChannelIsClosed",
      args: (_e, id) => [id],
    },
    {
      name: "refuses an unknown channel",
      arrange: async (e) => ({ key: makeKey(e), amount: 0n, signature: "0x" }),
      error: "ChannelNotFound",
      args: (_e, id) => [id],
    },
    {
      name: "refuses a voucher signed by the payer (WrongSigner)",
      arrange: signedBy("payer"),
      error: "WrongSigner",
      args: (e, id) => [id, e.signer.address, e.payer.address],
    },
    {
      name: "refuses a close consent offered as a voucher (WrongSigner)",
      arrange: async (e) => {
        const { key } = await openChannel(e, deposit);
        return { key, amount: 60n, signature: await signConsent(e, key, 60n, e.signer) };
      },
      error: "WrongSigner",
      args: (e, id, c) => [id, e.signer.address, voucherSigner(e, c.key, c.amount, c.signature)],
    },
  ];
  for (const c of refused) {
    it(`close: ${c.name}`, async () => {
      const e = await escrowFixture();
      const call = await c.arrange(e);
      const id = channelId(call.key);
      const before = await e.escrow.getChannel(id);
      await expect(e.escrow.connect((c.by ?? ((x) => x.payee))(e)).close(call.key, call.amount, call.signature))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...c.args(e, id, call));
      expect(await e.escrow.getChannel(id)).to.deep.equal(before);
    });
  }
});

describe("closeWithConsent", () => {
  const accepted: Accept[] = [
    { name: "the payer submits", by: (e) => e.payer, amount: 60n, signature: "65 bytes", claimed: 60n, refunded: 40n },
    { name: "a relayer submits", by: (e) => e.other, amount: 60n, signature: "65 bytes", claimed: 60n, refunded: 40n },
    { name: "the payee submits", by: (e) => e.payee, amount: 60n, signature: "65 bytes", claimed: 60n, refunded: 40n },
    {
      name: "with a 64-byte signature",
      by: (e) => e.payer,
      amount: 60n,
      signature: "64 bytes",
      claimed: 60n,
      refunded: 40n,
    },
    {
      name: "with a final amount of 0",
      by: (e) => e.payer,
      amount: 0n,
      signature: "65 bytes",
      claimed: 0n,
      refunded: deposit,
    },
    {
      name: "below what was claimed: the payee keeps its claims",
      by: (e) => e.payer,
      earlier: [50n],
      amount: 20n,
      signature: "65 bytes",
      claimed: 50n,
      refunded: 50n,
    },
    {
      name: "above the deposit: capped at the deposit",
      by: (e) => e.payer,
      amount: 150n,
      signature: "65 bytes",
      claimed: deposit,
      refunded: 0n,
    },
    {
      name: "while the payer's close is pending",
      by: (e) => e.payer,
      closing: true,
      amount: 60n,
      signature: "65 bytes",
      claimed: 60n,
      refunded: 40n,
    },
  ];
  for (const c of accepted) {
    it(`closeWithConsent: ${c.name}`, async () => {
      const e = await escrowFixture();
      const key = await arrange(e, c);
      const full = await signConsent(e, key, c.amount);
      const signature = c.signature === "64 bytes" ? compact(full) : full;
      const tx = e.escrow.connect(c.by!(e)).closeWithConsent(key, c.amount, signature);
      await expectClosed(e, key, tx, { claimed: c.claimed, refunded: c.refunded, payeeBalance: c.claimed });
    });
  }

  type Refuse = {
    name: string;
    arrange: (e: Escrow) => Promise<{ key: ChannelKey; signature: string; args: unknown[] }>;
    error: string;
  };
  const consentBy = (who: "signer" | "payer") => async (e: Escrow) => {
    const { key, id } = await openChannel(e, deposit);
    const signature = await signConsent(e, key, 60n, e[who]);
    return { key, signature, args: [id, e.payee.address, e[who].address] };
  };
  const refused: Refuse[] = [
    {
      name: "refuses a consent signed by the signer (WrongSigner)",
      arrange: consentBy("signer"),
      error: "WrongSigner",
    },
    { name: "refuses a consent signed by the payer (WrongSigner)", arrange: consentBy("payer"), error: "WrongSigner" },
    {
      name: "refuses the payee's voucher signature offered as consent (WrongSigner)",
      arrange: async (e) => {
        const { key, id } = await openChannel(e, deposit);
        const signature = await signVoucher(e, key, 60n, e.payee);
        return { key, signature, args: [id, e.payee.address, consentSigner(e, key, 60n, signature)] };
      },
      error: "WrongSigner",
    },
    {
      name: "refuses a consent to another final amount (WrongSigner)",
      arrange: async (e) => {
        const { key, id } = await openChannel(e, deposit);
        const signature = await signConsent(e, key, 59n);
        return { key, signature, args: [id, e.payee.address, consentSigner(e, key, 60n, signature)] };
      },
      error: "WrongSigner",
    },
    {
      name: "refuses a closed channel",
      arrange: async (e) => {
        const { key, id } = await channelIn(e, "Closed", deposit);
        return { key, signature: await signConsent(e, key, 60n), args: [id] };
      },
      error: "ChannelIsClosed",
    },
    {
      name: "refuses an unknown channel",
      arrange: async (e) => {
        const key = makeKey(e);
        return { key, signature: await signConsent(e, key, 60n), args: [channelId(key)] };
      },
      error: "ChannelNotFound",
    },
  ];
  for (const c of refused) {
    it(`closeWithConsent: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key, signature, args } = await c.arrange(e);
      const before = await e.escrow.getChannel(channelId(key));
      await expect(e.escrow.connect(e.payer).closeWithConsent(key, 60n, signature))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...args);
      expect(await e.escrow.getChannel(channelId(key))).to.deep.equal(before);
    });
  }
});

describe("after a cooperative close", () => {
  const closers: { name: string; close: (e: Escrow, key: ChannelKey) => Promise<unknown> }[] = [
    { name: "close", close: async (e, key) => e.escrow.connect(e.payee).close(key, 0n, "0x") },
    {
      name: "closeWithConsent",
      close: async (e, key) => e.escrow.connect(e.other).closeWithConsent(key, 0n, await signConsent(e, key, 0n)),
    },
  ];
  const operations: { name: string; run: (e: Escrow, key: ChannelKey) => Promise<unknown> }[] = [
    { name: "topUp", run: (e, key) => e.escrow.connect(e.payer).topUp(channelId(key), 1n) },
    { name: "claim", run: async (e, key) => e.escrow.claim(key, 60n, await signVoucher(e, key, 60n)) },
    { name: "startClose", run: (e, key) => e.escrow.connect(e.payer).startClose(key) },
    { name: "settle", run: (e, key) => e.escrow.connect(e.other).settle(key) },
    { name: "close", run: async (e, key) => e.escrow.connect(e.payee).close(key, 60n, await signVoucher(e, key, 60n)) },
    {
      name: "closeWithConsent",
      run: async (e, key) => e.escrow.closeWithConsent(key, 60n, await signConsent(e, key, 60n)),
    },
  ];
  for (const closer of closers) {
    it(`${closer.name}: leaves the channel Closed; topUp, claim, startClose, settle and both closes refuse it`, async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, deposit);
      await closer.close(e, key);
      await expectChannel(e, id, { status: Status.Closed, deposit, claimed: 0n });
      for (const op of operations) {
        await expect(op.run(e, key), op.name).to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed").withArgs(id);
      }
    });
  }
});
