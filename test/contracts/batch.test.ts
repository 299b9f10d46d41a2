import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { channelId, type ChannelKey } from "../../src/voucher/typedData";
import {
  MAX_AMOUNT,
  MAX_WINDOW,
  MIN_WINDOW,
  Status,
  escrowFixture,
  makeKey,
  openChannel,
  signVoucher,
  type Escrow,
} from "./fixture";
import { channelIn, countStorageWrites, eventsOf, expectChannel, expectNoChannel, fund } from "./helpers/lifecycle";

type Signer = Escrow["payer"];
type Deposit = { key: ChannelKey; amount: bigint };

describe("openMany", () => {
  type Accept = { name: string; funder: (e: Escrow) => Signer; deposits: (e: Escrow) => Deposit[] };
  const accepted: Accept[] = [
    {
      name: "opens several channels with one pull of the sum",
      funder: (e) => e.payer,
      deposits: (e) => [
        { key: makeKey(e), amount: 10n },
        { key: makeKey(e, { payee: e.other.address }), amount: 20n },
        { key: makeKey(e, { disputeWindow: MAX_WINDOW }), amount: 30n },
      ],
    },
    {
      name: "a payer opens channels to several payees",
      funder: (e) => e.other,
      deposits: (e) =>
        e.accounts
          .slice(10, 14)
          .map((a, i) => ({ key: makeKey(e, { payer: e.other.address, payee: a.address }), amount: 5n + BigInt(i) })),
    },
    { name: "opens a single channel", funder: (e) => e.payer, deposits: (e) => [{ key: makeKey(e), amount: 1n }] },
    {
      name: "opens two channels at the deposit limit (the sum exceeds 2^112)",
      funder: (e) => e.payer,
      deposits: (e) => [
        { key: makeKey(e), amount: MAX_AMOUNT },
        { key: makeKey(e), amount: MAX_AMOUNT },
      ],
    },
  ];
  for (const c of accepted) {
    it(`openMany: ${c.name}`, async () => {
      const e = await escrowFixture();
      const funder = c.funder(e);
      const deposits = c.deposits(e);
      const total = deposits.reduce((sum, d) => sum + d.amount, 0n);
      await fund(e, funder, total);
      const tx = e.escrow.connect(funder).openMany(deposits);
      const transfers = await eventsOf(tx, e.token, "Transfer");
      expect(transfers.map((t) => [...t.args])).to.deep.equal([[funder.address, e.escrowAddress, total]]);
      await expect(tx).to.changeTokenBalances(e.token, [funder, e.escrow], [-total, total]);
      const opened = await eventsOf(tx, e.escrow, "ChannelOpened");
      expect(opened.map((o) => [...o.args])).to.deep.equal(
        deposits.map(({ key: k, amount }) => [
          channelId(k),
          k.payer,
          k.payee,
          k.signer,
          BigInt(k.disputeWindow),
          k.salt,
          amount,
        ]),
      );
      for (const d of deposits) {
        await expectChannel(e, channelId(d.key), { status: Status.Open, deposit: d.amount, claimed: 0n });
      }
    });
  }

  type Refuse = {
    name: string;
    bad: (e: Escrow, good: Deposit[]) => Promise<Deposit>;
    error: string;
    args: (e: Escrow, bad: Deposit) => unknown[];
  };
  const refused: Refuse[] = [
    {
      name: "an entry with a zero payee",
      bad: async (e) => ({ key: makeKey(e, { payee: ZeroAddress }), amount: 1n }),
      error: "ChannelKeyHasZeroAddress",
      args: (_e, b) => [b.key.payer, ZeroAddress, b.key.signer],
    },
    {
      name: "an entry with a window above the maximum",
      bad: async (e) => ({ key: makeKey(e, { disputeWindow: MAX_WINDOW + 1 }), amount: 1n }),
      error: "DisputeWindowOutOfBounds",
      args: () => [MAX_WINDOW + 1, MIN_WINDOW, MAX_WINDOW],
    },
    {
      name: "an entry of zero",
      bad: async (e) => ({ key: makeKey(e), amount: 0n }),
      error: "ZeroAmount",
      args: () => [],
    },
    {
      name: "an entry above 2^112 - 1",
      bad: async (e) => ({ key: makeKey(e), amount: MAX_AMOUNT + 1n }),
      error: "DepositTooLarge",
      args: () => [MAX_AMOUNT + 1n, MAX_AMOUNT],
    },
    {
      name: "an entry for an existing channel",
      bad: async (e) => ({ key: (await openChannel(e, 5n)).key, amount: 1n }),
      error: "ChannelAlreadyExists",
      args: (_e, b) => [channelId(b.key)],
    },
    {
      name: "an entry whose payer is not the sender (NotPayer): no pre-emptive opens in a batch either",
      bad: async (e) => ({ key: makeKey(e, { payer: e.other.address }), amount: 1n }),
      error: "NotPayer",
      args: (e, b) => [channelId(b.key), e.payer.address, e.other.address],
    },
    {
      name: "a key repeated within the batch",
      bad: async (_e, good) => ({ key: good[0].key, amount: 3n }),
      error: "ChannelAlreadyExists",
      args: (_e, b) => [channelId(b.key)],
    },
  ];
  for (const c of refused) {
    it(`openMany: refuses the whole batch for ${c.name}`, async () => {
      const e = await escrowFixture();
      const good = [
        { key: makeKey(e), amount: 10n },
        { key: makeKey(e), amount: 20n },
      ];
      const bad = await c.bad(e, good);
      const held = await e.token.balanceOf(e.escrowAddress);
      await expect(e.escrow.connect(e.payer).openMany([...good, bad]))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...c.args(e, bad));
      for (const d of good) await expectNoChannel(e, channelId(d.key));
      expect(await e.token.balanceOf(e.escrowAddress)).to.equal(held);
    });
  }

  it("openMany: refuses an empty batch (ZeroAmount)", async () => {
    const e = await escrowFixture();
    await expect(e.escrow.connect(e.payer).openMany([])).to.be.revertedWithCustomError(e.escrow, "ZeroAmount");
  });

  it("openMany: bubbles up ERC20InsufficientBalance for the sum, opening nothing", async () => {
    const e = await escrowFixture();
    const poor = e.accounts[8];
    await fund(e, poor, 29n);
    const deposits = [
      { key: makeKey(e, { payer: poor.address }), amount: 10n },
      { key: makeKey(e, { payer: poor.address }), amount: 20n },
    ];
    await expect(e.escrow.connect(poor).openMany(deposits))
      .to.be.revertedWithCustomError(e.token, "ERC20InsufficientBalance")
      .withArgs(poor.address, 29n, 30n);
    for (const d of deposits) await expectNoChannel(e, channelId(d.key));
  });
});

type Claim = { key: ChannelKey; amount: bigint; signature: string };

/** Opens one channel per payee (funded by the payer, signed by the fixture's signer) and signs `amount` for each. */
async function claimsFor(e: Escrow, payees: Signer[], amounts: bigint[], deposit = 100n): Promise<Claim[]> {
  const keys = payees.map((p) => makeKey(e, { payee: p.address }));
  await e.escrow.connect(e.payer).openMany(keys.map((key) => ({ key, amount: deposit })));
  return Promise.all(
    keys.map(async (key, i) => ({ key, amount: amounts[i], signature: await signVoucher(e, key, amounts[i]) })),
  );
}

describe("claimMany", () => {
  it("claimMany: 20 payers to one payee credit the payee once with the sum", async () => {
    const e = await escrowFixture();
    const payers = e.accounts.slice(20, 40);
    // Each payer opens its own channel and signs its own vouchers.
    const keys = payers.map((p) => makeKey(e, { payer: p.address, signer: p.address }));
    for (const [i, key] of keys.entries()) {
      await fund(e, payers[i], 100n);
      await e.escrow.connect(payers[i]).open(key, 100n);
    }
    const claims = await Promise.all(
      keys.map(async (key, i) => {
        const amount = BigInt(i + 1) * 3n;
        return { key, amount, signature: await signVoucher(e, key, amount, payers[i]) };
      }),
    );
    const sum = claims.reduce((s, c) => s + c.amount, 0n);
    expect(await e.escrow.claimMany.staticCall(claims)).to.equal(sum);
    const tx = e.escrow.connect(e.other).claimMany(claims);
    const claimed = await eventsOf(tx, e.escrow, "ChannelClaimed");
    expect(claimed.map((l) => [...l.args])).to.deep.equal(claims.map((c) => [channelId(c.key), c.amount]));
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(sum);
    // One write per channel plus a single write of the payee's balance.
    expect(await countStorageWrites((await tx).hash)).to.equal(claims.length + 1);
  });

  type Mixed = { name: string; payees: (e: Escrow) => Signer[]; balanceWrites: number };
  const mixed: Mixed[] = [
    {
      name: "payees sorted: one balance write per payee",
      payees: (e) => [e.payee, e.payee, e.other, e.other, e.accounts[7]],
      balanceWrites: 3,
    },
    {
      name: "payees unsorted: still credited correctly, one balance write per run",
      payees: (e) => [e.payee, e.other, e.payee, e.accounts[7], e.other],
      balanceWrites: 5,
    },
  ];
  for (const c of mixed) {
    it(`claimMany: ${c.name}`, async () => {
      const e = await escrowFixture();
      const payees = c.payees(e);
      const claims = await claimsFor(e, payees, [11n, 22n, 33n, 44n, 55n]);
      const expected = new Map<string, bigint>();
      for (const [i, p] of payees.entries())
        expected.set(p.address, (expected.get(p.address) ?? 0n) + claims[i].amount);
      expect(await e.escrow.claimMany.staticCall(claims)).to.equal(165n);
      const tx = e.escrow.claimMany(claims);
      expect(await countStorageWrites((await tx).hash)).to.equal(claims.length + c.balanceWrites);
      for (const [payee, amount] of expected) expect(await e.escrow.balanceOf(payee), payee).to.equal(amount);
    });
  }

  it("claimMany: skips claims that pay nothing new and closed channels, crediting the rest", async () => {
    const e = await escrowFixture();
    const [done, fresh] = await claimsFor(e, [e.payee, e.payee], [50n, 30n]);
    await e.escrow.claim(done.key, done.amount, done.signature);
    const { key: closedKey } = await channelIn(e, "Closed", 100n);
    const closed = { key: closedKey, amount: 60n, signature: await signVoucher(e, closedKey, 60n) };
    const lower = { key: done.key, amount: 40n, signature: await signVoucher(e, done.key, 40n) };
    const claims = [done, closed, fresh, lower];
    expect(await e.escrow.claimMany.staticCall(claims)).to.equal(30n);
    const tx = e.escrow.claimMany(claims);
    const claimed = await eventsOf(tx, e.escrow, "ChannelClaimed");
    expect(claimed.map((l) => [...l.args])).to.deep.equal([[channelId(fresh.key), 30n]]);
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(80n);
    await expectChannel(e, channelId(done.key), { status: Status.Open, deposit: 100n, claimed: 50n });
    await expectChannel(e, channelId(closedKey), { status: Status.Closed, deposit: 100n, claimed: 0n });
  });

  it("claimMany: skips a claim that pays nothing new without checking its signature", async () => {
    const e = await escrowFixture();
    const [done, fresh] = await claimsFor(e, [e.payee, e.payee], [50n, 30n]);
    await e.escrow.claim(done.key, done.amount, done.signature);
    // Signed by the payer: claim() would say NothingToClaim before looking at it, and so does the batch.
    const stale = { key: done.key, amount: 50n, signature: await signVoucher(e, done.key, 50n, e.payer) };
    expect(await e.escrow.claimMany.staticCall([stale, fresh])).to.equal(30n);
  });

  type Accept = { name: string; amounts: bigint[]; credited: bigint; claimed: bigint };
  const sameChannel: Accept[] = [
    {
      name: "a channel claimed twice in a batch credits the higher voucher",
      amounts: [20n, 70n],
      credited: 70n,
      claimed: 70n,
    },
    {
      name: "a lower voucher after a higher one in a batch is skipped",
      amounts: [70n, 20n],
      credited: 70n,
      claimed: 70n,
    },
    { name: "a voucher above the deposit is capped", amounts: [250n], credited: 100n, claimed: 100n },
  ];
  for (const c of sameChannel) {
    it(`claimMany: ${c.name}`, async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, 100n);
      const claims = await Promise.all(
        c.amounts.map(async (amount) => ({ key, amount, signature: await signVoucher(e, key, amount) })),
      );
      expect(await e.escrow.claimMany.staticCall(claims)).to.equal(c.credited);
      await e.escrow.claimMany(claims);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(c.credited);
      await expectChannel(e, id, { status: Status.Open, deposit: 100n, claimed: c.claimed });
    });
  }

  it("claimMany: credits a closing channel, keeping its deadline", async () => {
    const e = await escrowFixture();
    const { key, id, closesAt } = await channelIn(e, "Closing", 100n);
    await e.escrow.claimMany([{ key, amount: 40n, signature: await signVoucher(e, key, 40n) }]);
    await expectChannel(e, id, { status: Status.Closing, deposit: 100n, claimed: 40n, closesAt });
    expect(await e.escrow.balanceOf(e.payee.address)).to.equal(40n);
  });

  it("claimMany: an empty batch credits nothing", async () => {
    const e = await escrowFixture();
    expect(await e.escrow.claimMany.staticCall([])).to.equal(0n);
    await expect(e.escrow.claimMany([])).not.to.emit(e.escrow, "ChannelClaimed");
  });

  it("claimMany: a batch that pays nothing new writes no storage (no balance slot, not even address(0)'s)", async () => {
    const e = await escrowFixture();
    const [done] = await claimsFor(e, [e.payee], [50n]);
    await e.escrow.claim(done.key, done.amount, done.signature);
    const { key: closedKey } = await channelIn(e, "Closed", 100n);
    const closed = { key: closedKey, amount: 60n, signature: await signVoucher(e, closedKey, 60n) };
    for (const claims of [[], [done], [done, closed]]) {
      const tx = await e.escrow.claimMany(claims);
      // A credit of nothing would still rewrite a balance slot (20,000 energy for address(0)'s on TRON).
      expect(await countStorageWrites(tx.hash), `${claims.length} claims`).to.equal(0);
    }
    expect(await e.escrow.balanceOf(ZeroAddress)).to.equal(0n);
  });

  type Refuse = {
    name: string;
    last: (e: Escrow) => Promise<Claim>;
    error: string;
    args: (e: Escrow, last: Claim) => unknown[];
  };
  const refused: Refuse[] = [
    {
      name: "an unknown channel",
      last: async (e) => {
        const key = makeKey(e);
        return { key, amount: 5n, signature: await signVoucher(e, key, 5n) };
      },
      error: "ChannelNotFound",
      args: (_e, last) => [channelId(last.key)],
    },
    {
      name: "a voucher signed by the payer (WrongSigner)",
      last: async (e) => {
        const { key } = await openChannel(e, 100n);
        return { key, amount: 5n, signature: await signVoucher(e, key, 5n, e.payer) };
      },
      error: "WrongSigner",
      args: (e, last) => [channelId(last.key), e.signer.address, e.payer.address],
    },
  ];
  for (const c of refused) {
    it(`claimMany: reverts the whole batch for ${c.name}`, async () => {
      const e = await escrowFixture();
      const good = await claimsFor(e, [e.payee, e.other], [10n, 20n]);
      const last = await c.last(e);
      await expect(e.escrow.claimMany([...good, last]))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...c.args(e, last));
      for (const g of good)
        await expectChannel(e, channelId(g.key), { status: Status.Open, deposit: 100n, claimed: 0n });
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(0n);
      expect(await e.escrow.balanceOf(e.other.address)).to.equal(0n);
    });
  }
});
