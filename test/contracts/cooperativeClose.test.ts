import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import hre from "hardhat";
import { CLOSE_AUTHORIZATION_TYPES, channelId, escrowDomain, type ChannelKey } from "../../src/voucher/typedData";
import {
  DEADLINE,
  Status,
  compact,
  escrowFixture,
  makeKey,
  openChannel,
  signAuthorization,
  signConsent,
  signVoucher,
  type Escrow,
} from "./fixture";
import { channelIn, consentSigner, expectChannel, voucherSigner } from "./helpers/lifecycle";

const { ethers } = hre;

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
  // A consent is the payee giving up what it could still claim. Using it is the payer's act: the
  // payer sends it, or a relayer sends it with the payer's (or the signer's) authorisation of
  // exactly that close. A consent alone never pays the payee anything.
  type Auth = "none" | "payer" | "signer";
  type AcceptConsent = Omit<Accept, "signature" | "by"> & {
    by: Sender;
    auth?: Auth;
    signature?: "65 bytes" | "64 bytes";
    /** Seconds from the close's block to the deadline (0: the deadline is that very second). */
    deadlineIn?: number;
  };
  const accepted: AcceptConsent[] = [
    { name: "the payer submits", by: (e) => e.payer, amount: 60n, claimed: 60n, refunded: 40n },
    {
      name: "a relayer submits with the payer's authorisation",
      by: (e) => e.other,
      auth: "payer",
      amount: 60n,
      claimed: 60n,
      refunded: 40n,
    },
    {
      name: "a relayer submits with the signer's authorisation",
      by: (e) => e.other,
      auth: "signer",
      amount: 60n,
      claimed: 60n,
      refunded: 40n,
    },
    {
      name: "the payee relays it with the payer's authorisation",
      by: (e) => e.payee,
      auth: "payer",
      amount: 60n,
      claimed: 60n,
      refunded: 40n,
    },
    {
      name: "with a 64-byte signature",
      by: (e) => e.payer,
      signature: "64 bytes",
      amount: 60n,
      claimed: 60n,
      refunded: 40n,
    },
    {
      name: "in the deadline's own second",
      by: (e) => e.payer,
      deadlineIn: 0,
      amount: 60n,
      claimed: 60n,
      refunded: 40n,
    },
    { name: "with a final amount of 0", by: (e) => e.payer, amount: 0n, claimed: 0n, refunded: deposit },
    {
      name: "below what was claimed: the payee keeps its claims",
      by: (e) => e.payer,
      earlier: [50n],
      amount: 20n,
      claimed: 50n,
      refunded: 50n,
    },
    {
      name: "above the deposit: capped at the deposit",
      by: (e) => e.payer,
      amount: 150n,
      claimed: deposit,
      refunded: 0n,
    },
    {
      name: "while the payer's close is pending",
      by: (e) => e.payer,
      closing: true,
      amount: 60n,
      claimed: 60n,
      refunded: 40n,
    },
  ];
  for (const c of accepted) {
    it(`closeWithConsent: ${c.name}`, async () => {
      const e = await escrowFixture();
      const key = await arrange(e, c);
      const at = BigInt(await time.latest()) + 10n;
      const deadline = c.deadlineIn === undefined ? DEADLINE : at + BigInt(c.deadlineIn);
      const full = await signConsent(e, key, c.amount, e.payee, deadline);
      const signature = c.signature === "64 bytes" ? compact(full) : full;
      const auth = c.auth ?? "none";
      const authorization = auth === "none" ? "0x" : await signAuthorization(e, key, c.amount, e[auth], deadline);
      await time.setNextBlockTimestamp(at);
      const tx = e.escrow.connect(c.by(e)).closeWithConsent(key, c.amount, deadline, signature, authorization);
      await expectClosed(e, key, tx, { claimed: c.claimed, refunded: c.refunded, payeeBalance: c.claimed });
    });
  }

  type Call = { key: ChannelKey; amount: bigint; deadline: bigint; signature: string; authorization: string };
  type Refuse = {
    name: string;
    by?: Sender;
    arrange: (e: Escrow) => Promise<Call & { args: unknown[] }>;
    error: string;
  };
  /** An open channel and the payee's consent to 60 until DEADLINE, with `authorization` from `auth`. */
  const consentFor = async (
    e: Escrow,
    auth: (e: Escrow, key: ChannelKey) => Promise<string> = async () => "0x",
  ): Promise<Call & { id: string }> => {
    const { key, id } = await openChannel(e, deposit);
    const signature = await signConsent(e, key, 60n);
    return { key, id, amount: 60n, deadline: DEADLINE, signature, authorization: await auth(e, key) };
  };
  const authorizedBy = (who: "payee" | "other") => async (e: Escrow) => {
    const c = await consentFor(e, (x, key) => signAuthorization(x, key, 60n, x[who]));
    return { ...c, args: [c.id, e.other.address, e[who].address] };
  };
  const consentBy = (who: "signer" | "payer") => async (e: Escrow) => {
    const c = await consentFor(e);
    const signature = await signConsent(e, c.key, 60n, e[who]);
    return { ...c, signature, args: [c.id, e.payee.address, e[who].address] };
  };
  const recoveredAuthorizer = (e: Escrow, c: Call) =>
    ethers.verifyTypedData(
      escrowDomain(e.chainId, e.escrowAddress),
      CLOSE_AUTHORIZATION_TYPES,
      { channelId: channelId(c.key), finalAmount: c.amount, deadline: c.deadline },
      c.authorization,
    );
  const refused: Refuse[] = [
    {
      name: "refuses the payee submitting its own consent (CloseNotAuthorized): the payee-drain of issue 8",
      by: (e) => e.payee,
      arrange: async (e) => {
        const c = await consentFor(e);
        return {
          ...c,
          amount: deposit,
          signature: await signConsent(e, c.key, deposit),
          args: [c.id, e.payee.address, ZeroAddress],
        };
      },
      error: "CloseNotAuthorized",
    },
    {
      name: "refuses a relayer without an authorisation (CloseNotAuthorized)",
      by: (e) => e.other,
      arrange: async (e) => {
        const c = await consentFor(e);
        return { ...c, args: [c.id, e.other.address, ZeroAddress] };
      },
      error: "CloseNotAuthorized",
    },
    {
      name: "refuses a relayer authorised by the payee (CloseNotAuthorized)",
      by: (e) => e.other,
      arrange: authorizedBy("payee"),
      error: "CloseNotAuthorized",
    },
    {
      name: "refuses a relayer authorised by itself (CloseNotAuthorized)",
      by: (e) => e.other,
      arrange: authorizedBy("other"),
      error: "CloseNotAuthorized",
    },
    {
      name: "refuses an authorisation for another final amount (CloseNotAuthorized)",
      by: (e) => e.other,
      arrange: async (e) => {
        const c = await consentFor(e, (x, key) => signAuthorization(x, key, 59n));
        return { ...c, args: [c.id, e.other.address, recoveredAuthorizer(e, c)] };
      },
      error: "CloseNotAuthorized",
    },
    {
      name: "refuses an authorisation for another deadline (CloseNotAuthorized)",
      by: (e) => e.other,
      arrange: async (e) => {
        const c = await consentFor(e, (x, key) => signAuthorization(x, key, 60n, x.payer, DEADLINE + 1n));
        return { ...c, args: [c.id, e.other.address, recoveredAuthorizer(e, c)] };
      },
      error: "CloseNotAuthorized",
    },
    {
      name: "refuses the payer's consent-typed signature offered as an authorisation (CloseNotAuthorized)",
      by: (e) => e.other,
      arrange: async (e) => {
        const c = await consentFor(e, (x, key) => signConsent(x, key, 60n, x.payer));
        return { ...c, args: [c.id, e.other.address, recoveredAuthorizer(e, c)] };
      },
      error: "CloseNotAuthorized",
    },
    {
      name: "refuses a malformed authorisation (SignatureLengthInvalid)",
      by: (e) => e.other,
      arrange: async (e) => {
        const c = await consentFor(e);
        return { ...c, authorization: "0x1234", args: [2n] };
      },
      error: "SignatureLengthInvalid",
    },
    {
      name: "refuses a consent past its deadline (ConsentExpired)",
      arrange: async (e) => {
        const c = await consentFor(e);
        const deadline = BigInt(await time.latest()) + 5n;
        await time.setNextBlockTimestamp(deadline + 1n);
        const signature = await signConsent(e, c.key, 60n, e.payee, deadline);
        return { ...c, deadline, signature, args: [c.id, deadline, deadline + 1n] };
      },
      error: "ConsentExpired",
    },
    {
      name: "refuses a consent whose deadline was stretched (WrongSigner)",
      arrange: async (e) => {
        const c = await consentFor(e);
        const signature = await signConsent(e, c.key, 60n, e.payee, DEADLINE - 1n);
        return { ...c, signature, args: [c.id, e.payee.address, consentSigner(e, c.key, 60n, signature)] };
      },
      error: "WrongSigner",
    },
    {
      name: "refuses a consent signed by the signer (WrongSigner)",
      arrange: consentBy("signer"),
      error: "WrongSigner",
    },
    { name: "refuses a consent signed by the payer (WrongSigner)", arrange: consentBy("payer"), error: "WrongSigner" },
    {
      name: "refuses the payee's voucher signature offered as consent (WrongSigner)",
      arrange: async (e) => {
        const c = await consentFor(e);
        const signature = await signVoucher(e, c.key, 60n, e.payee);
        return { ...c, signature, args: [c.id, e.payee.address, consentSigner(e, c.key, 60n, signature)] };
      },
      error: "WrongSigner",
    },
    {
      name: "refuses a consent to another final amount (WrongSigner)",
      arrange: async (e) => {
        const c = await consentFor(e);
        const signature = await signConsent(e, c.key, 59n);
        return { ...c, signature, args: [c.id, e.payee.address, consentSigner(e, c.key, 60n, signature)] };
      },
      error: "WrongSigner",
    },
    {
      name: "refuses a closed channel",
      arrange: async (e) => {
        const { key, id } = await channelIn(e, "Closed", deposit);
        const signature = await signConsent(e, key, 60n);
        return { key, amount: 60n, deadline: DEADLINE, signature, authorization: "0x", args: [id] };
      },
      error: "ChannelIsClosed",
    },
    {
      name: "refuses an unknown channel",
      arrange: async (e) => {
        const key = makeKey(e);
        const signature = await signConsent(e, key, 60n);
        return { key, amount: 60n, deadline: DEADLINE, signature, authorization: "0x", args: [channelId(key)] };
      },
      error: "ChannelNotFound",
    },
  ];
  for (const c of refused) {
    it(`closeWithConsent: ${c.name}`, async () => {
      const e = await escrowFixture();
      const call = await c.arrange(e);
      const id = channelId(call.key);
      const before = await e.escrow.getChannel(id);
      const payeeBefore = await e.escrow.balanceOf(e.payee.address);
      const sender = (c.by ?? ((x) => x.payer))(e);
      await expect(
        e.escrow
          .connect(sender)
          .closeWithConsent(call.key, call.amount, call.deadline, call.signature, call.authorization),
      )
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...call.args);
      expect(await e.escrow.getChannel(id)).to.deep.equal(before);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(payeeBefore);
    });
  }
});

describe("after a cooperative close", () => {
  const closers: { name: string; close: (e: Escrow, key: ChannelKey) => Promise<unknown> }[] = [
    { name: "close", close: async (e, key) => e.escrow.connect(e.payee).close(key, 0n, "0x") },
    {
      name: "closeWithConsent",
      close: async (e, key) =>
        e.escrow.connect(e.payer).closeWithConsent(key, 0n, DEADLINE, await signConsent(e, key, 0n), "0x"),
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
      run: async (e, key) =>
        e.escrow.connect(e.payer).closeWithConsent(key, 60n, DEADLINE, await signConsent(e, key, 60n), "0x"),
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
