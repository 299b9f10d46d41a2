import { expect } from "chai";
import { ZeroAddress, getBytes, hexlify, keccak256, type BytesLike } from "ethers";
import hre from "hardhat";
import { channelId, type ChannelKey } from "../../src/voucher/typedData";
import { BTT, MAX_AMOUNT, MAX_WINDOW, MIN_WINDOW, Status, escrowFixture, makeKey, type Escrow } from "./fixture";
import { channelIn, expectChannel, expectNoChannel, fund } from "./helpers/lifecycle";

const { ethers } = hre;

describe("open", () => {
  it("open: returns channelId(key), as the escrow and the client library compute it", async () => {
    const e = await escrowFixture();
    const key = makeKey(e);
    const returned = await e.escrow.connect(e.payer).open.staticCall(key, 5n);
    expect(returned).to.equal(channelId(key));
    expect(await e.escrow.channelId(key)).to.equal(channelId(key));
  });

  type Accept = {
    name: string;
    key?: (e: Escrow) => Partial<ChannelKey>;
    amount: bigint;
    funder?: (e: Escrow) => Escrow["payer"];
  };
  const accepted: Accept[] = [
    { name: "opens with the default terms", amount: 100n * BTT },
    { name: "accepts the minimum dispute window", key: () => ({ disputeWindow: MIN_WINDOW }), amount: 1n },
    { name: "accepts the maximum dispute window", key: () => ({ disputeWindow: MAX_WINDOW }), amount: 1n },
    { name: "accepts a deposit of one base unit", amount: 1n },
    { name: "accepts the largest deposit, 2^112 - 1", amount: MAX_AMOUNT },
    { name: "accepts the payer as its own signer", key: (e) => ({ signer: e.payer.address }), amount: 7n },
    { name: "accepts the largest salt, 2^64 - 1", key: () => ({ salt: (1n << 64n) - 1n }), amount: 7n },
  ];
  for (const c of accepted) {
    it(`open: ${c.name}`, async () => {
      const e = await escrowFixture();
      const funder = c.funder?.(e) ?? e.payer;
      await fund(e, funder, c.amount);
      const key = makeKey(e, c.key?.(e) ?? {});
      const id = channelId(key);
      const tx = e.escrow.connect(funder).open(key, c.amount);
      await expect(tx)
        .to.emit(e.escrow, "ChannelOpened")
        .withArgs(id, key.payer, key.payee, key.signer, key.disputeWindow, key.salt, c.amount);
      await expect(tx).to.changeTokenBalances(e.token, [funder, e.escrow], [-c.amount, c.amount]);
      await expectChannel(e, id, { status: Status.Open, deposit: c.amount, claimed: 0n });
      expect(await e.escrow.balanceOf(key.payer)).to.equal(0n);
    });
  }

  it("open: only the payer opens its key; a pre-emptive 1-unit open by anyone else cannot block the payer's own (NotPayer)", async () => {
    const e = await escrowFixture();
    const key = makeKey(e);
    const id = channelId(key);
    for (const squatter of [e.other, e.payee, e.signer]) {
      await expect(e.escrow.connect(squatter).open(key, 1n))
        .to.be.revertedWithCustomError(e.escrow, "NotPayer")
        .withArgs(id, squatter.address, e.payer.address);
      await expect(e.escrow.connect(squatter).openMany([{ key, amount: 1n }]))
        .to.be.revertedWithCustomError(e.escrow, "NotPayer")
        .withArgs(id, squatter.address, e.payer.address);
    }
    await expectNoChannel(e, id);
    await expect(e.escrow.connect(e.payer).open(key, 30n)).to.emit(e.escrow, "ChannelOpened");
    await expectChannel(e, id, { status: Status.Open, deposit: 30n, claimed: 0n });
  });

  type Refuse = {
    name: string;
    key?: (e: Escrow) => Partial<ChannelKey>;
    amount: bigint;
    error: string;
    args: (e: Escrow, key: ChannelKey) => unknown[];
  };
  const zeroAddress = (field: "payer" | "payee" | "signer"): Refuse => ({
    name: `refuses a zero ${field}`,
    key: () => ({ [field]: ZeroAddress }),
    amount: 1n,
    error: "ChannelKeyHasZeroAddress",
    args: (_e, k) => [k.payer, k.payee, k.signer],
  });
  const windowOf = (w: number, name: string): Refuse => ({
    name,
    key: () => ({ disputeWindow: w }),
    amount: 1n,
    error: "DisputeWindowOutOfBounds",
    args: () => [w, MIN_WINDOW, MAX_WINDOW],
  });
  const refused: Refuse[] = [
    zeroAddress("payer"),
    zeroAddress("payee"),
    zeroAddress("signer"),
    {
      name: "refuses a key of zero addresses, reporting all three",
      key: () => ({ payer: ZeroAddress, payee: ZeroAddress, signer: ZeroAddress }),
      amount: 1n,
      error: "ChannelKeyHasZeroAddress",
      args: () => [ZeroAddress, ZeroAddress, ZeroAddress],
    },
    windowOf(0, "refuses a zero dispute window"),
    windowOf(MIN_WINDOW - 1, "refuses a window below the minimum"),
    windowOf(MAX_WINDOW + 1, "refuses a window above the maximum"),
    windowOf(2 ** 32 - 1, "refuses the largest uint32 window"),
    { name: "refuses a zero deposit", amount: 0n, error: "ZeroAmount", args: () => [] },
    {
      name: "refuses a deposit of 2^112",
      amount: MAX_AMOUNT + 1n,
      error: "DepositTooLarge",
      args: () => [MAX_AMOUNT + 1n, MAX_AMOUNT],
    },
    {
      name: "refuses a deposit of 2^256 - 1",
      amount: ethers.MaxUint256,
      error: "DepositTooLarge",
      args: () => [ethers.MaxUint256, MAX_AMOUNT],
    },
  ];
  for (const c of refused) {
    it(`open: ${c.name}`, async () => {
      const e = await escrowFixture();
      const key = makeKey(e, c.key?.(e) ?? {});
      await expect(e.escrow.connect(e.payer).open(key, c.amount))
        .to.be.revertedWithCustomError(e.escrow, c.error)
        .withArgs(...c.args(e, key));
      await expectNoChannel(e, channelId(key));
    });
  }

  for (const state of ["Open", "Closing", "Closed"] as const) {
    it(`open: refuses the id of a channel that is ${state.toLowerCase()} (ids are never reused)`, async () => {
      const e = await escrowFixture();
      const { key, id } = await channelIn(e, state, 10n);
      const before = await e.escrow.getChannel(id);
      await expect(e.escrow.connect(e.payer).open(key, 10n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelAlreadyExists")
        .withArgs(id);
      expect(await e.escrow.getChannel(id)).to.deep.equal(before);
    });
  }

  type TokenRefusal = {
    name: string;
    arrange: (e: Escrow) => Promise<Escrow["payer"]>;
    error: string;
    args: (e: Escrow, funder: string) => unknown[];
  };
  const amount = 50n;
  const tokenRefusals: TokenRefusal[] = [
    {
      name: "bubbles up the token's ERC20InsufficientAllowance without an approval",
      arrange: async (e) => (await fund(e, e.accounts[5], amount, false), e.accounts[5]),
      error: "ERC20InsufficientAllowance",
      args: (e) => [e.escrowAddress, 0n, amount],
    },
    {
      name: "bubbles up the token's ERC20InsufficientAllowance for an approval one short",
      arrange: async (e) => {
        await fund(e, e.accounts[5], amount, false);
        await e.token.connect(e.accounts[5]).approve(e.escrowAddress, amount - 1n);
        return e.accounts[5];
      },
      error: "ERC20InsufficientAllowance",
      args: (e) => [e.escrowAddress, amount - 1n, amount],
    },
    {
      name: "bubbles up the token's ERC20InsufficientBalance when the funder holds too little",
      arrange: async (e) => (await fund(e, e.accounts[6], amount - 1n), e.accounts[6]),
      error: "ERC20InsufficientBalance",
      args: (_e, funder) => [funder, amount - 1n, amount],
    },
  ];
  for (const c of tokenRefusals) {
    it(`open: ${c.name}`, async () => {
      const e = await escrowFixture();
      const funder = await c.arrange(e);
      const key = makeKey(e, { payer: funder.address });
      await expect(e.escrow.connect(funder).open(key, amount))
        .to.be.revertedWithCustomError(e.token, c.error)
        .withArgs(...c.args(e, funder.address));
      await expectNoChannel(e, channelId(key));
    });
  }

  // open() calldata: selector, then the key's five words (payer, payee, signer, disputeWindow, salt), then amount.
  const dirtyWords = [
    { field: "payer", word: 0, bytes: 20 },
    { field: "payee", word: 1, bytes: 20 },
    { field: "signer", word: 2, bytes: 20 },
    { field: "disputeWindow", word: 3, bytes: 4 },
    { field: "salt", word: 4, bytes: 8 },
  ].flatMap((w) => [
    { ...w, where: "in the word's top byte", byte: 0 },
    { ...w, where: "in the byte just above the field", byte: 31 - w.bytes },
  ]);
  const openCalldata = (e: Escrow, key: ChannelKey): Uint8Array =>
    getBytes(e.escrow.interface.encodeFunctionData("open", [key, 9n]));
  const keyWords = (data: BytesLike): string => keccak256(getBytes(data).slice(4, 4 + 5 * 32));

  it("open: raw calldata with clean words opens the channel (control for the dirty-bit cases)", async () => {
    const e = await escrowFixture();
    const key = makeKey(e);
    await e.payer.sendTransaction({ to: e.escrowAddress, data: hexlify(openCalldata(e, key)) });
    await expectChannel(e, channelId(key), { status: Status.Open, deposit: 9n, claimed: 0n });
  });

  for (const c of dirtyWords) {
    it(`open: refuses raw calldata whose ${c.field} word has a dirty bit ${c.where}`, async () => {
      const e = await escrowFixture();
      const key = makeKey(e);
      const data = openCalldata(e, key);
      data[4 + 32 * c.word + c.byte] |= 0x01;
      await expect(e.payer.sendTransaction({ to: e.escrowAddress, data: hexlify(data) })).to.be.revertedWithoutReason();
      await expectNoChannel(e, channelId(key));
      await expectNoChannel(e, keyWords(data));
      expect(await e.token.balanceOf(e.escrowAddress)).to.equal(0n);
    });
  }
});
