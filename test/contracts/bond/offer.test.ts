import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  at,
  type Bond,
  bondFixture,
  dealIdOf,
  expectDeal,
  expectRefusedUnchanged,
  makeFile,
  MAX_AMOUNT,
  MIN_RESPONSE_WINDOW,
  Status,
  storedState,
  type Terms,
  terms,
  termsFor,
  lastBlockOf,
} from "./fixture";

type Signer = Bond["client"];

describe("offer", () => {
  type Accept = { name: string; terms: (b: Bond & { now: bigint }) => Terms; fund?: bigint };
  const accepted: Accept[] = [
    { name: "the client offers the default deal", terms: (b) => terms(b) },
    { name: "a one-byte file", terms: (b) => termsFor(b, makeFile(1)) },
    { name: "a zero challenge fee", terms: (b) => terms(b, { challengeFee: 0n }) },
    { name: "no challenges allowed (maxChallenges 0)", terms: (b) => terms(b, { maxChallenges: 0n }) },
    {
      name: "a duration of one second and the shortest response window (15 minutes)",
      terms: (b) => terms(b, { duration: 1n, responseWindow: MIN_RESPONSE_WINDOW }),
    },
    { name: "an offer valid for one more second", terms: (b) => terms(b, { offerExpiresAt: b.now + 1n }) },
    { name: "the largest file: exactly 2^40 blocks (16 PiB)", terms: (b) => terms(b, { fileLength: 1n << 54n }) },
    { name: "the largest uint64 salt", terms: (b) => terms(b, { salt: (1n << 64n) - 1n }) },
    {
      name: "every amount at 2^112 - 1",
      terms: (b) => terms(b, { price: MAX_AMOUNT, bond: MAX_AMOUNT, challengeFee: MAX_AMOUNT }),
      fund: MAX_AMOUNT,
    },
    { name: "the client as its own provider", terms: (b) => terms(b, { provider: b.client.address }) },
  ];
  for (const c of accepted) {
    it(`offer: ${c.name}`, async () => {
      const b = { ...(await bondFixture()), now: BigInt(await time.latest()) };
      const t = c.terms(b);
      await at(b.now + 1n);
      if (c.fund) await b.token.mint(b.client.address, c.fund);
      const id = dealIdOf(t);
      expect(await b.bond.dealId(t)).to.equal(id);
      expect(await b.bond.connect(b.client).offer.staticCall(t)).to.equal(id);
      const tx = b.bond.connect(b.client).offer(t);
      await expect(tx)
        .to.emit(b.bond, "DealOffered")
        .withArgs(
          id,
          t.client,
          t.provider,
          t.piecesRoot,
          t.fileLength,
          t.price,
          t.bond,
          t.duration,
          t.responseWindow,
          t.challengeFee,
          t.maxChallenges,
          t.offerExpiresAt,
          t.salt,
        );
      await expect(tx).to.changeTokenBalances(b.token, [b.client, b.bond], [-t.price, t.price]);
      await expectDeal(b, t, { status: Status.Offered });
    });
  }

  it("token(): the bond reports the token it holds deals in (what the library and CLI read)", async () => {
    const b = await bondFixture();
    expect(await b.bond.token()).to.equal(await b.token.getAddress());
  });

  it("offer: the id is keccak256(abi.encode(terms)) and changes with every field", async () => {
    const b = await bondFixture();
    const base = terms(b);
    const changed: Partial<Terms>[] = [
      { client: b.other.address },
      { provider: b.other.address },
      { piecesRoot: "0x" + "11".repeat(32) },
      { fileLength: base.fileLength + 1n },
      { price: base.price + 1n },
      { bond: base.bond + 1n },
      { duration: base.duration + 1n },
      { responseWindow: base.responseWindow + 1n },
      { challengeFee: base.challengeFee + 1n },
      { maxChallenges: base.maxChallenges + 1n },
      { offerExpiresAt: base.offerExpiresAt + 1n },
      { salt: base.salt + 1n },
    ];
    const ids = new Set([dealIdOf(base)]);
    expect(await b.bond.dealId(base)).to.equal(dealIdOf(base));
    for (const o of changed) {
      const t = { ...base, ...o };
      expect(await b.bond.dealId(t)).to.equal(dealIdOf(t));
      ids.add(dealIdOf(t));
    }
    expect(ids.size).to.equal(changed.length + 1);
  });

  it("offer: two deals differing only in salt live side by side", async () => {
    const b = await bondFixture();
    const first = terms(b);
    const second = { ...first, salt: first.salt + 1_000_000n };
    await b.bond.connect(b.client).offer(first);
    await expect(b.bond.connect(b.client).offer(second)).to.changeTokenBalance(b.token, b.bond, second.price);
    await expectDeal(b, first, { status: Status.Offered });
    await expectDeal(b, second, { status: Status.Offered });
  });

  type Refuse = {
    name: string;
    terms: (b: Bond) => Terms;
    by?: (b: Bond) => Signer;
    arrange?: (b: Bond, t: Terms) => Promise<unknown>;
    /** Offered before: the deal's state is not None afterwards. */
    status?: bigint;
    error: string;
    from?: "token";
    args: (b: Bond, t: Terms) => unknown[];
  };
  const invalid = (name: string, o: (b: Bond) => Partial<Terms>, reason: string): Refuse => ({
    name: `${name} (InvalidTerms)`,
    terms: (b) => terms(b, o(b)),
    error: "InvalidTerms",
    args: () => [reason],
  });
  const tooLarge = "an amount exceeds 2^112 - 1";
  const refused: Refuse[] = [
    {
      name: "refuses an offer by the provider (NotClient)",
      terms: (b) => terms(b),
      by: (b) => b.provider,
      error: "NotClient",
      args: (b, t) => [dealIdOf(t), b.provider.address, t.client],
    },
    {
      name: "refuses an offer by a third party (NotClient)",
      terms: (b) => terms(b),
      by: (b) => b.other,
      error: "NotClient",
      args: (b, t) => [dealIdOf(t), b.other.address, t.client],
    },
    {
      name: "checks the caller before the terms (NotClient for invalid terms)",
      terms: (b) => terms(b, { provider: ZeroAddress, price: 0n }),
      by: (b) => b.other,
      error: "NotClient",
      args: (b, t) => [dealIdOf(t), b.other.address, t.client],
    },
    invalid("refuses the zero provider", () => ({ provider: ZeroAddress }), "provider is the zero address"),
    invalid(
      "refuses a zero file length",
      () => ({ fileLength: 0n }),
      "file length is zero (an empty file has no pieces root)",
    ),
    invalid(
      "refuses 2^40 blocks and one byte",
      () => ({ fileLength: (1n << 54n) + 1n }),
      "file has more than 2^40 blocks",
    ),
    invalid(
      "refuses the largest uint64 file length",
      () => ({ fileLength: (1n << 64n) - 1n }),
      "file has more than 2^40 blocks",
    ),
    invalid("refuses a zero price", () => ({ price: 0n }), "price and bond must be non-zero"),
    invalid("refuses a zero bond", () => ({ bond: 0n }), "price and bond must be non-zero"),
    invalid("refuses a price of 2^112", () => ({ price: MAX_AMOUNT + 1n }), tooLarge),
    invalid("refuses a bond of 2^112", () => ({ bond: MAX_AMOUNT + 1n }), tooLarge),
    invalid("refuses a challenge fee of 2^112", () => ({ challengeFee: MAX_AMOUNT + 1n }), tooLarge),
    invalid("refuses a zero duration", () => ({ duration: 0n }), "duration is zero"),
    ...[0n, 1n, 3n, 60n, MIN_RESPONSE_WINDOW - 1n].map(
      (w): Refuse => ({
        name: `refuses a response window of ${w} s (ResponseWindowTooShort)`,
        terms: (b) => terms(b, { responseWindow: w }),
        error: "ResponseWindowTooShort",
        args: () => [w, MIN_RESPONSE_WINDOW],
      }),
    ),
    {
      name: "refuses an offer that expired before it was made (OfferExpired)",
      terms: (b) => terms(b, { offerExpiresAt: 1_000_000n }),
      error: "OfferExpired",
      args: (_, t) => [dealIdOf(t), t.offerExpiresAt, "now"],
    },
    {
      name: "refuses terms already offered (DealAlreadyExists)",
      terms: (b) => terms(b),
      arrange: (b, t) => b.bond.connect(b.client).offer(t),
      status: Status.Offered,
      error: "DealAlreadyExists",
      args: (_, t) => [dealIdOf(t)],
    },
    {
      name: "refuses the terms of a cancelled deal (DealAlreadyExists)",
      terms: (b) => terms(b),
      arrange: async (b, t) => {
        await b.bond.connect(b.client).offer(t);
        await b.bond.connect(b.client).cancel(t);
      },
      status: Status.Cancelled,
      error: "DealAlreadyExists",
      args: (_, t) => [dealIdOf(t)],
    },
    {
      name: "refuses the terms of an accepted deal (DealAlreadyExists)",
      terms: (b) => terms(b),
      arrange: async (b, t) => {
        await b.bond.connect(b.client).offer(t);
        await b.bond.connect(b.provider).accept(t, ...lastBlockOf(t));
      },
      status: Status.Active,
      error: "DealAlreadyExists",
      args: (_, t) => [dealIdOf(t)],
    },
    {
      name: "bubbles the token's error when the client has not approved the price",
      terms: (b) => terms(b),
      arrange: (b) => b.token.connect(b.client).approve(b.bondAddress, 999_999n),
      error: "ERC20InsufficientAllowance",
      from: "token",
      args: (b) => [b.bondAddress, 999_999n, 1_000_000n],
    },
    {
      name: "bubbles the token's error when the client cannot pay the price",
      terms: (b) => terms(b, { price: MAX_AMOUNT }),
      error: "ERC20InsufficientBalance",
      from: "token",
      args: (b, t) => [b.client.address, 10n ** 30n, t.price],
    },
  ];
  for (const c of refused) {
    it(`offer: ${c.name}`, async () => {
      const b = await bondFixture();
      const t = c.terms(b);
      if (c.arrange) await c.arrange(b, t);
      expect((await storedState(b, t))[0]).to.equal(c.status ?? Status.None);
      const by = (c.by ?? ((x) => x.client))(b);
      const now = await at();
      await expectRefusedUnchanged(b, t, () => b.bond.connect(by).offer(t), {
        from: c.from === "token" ? "token" : "bond",
        error: c.error,
        args: c.args(b, t).map((a) => (a === "now" ? now : a)),
      });
    });
  }
});
