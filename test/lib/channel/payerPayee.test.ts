import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import { TransactionUnconfirmedError } from "../../../src/chain/escrowErrors";
import { Payee } from "../../../src/channel/payee";
import { Payer, PaymentRefusedError } from "../../../src/channel/payer";
import { MemoryStore } from "../../../src/store/memoryStore";
import { SqliteStore } from "../../../src/store/sqliteStore";
import { IssuedVoucherNotIncreasingError } from "../../../src/store/errors";
import { createVoucherSigner } from "../../../src/voucher/createVoucherSigner";
import { createVoucherVerifier } from "../../../src/voucher/createVoucherVerifier";

const { ethers } = hre;
const BTT = 10n ** 18n;
const policy = { price: { perPiece: BTT / 4n }, maxUnpaidCredit: BTT / 2n, maxPrepayment: BTT / 4n };

async function setup(payerStorePath?: string) {
  const [deployer, payerWallet, payeeWallet] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"], deployer);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000], deployer);
  const escrowAddress = await escrow.getAddress();
  await token.mint(payerWallet.address, 100n * BTT);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const hotKey = ethers.Wallet.createRandom();
  const payerStore = payerStorePath ? new SqliteStore(payerStorePath) : new MemoryStore();
  const payer = new Payer({
    store: payerStore,
    chain: await EvmChain.connect({ signer: payerWallet, escrow: escrowAddress }),
    signer: createVoucherSigner({ privateKey: hotKey.privateKey, chainId, escrow: escrowAddress }),
    policy,
  });
  const payeeStore = new MemoryStore();
  const payeeChain = await EvmChain.connect({ signer: payeeWallet, escrow: escrowAddress });
  const payee = new Payee({
    store: payeeStore,
    chain: payeeChain,
    verifier: createVoucherVerifier({ chainId, escrow: escrowAddress }),
    claimPolicy: { threshold: 1n * BTT },
  });
  return {
    payer,
    payee,
    payerStore,
    payeeStore,
    payeeChain,
    token,
    hotKey,
    chainId,
    escrowAddress,
    payerWallet,
    payeeWallet,
  };
}

describe("Payer and Payee", () => {
  it("open, pay per piece, refuse bad vouchers, claim when due, close and withdraw", async () => {
    const s = await setup();
    const channel = await s.payer.openOrReuse(s.payeeWallet.address, 10n * BTT);
    expect(channel.status).to.equal("open");
    // Reuse: a second call returns the same open channel.
    expect((await s.payer.openOrReuse(s.payeeWallet.address, 10n * BTT)).id).to.equal(channel.id);
    await s.payee.acceptChannel(channel.key);

    const v1 = s.payer.pay(channel.id, BTT / 4n);
    expect(s.payee.receiveVoucher(v1)).to.deep.equal({ accepted: true, increment: BTT / 4n, best: BTT / 4n });
    // Replayed: not higher.
    expect(s.payee.receiveVoucher(v1)).to.include({ accepted: false, reason: "not-higher" });
    // Forged by another key.
    const forged = {
      ...v1,
      cumulativeAmount: BTT,
      signature: s.hotKey.signingKey.sign(ethers.ZeroHash).compactSerialized,
    };
    expect(s.payee.receiveVoucher(forged)).to.include({ accepted: false, reason: "bad-signature" });
    // Above the deposit.
    expect(s.payee.receiveVoucher({ ...v1, cumulativeAmount: 11n * BTT })).to.include({ reason: "above-deposit" });
    expect(s.payee.receiveVoucher({ ...v1, channelId: ethers.ZeroHash })).to.include({ reason: "unknown-channel" });

    // Below the claim threshold: nothing due yet.
    expect(await s.payee.claimDue()).to.equal(undefined);
    for (let i = 0; i < 5; i++)
      expect(s.payee.receiveVoucher(s.payer.pay(channel.id, BTT / 4n)).accepted).to.equal(true);
    expect(s.payee.owed(channel.id)).to.equal((6n * BTT) / 4n);
    const claimed = await s.payee.claimDue();
    expect(claimed?.credited).to.equal((6n * BTT) / 4n);
    expect(s.payee.owed(channel.id)).to.equal(0n);
    expect(s.payeeStore.listClaims({ channelId: channel.id })).to.have.length(1);

    // The policy's voucher for data received: received + prepayment, never below what was signed.
    expect(s.payer.payForReceived(channel.id, 2n * BTT)?.cumulativeAmount).to.equal(2n * BTT + BTT / 4n);
    expect(s.payer.payForReceived(channel.id, 2n * BTT)).to.equal(undefined);
    expect(() => s.payer.pay(channel.id, 100n * BTT)).to.throw(PaymentRefusedError, "Top the channel up first");

    // Tops up when the next data would not be covered.
    const topUp = await s.payer.ensureFunds(channel.id, 9n * BTT);
    expect(topUp).to.not.equal(undefined);
    expect(s.payer.remaining(channel.id)).to.equal(9n * BTT + BTT / 4n);

    const last = s.payer.pay(channel.id, BTT);
    await s.payee.acceptChannel(channel.key); // refresh the deposit after the top-up
    expect(s.payee.receiveVoucher(last).accepted).to.equal(true);
    const before = await s.token.balanceOf(s.payerWallet.address);
    const { withdraw } = await s.payee.closeAndWithdraw(channel.id);
    expect(withdraw).to.not.equal(undefined);
    expect(await s.token.balanceOf(s.payeeWallet.address)).to.equal(last.cumulativeAmount);
    // The top-up covered only what was missing: issued 2.25 + upcoming 9 + prepayment 0.25 - 10.
    const deposit = 10n * BTT + (3n * BTT) / 2n;
    expect((await s.token.balanceOf(s.payerWallet.address)) - before).to.equal(deposit - last.cumulativeAmount);
    expect(s.payee.receiveVoucher(s.payer.pay(channel.id, 1n))).to.include({ reason: "channel-not-open" });
  });

  it("records a claim whose outcome the node could not report as pending, under its transaction", async () => {
    const s = await setup();
    const channel = await s.payer.openOrReuse(s.payeeWallet.address, 10n * BTT);
    await s.payee.acceptChannel(channel.key);
    expect(s.payee.receiveVoucher(s.payer.pay(channel.id, 2n * BTT)).accepted).to.equal(true);
    // A chain whose claimMany lands but whose receipt read fails, as a node dropping mid-wait does.
    let hash = "";
    const blind = Object.create(s.payeeChain) as EvmChain;
    blind.claimMany = async (requests) => {
      hash = (await s.payeeChain.claimMany(requests)).hash;
      throw new TransactionUnconfirmedError("claimMany", hash, new Error("connection dropped"));
    };
    const payee = new Payee({
      store: s.payeeStore,
      chain: blind,
      verifier: createVoucherVerifier({ chainId: s.chainId, escrow: s.escrowAddress }),
      claimPolicy: { threshold: 1n * BTT },
    });
    const error = await payee.claimDue().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransactionUnconfirmedError);
    expect(s.payeeStore.listClaims({ channelId: channel.id }).map((c) => [c.txRef, c.amount, c.status])).to.deep.equal([
      [hash, 2n * BTT, "pending"],
    ]);
  });

  it("never signs a lower or equal amount again after a restart on the same database", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "seedpay-payer-"));
    const s = await setup(path.join(dir, "payer.db"));
    const channel = await s.payer.open(s.payeeWallet.address, 10n * BTT);
    s.payer.pay(channel.id, 3n * BTT);
    s.payerStore.close();

    const reopened = new SqliteStore(path.join(dir, "payer.db"));
    expect(reopened.getHighestIssuedVoucher(channel.id)?.cumulativeAmount).to.equal(3n * BTT);
    expect(() => reopened.reserveIssuedVoucher(channel.id, 3n * BTT)).to.throw(IssuedVoucherNotIncreasingError);
    reopened.close();
  });
});

describe("Payer and Payee: vouchers through the store's group commit", () => {
  it("pays pieces verified in one turn with increasing vouchers, signed once reserved on disk; the payee answers each once stored", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "seedpay-payer-"));
    const s = await setup(path.join(dir, "payer.db"));
    const channel = await s.payer.openOrReuse(s.payeeWallet.address, 10n * BTT);
    await s.payee.acceptChannel(channel.key);
    const piece = BTT / 4n;
    // Four pieces verified in one turn, the last one reported twice: it owes nothing more.
    const pending = [1n, 2n, 3n, 4n, 4n].map((n) => s.payer.payForReceivedAsync(channel.id, n * piece));
    expect(s.payerStore.getHighestIssuedVoucher(channel.id), "reserved in one later commit").to.equal(undefined);
    await s.payer.settled();
    expect(s.payerStore.getHighestIssuedVoucher(channel.id)?.cumulativeAmount, "settled: all reserved").to.equal(
      5n * piece,
    );
    const vouchers = await Promise.all(pending);
    expect(vouchers[4]).to.equal(undefined);
    // Each pays for the pieces received plus the policy's one-piece prepayment.
    expect(vouchers.slice(0, 4).map((v) => v!.cumulativeAmount)).to.deep.equal([2n, 3n, 4n, 5n].map((n) => n * piece));
    const reopened = new SqliteStore(path.join(dir, "payer.db"));
    expect(reopened.getHighestIssuedVoucher(channel.id)?.cumulativeAmount, "on disk").to.equal(5n * piece);
    reopened.close();

    const answers = await Promise.all(vouchers.slice(0, 4).map((v) => s.payee.receiveVoucherAsync(v!)));
    expect(answers.map((a) => a.accepted && a.increment)).to.deep.equal([2n * piece, piece, piece, piece]);
    expect(s.payeeStore.getBestReceivedVoucher(channel.id)?.cumulativeAmount).to.equal(5n * piece);
    // The same checks as receiveVoucher, made before anything is queued.
    expect(await s.payee.receiveVoucherAsync(vouchers[1]!)).to.include({ accepted: false, reason: "not-higher" });
    const forged = { ...vouchers[3]!, cumulativeAmount: 6n * piece };
    expect(await s.payee.receiveVoucherAsync(forged)).to.include({ accepted: false, reason: "bad-signature" });
    expect(await s.payee.receiveVoucherAsync({ ...forged, channelId: "0x12" })).to.include({
      accepted: false,
      reason: "malformed",
    });
    s.payerStore.close();
  });

  it("a reservation refused in its commit signs nothing, and the next payment builds on what is stored", async () => {
    const s = await setup();
    const channel = await s.payer.openOrReuse(s.payeeWallet.address, 10n * BTT);
    const queued = s.payer.payForReceivedAsync(channel.id, BTT);
    // Another writer on the same store reserves more before the group commits.
    s.payerStore.reserveIssuedVoucher(channel.id, 3n * BTT);
    await queued.then(
      () => expect.fail("the lower reservation must be refused"),
      (error) => expect(error).to.be.instanceOf(IssuedVoucherNotIncreasingError),
    );
    const next = await s.payer.payForReceivedAsync(channel.id, 3n * BTT);
    expect(next?.cumulativeAmount).to.equal(3n * BTT + BTT / 4n);
  });

  it("a payment the deposit cannot cover is refused before anything is queued", async () => {
    const s = await setup();
    const channel = await s.payer.openOrReuse(s.payeeWallet.address, BTT);
    await s.payer.payForReceivedAsync(channel.id, BTT); // capped at the deposit
    expect(await s.payer.payForReceivedAsync(channel.id, 2n * BTT)).to.equal(undefined);
    s.payerStore.updateChannel(channel.id, { status: "closing" });
    s.payerStore.updateChannel(channel.id, { deposit: 2n * BTT });
    await s.payer.payForReceivedAsync(channel.id, 2n * BTT).then(
      () => expect.fail("a closing channel pays nothing more"),
      (error) => expect(error).to.be.instanceOf(PaymentRefusedError),
    );
    expect(s.payerStore.getHighestIssuedVoucher(channel.id)?.cumulativeAmount).to.equal(BTT);
  });
});
