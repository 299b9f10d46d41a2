import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import hre from "hardhat";
import { channelId, type ChannelKey } from "../../src/voucher/typedData";
import {
  DEADLINE,
  BTT,
  MAX_AMOUNT,
  MAX_WINDOW,
  MIN_WINDOW,
  Status,
  WINDOW,
  escrowFixture,
  makeKey,
  openChannel,
  signConsent,
  signVoucher,
  type Escrow,
} from "./fixture";

// Every guard and branch of ChannelEscrow once, deterministically, with the exact error values:
// the coverage gate (scripts/check-coverage.js) must not depend on the property test's luck.

const { ethers } = hre;

/** `closesAt` of a closed channel, and the first timestamp a deadline cannot reach (year 2106). */
const CLOSED = 2n ** 32n - 1n;

/** getChannel's fields in order: status, deposit, claimed, closesAt. */
function state(c: { status: bigint; deposit: bigint; claimed: bigint; closesAt: bigint }): bigint[] {
  return [c.status, c.deposit, c.claimed, c.closesAt];
}

async function claimFor(e: Escrow, key: ChannelKey, amount: bigint) {
  return e.escrow.connect(e.other).claim(key, amount, await signVoucher(e, key, amount));
}

describe("guards", () => {
  describe("constructor", () => {
    it("refuses a zero minimum or a maximum below the minimum with DisputeWindowOutOfBounds(min, 1, max)", async () => {
      const e = await escrowFixture();
      const factory = await ethers.getContractFactory("ChannelEscrow");
      const token = await e.token.getAddress();
      for (const [min, max] of [
        [0, MAX_WINDOW],
        [0, 0],
        [MIN_WINDOW, MIN_WINDOW - 1],
      ]) {
        await expect(factory.deploy(token, min, max))
          .to.be.revertedWithCustomError(factory, "DisputeWindowOutOfBounds")
          .withArgs(min, 1, max);
      }
      const single = await factory.deploy(token, 1, 1);
      expect(await single.disputeWindowBounds()).to.deep.equal([1n, 1n]);
    });

    it("reports its token and dispute-window bounds", async () => {
      const e = await escrowFixture();
      expect(await e.escrow.token()).to.equal(await e.token.getAddress());
      expect(await e.escrow.disputeWindowBounds()).to.deep.equal([BigInt(MIN_WINDOW), BigInt(MAX_WINDOW)]);
    });
  });

  describe("open and openMany", () => {
    it("refuses a key with any zero address with ChannelKeyHasZeroAddress(payer, payee, signer)", async () => {
      const e = await escrowFixture();
      for (const field of ["payer", "payee", "signer"] as const) {
        const key = makeKey(e, { [field]: ZeroAddress });
        await expect(e.escrow.connect(e.payer).open(key, 1n), field)
          .to.be.revertedWithCustomError(e.escrow, "ChannelKeyHasZeroAddress")
          .withArgs(key.payer, key.payee, key.signer);
      }
    });

    it("refuses windows outside [min, max] with DisputeWindowOutOfBounds(window, min, max); accepts both ends", async () => {
      const e = await escrowFixture();
      for (const window of [0, MIN_WINDOW - 1, MAX_WINDOW + 1, 2 ** 32 - 1]) {
        await expect(e.escrow.connect(e.payer).open(makeKey(e, { disputeWindow: window }), 1n))
          .to.be.revertedWithCustomError(e.escrow, "DisputeWindowOutOfBounds")
          .withArgs(window, MIN_WINDOW, MAX_WINDOW);
      }
      for (const window of [MIN_WINDOW, MAX_WINDOW]) {
        await expect(e.escrow.connect(e.payer).open(makeKey(e, { disputeWindow: window }), 1n)).to.emit(
          e.escrow,
          "ChannelOpened",
        );
      }
    });

    it("refuses a zero amount (ZeroAmount) and one above 2^112 - 1 (DepositTooLarge); accepts 2^112 - 1", async () => {
      const e = await escrowFixture();
      await expect(e.escrow.connect(e.payer).open(makeKey(e), 0n)).to.be.revertedWithCustomError(
        e.escrow,
        "ZeroAmount",
      );
      await expect(e.escrow.connect(e.payer).open(makeKey(e), MAX_AMOUNT + 1n))
        .to.be.revertedWithCustomError(e.escrow, "DepositTooLarge")
        .withArgs(MAX_AMOUNT + 1n, MAX_AMOUNT);
      await e.token.mint(e.payer.address, MAX_AMOUNT);
      const key = makeKey(e);
      await e.escrow.connect(e.payer).open(key, MAX_AMOUNT);
      expect((await e.escrow.getChannel(channelId(key))).deposit).to.equal(MAX_AMOUNT);
    });

    it("refuses an id that exists or existed with ChannelAlreadyExists(id)", async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, 10n);
      await expect(e.escrow.connect(e.payer).open(key, 5n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelAlreadyExists")
        .withArgs(id);
      await e.escrow.connect(e.payee).close(key, 0n, "0x");
      await expect(e.escrow.connect(e.payer).open(key, 5n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelAlreadyExists")
        .withArgs(id);
    });

    it("openMany refuses an empty batch (ZeroAmount), a zero deposit and a key twice in one batch", async () => {
      const e = await escrowFixture();
      await expect(e.escrow.connect(e.payer).openMany([])).to.be.revertedWithCustomError(e.escrow, "ZeroAmount");
      await expect(
        e.escrow.connect(e.payer).openMany([
          { key: makeKey(e), amount: 3n },
          { key: makeKey(e), amount: 0n },
        ]),
      ).to.be.revertedWithCustomError(e.escrow, "ZeroAmount");
      const twice = makeKey(e);
      await expect(
        e.escrow.connect(e.payer).openMany([
          { key: twice, amount: 3n },
          { key: twice, amount: 4n },
        ]),
      )
        .to.be.revertedWithCustomError(e.escrow, "ChannelAlreadyExists")
        .withArgs(channelId(twice));
      const [a, b] = [makeKey(e), makeKey(e, { payee: e.other.address })];
      await expect(
        e.escrow.connect(e.payer).openMany([
          { key: a, amount: 3n },
          { key: b, amount: 4n },
        ]),
      ).to.changeTokenBalances(e.token, [e.payer, e.escrow], [-7n, 7n]);
      expect((await e.escrow.getChannel(channelId(b))).deposit).to.equal(4n);
    });
  });

  describe("topUp", () => {
    it("refuses zero, unknown, closing and closed channels with their errors", async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, 10n);
      await expect(e.escrow.connect(e.payer).topUp(id, 0n)).to.be.revertedWithCustomError(e.escrow, "ZeroAmount");
      const unknown = channelId(makeKey(e));
      await expect(e.escrow.connect(e.payer).topUp(unknown, 1n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelNotFound")
        .withArgs(unknown);
      await e.escrow.connect(e.payer).startClose(key);
      const { closesAt } = await e.escrow.getChannel(id);
      await expect(e.escrow.connect(e.payer).topUp(id, 1n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelIsClosing")
        .withArgs(id, closesAt);
      await e.escrow.connect(e.payee).close(key, 0n, "0x");
      await expect(e.escrow.connect(e.payer).topUp(id, 1n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed")
        .withArgs(id);
    });

    it("refuses an amount or a total above 2^112 - 1 with DepositTooLarge(value, max)", async () => {
      const e = await escrowFixture();
      const { id } = await openChannel(e, 10n);
      await expect(e.escrow.connect(e.payer).topUp(id, ethers.MaxUint256))
        .to.be.revertedWithCustomError(e.escrow, "DepositTooLarge")
        .withArgs(ethers.MaxUint256, MAX_AMOUNT);
      await expect(e.escrow.connect(e.payer).topUp(id, MAX_AMOUNT - 9n))
        .to.be.revertedWithCustomError(e.escrow, "DepositTooLarge")
        .withArgs(MAX_AMOUNT + 1n, MAX_AMOUNT);
      await e.token.mint(e.payer.address, MAX_AMOUNT);
      await expect(e.escrow.connect(e.payer).topUp(id, MAX_AMOUNT - 10n))
        .to.emit(e.escrow, "ChannelToppedUp")
        .withArgs(id, MAX_AMOUNT);
    });
  });

  describe("claim and claimMany", () => {
    it("claim refuses unknown and closed channels and vouchers that pay nothing new", async () => {
      const e = await escrowFixture();
      const unknown = makeKey(e);
      await expect(claimFor(e, unknown, 1n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelNotFound")
        .withArgs(channelId(unknown));
      const { key, id } = await openChannel(e, 10n);
      await claimFor(e, key, 6n);
      await expect(claimFor(e, key, 6n))
        .to.be.revertedWithCustomError(e.escrow, "NothingToClaim")
        .withArgs(id, 6n, 10n, 6n);
      await claimFor(e, key, 50n);
      await expect(claimFor(e, key, 60n))
        .to.be.revertedWithCustomError(e.escrow, "NothingToClaim")
        .withArgs(id, 10n, 10n, 60n);
      await e.escrow.connect(e.payee).close(key, 0n, "0x");
      await expect(claimFor(e, key, 70n))
        .to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed")
        .withArgs(id);
    });

    it("claimMany credits each payee once per run, skips closed and stale claims, and reverts on an unknown channel", async () => {
      const e = await escrowFixture();
      const toPayee = [await openChannel(e, 100n), await openChannel(e, 100n), await openChannel(e, 100n)];
      const toOther = await openChannel(e, 100n, { payee: e.other.address });
      const closed = await openChannel(e, 100n);
      await e.escrow.connect(e.payee).close(closed.key, 0n, "0x");
      await claimFor(e, toPayee[2].key, 40n);

      const item = async (c: { key: ChannelKey }, amount: bigint) => ({
        key: c.key,
        amount,
        signature: await signVoucher(e, c.key, amount),
      });
      const batch = [
        await item(toPayee[0], 10n), // run 1: payee
        await item(toPayee[1], 20n), // same payee: added to the run
        await item(closed, 30n), // closed: skipped
        await item(toOther, 150n), // run 2: other, capped at the deposit (run 1 credited)
        await item(toPayee[2], 40n), // nothing new: skipped
        await item(toPayee[2], 45n), // run 3: payee again
        await item(toPayee[0], 10n), // already claimed in this batch: skipped
      ];
      expect(await e.escrow.claimMany.staticCall(batch)).to.equal(10n + 20n + 100n + 5n);
      const payeeBefore = await e.escrow.balanceOf(e.payee.address);
      await expect(e.escrow.claimMany(batch))
        .to.emit(e.escrow, "ChannelClaimed")
        .withArgs(toPayee[1].id, 20n)
        .and.to.emit(e.escrow, "ChannelClaimed")
        .withArgs(toPayee[2].id, 45n);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(payeeBefore + 10n + 20n + 5n);
      expect(await e.escrow.balanceOf(e.other.address)).to.equal(100n);

      expect(await e.escrow.claimMany.staticCall([])).to.equal(0n);
      expect(await e.escrow.claimMany.staticCall([await item(closed, 50n), await item(toPayee[0], 10n)])).to.equal(0n);
      const unknown = makeKey(e);
      await expect(e.escrow.claimMany([await item(toPayee[0], 11n), await item({ key: unknown }, 1n)]))
        .to.be.revertedWithCustomError(e.escrow, "ChannelNotFound")
        .withArgs(channelId(unknown));
    });
  });

  describe("withdraw", () => {
    it("refuses zero amounts, the zero recipient and overdrafts; a kept slot is credited again after a full withdrawal", async () => {
      const e = await escrowFixture();
      const { key } = await openChannel(e, 100n);
      await claimFor(e, key, 30n);
      const w = e.escrow.connect(e.payee);
      await expect(w.withdraw(e.payee.address, 0n)).to.be.revertedWithCustomError(e.escrow, "ZeroAmount");
      await expect(w.withdraw(ZeroAddress, 1n)).to.be.revertedWithCustomError(e.escrow, "ZeroRecipient");
      await expect(w.withdraw(e.payee.address, 31n))
        .to.be.revertedWithCustomError(e.escrow, "InsufficientBalance")
        .withArgs(e.payee.address, 30n, 31n);
      await expect(e.escrow.connect(e.other).withdraw(e.other.address, 1n))
        .to.be.revertedWithCustomError(e.escrow, "InsufficientBalance")
        .withArgs(e.other.address, 0n, 1n);
      await expect(w.withdraw(e.other.address, 30n))
        .to.emit(e.escrow, "Withdrawn")
        .withArgs(e.payee.address, e.other.address, 30n);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(0n);
      await claimFor(e, key, 35n);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(5n);
    });

    it("a full withdrawal leaves the balance slot non-zero (bit 255), so the next credit is a 5,000-energy rewrite on TRON", async () => {
      const e = await escrowFixture();
      const { key } = await openChannel(e, 100n);
      await claimFor(e, key, 30n);
      await e.escrow.connect(e.payee).withdraw(e.payee.address, 30n);
      // Storage: _pullState is slot 0, _channels slot 1, _balances slot 2 (constants and immutables take none).
      const slot = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [e.payee.address, 2]),
      );
      expect(BigInt(await ethers.provider.getStorage(e.escrowAddress, slot))).to.equal(1n << 255n);
      expect(await e.escrow.balanceOf(e.payee.address)).to.equal(0n);
    });

    it("every credit keeps bit 255 set (a second credit must not clear it), and a close that credits nothing writes no balance", async () => {
      const e = await escrowFixture();
      const balanceSlot = async (account: string) =>
        BigInt(
          await ethers.provider.getStorage(
            e.escrowAddress,
            ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [account, 2])),
          ),
        );
      const { key } = await openChannel(e, 100n);
      await claimFor(e, key, 30n);
      await claimFor(e, key, 45n);
      expect(await balanceSlot(e.payee.address)).to.equal((1n << 255n) | 45n);
      // The payee closes a channel it never claimed on at 0: nothing is credited, its slot stays empty
      // (an empty credit would set the kept bit: a 20,000-energy write for nothing on TRON).
      const { key: unclaimed } = await openChannel(e, 50n, { payee: e.other.address });
      await e.escrow.connect(e.other).close(unclaimed, 0n, "0x");
      expect(await balanceSlot(e.other.address)).to.equal(0n);
    });
  });

  describe("closing", () => {
    it("close is the payee's; caps a final voucher at the deposit; ignores the signature when nothing is new", async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, 100n);
      await expect(e.escrow.connect(e.payer).close(key, 0n, "0x"))
        .to.be.revertedWithCustomError(e.escrow, "NotPayee")
        .withArgs(id, e.payer.address, e.payee.address);
      await expect(e.escrow.connect(e.payee).close(key, 150n, await signVoucher(e, key, 150n)))
        .to.emit(e.escrow, "ChannelClosed")
        .withArgs(id, 100n, 0n);
      await expect(e.escrow.connect(e.payee).close(key, 0n, "0x"))
        .to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed")
        .withArgs(id);

      const stale = await openChannel(e, 100n);
      await claimFor(e, stale.key, 60n);
      // A voucher at or below what was claimed is not checked: any bytes do.
      await expect(e.escrow.connect(e.payee).close(stale.key, 60n, "0xdead"))
        .to.emit(e.escrow, "ChannelClosed")
        .withArgs(stale.id, 60n, 40n);

      const full = await openChannel(e, 100n);
      await claimFor(e, full.key, 100n);
      await expect(e.escrow.connect(e.payee).close(full.key, 500n, "0x"))
        .to.emit(e.escrow, "ChannelClosed")
        .withArgs(full.id, 100n, 0n);

      const unknown = makeKey(e);
      await expect(e.escrow.connect(e.payee).close(unknown, 0n, "0x"))
        .to.be.revertedWithCustomError(e.escrow, "ChannelNotFound")
        .withArgs(channelId(unknown));
    });

    it("closeWithConsent keeps what was claimed when the consent is lower, and caps it at the deposit", async () => {
      const e = await escrowFixture();
      const low = await openChannel(e, 100n);
      await claimFor(e, low.key, 70n);
      await expect(
        e.escrow.connect(e.payer).closeWithConsent(low.key, 20n, DEADLINE, await signConsent(e, low.key, 20n), "0x"),
      )
        .to.emit(e.escrow, "ChannelClosed")
        .withArgs(low.id, 70n, 30n);
      await expect(
        e.escrow.connect(e.payer).closeWithConsent(low.key, 20n, DEADLINE, await signConsent(e, low.key, 20n), "0x"),
      )
        .to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed")
        .withArgs(low.id);
      const high = await openChannel(e, 100n);
      await expect(
        e.escrow
          .connect(e.payer)
          .closeWithConsent(high.key, 10n ** 30n, DEADLINE, await signConsent(e, high.key, 10n ** 30n), "0x"),
      )
        .to.emit(e.escrow, "ChannelClosed")
        .withArgs(high.id, 100n, 0n);
    });

    it("startClose is the payer's, once, on an open channel", async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, 100n);
      await expect(e.escrow.connect(e.payee).startClose(key))
        .to.be.revertedWithCustomError(e.escrow, "NotPayer")
        .withArgs(id, e.payee.address, e.payer.address);
      const unknown = makeKey(e);
      await expect(e.escrow.connect(e.payer).startClose(unknown))
        .to.be.revertedWithCustomError(e.escrow, "ChannelNotFound")
        .withArgs(channelId(unknown));
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(e.escrow.connect(e.payer).startClose(key))
        .to.emit(e.escrow, "ChannelCloseStarted")
        .withArgs(id, now + BigInt(WINDOW));
      await expect(e.escrow.connect(e.payer).startClose(key))
        .to.be.revertedWithCustomError(e.escrow, "ChannelIsClosing")
        .withArgs(id, now + BigInt(WINDOW));
    });

    it("startClose refuses a deadline at or past 2106 (the CLOSED marker) with DisputeWindowOutOfBounds", async () => {
      const e = await escrowFixture();
      const { key, id } = await openChannel(e, 100n);
      const late = await openChannel(e, 100n);
      // The last second a deadline can be: CLOSED - 1.
      await time.setNextBlockTimestamp(CLOSED - 1n - BigInt(WINDOW));
      await expect(e.escrow.connect(e.payer).startClose(key))
        .to.emit(e.escrow, "ChannelCloseStarted")
        .withArgs(id, CLOSED - 1n);
      expect((await e.escrow.getChannel(id)).status).to.equal(Status.Closing);
      // One second later the deadline would read as "closed".
      await time.setNextBlockTimestamp(CLOSED - BigInt(WINDOW));
      await expect(e.escrow.connect(e.payer).startClose(late.key))
        .to.be.revertedWithCustomError(e.escrow, "DisputeWindowOutOfBounds")
        .withArgs(WINDOW, MIN_WINDOW, MAX_WINDOW);
      expect((await e.escrow.getChannel(late.id)).status).to.equal(Status.Open);
    });

    it("settle needs a closing channel whose window is over, and then pays out exactly once", async () => {
      const e = await escrowFixture();
      const unknown = makeKey(e);
      await expect(e.escrow.settle(unknown))
        .to.be.revertedWithCustomError(e.escrow, "ChannelNotFound")
        .withArgs(channelId(unknown));
      const { key, id } = await openChannel(e, 100n);
      await expect(e.escrow.settle(key)).to.be.revertedWithCustomError(e.escrow, "ChannelNotClosing").withArgs(id);
      await e.escrow.connect(e.payer).startClose(key);
      const { closesAt } = await e.escrow.getChannel(id);
      await claimFor(e, key, 25n); // claims are still accepted while closing
      await time.setNextBlockTimestamp(closesAt - 1n);
      await expect(e.escrow.settle(key))
        .to.be.revertedWithCustomError(e.escrow, "DisputeWindowNotOver")
        .withArgs(id, closesAt, closesAt - 1n);
      await time.setNextBlockTimestamp(closesAt);
      const settled = e.escrow.connect(e.other).settle(key);
      await expect(settled).to.emit(e.escrow, "ChannelClosed").withArgs(id, 25n, 75n);
      await expect(settled).to.changeTokenBalances(e.token, [e.payer, e.escrow], [75n, -75n]);
      await expect(e.escrow.settle(key)).to.be.revertedWithCustomError(e.escrow, "ChannelIsClosed").withArgs(id);
    });
  });

  describe("getChannel", () => {
    it("reports None, Open, Closing (with its deadline) and Closed", async () => {
      const e = await escrowFixture();
      const none = await e.escrow.getChannel(channelId(makeKey(e)));
      expect(state(none)).to.deep.equal([Status.None, 0n, 0n, 0n]);
      const { key, id } = await openChannel(e, 5n * BTT);
      expect(state(await e.escrow.getChannel(id))).to.deep.equal([Status.Open, 5n * BTT, 0n, 0n]);
      await e.escrow.connect(e.payer).startClose(key);
      const closesAt = BigInt(await time.latest()) + BigInt(WINDOW);
      expect(state(await e.escrow.getChannel(id))).to.deep.equal([Status.Closing, 5n * BTT, 0n, closesAt]);
      await claimFor(e, key, BTT);
      await time.increaseTo(closesAt);
      await e.escrow.settle(key);
      expect(state(await e.escrow.getChannel(id))).to.deep.equal([Status.Closed, 5n * BTT, BTT, 0n]);
    });
  });
});
