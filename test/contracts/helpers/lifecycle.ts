import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import type { ContractTransactionResponse, LogDescription } from "ethers";
import hre from "hardhat";
import {
  CLOSE_CONSENT_TYPES,
  VOUCHER_TYPES,
  channelId,
  escrowDomain,
  type ChannelKey,
} from "../../../src/voucher/typedData";
import type { ChannelEscrow, RevertingToken, TestToken } from "../../../typechain-types";
import { DEADLINE, MAX_WINDOW, MIN_WINDOW, Status, escrowFixture, makeKey, type Escrow } from "../fixture";

const { ethers } = hre;

/** What `getChannel` should return; `closesAt` defaults to 0 (not closing). */
export type ChannelExpectation = { status: bigint; deposit: bigint; claimed: bigint; closesAt?: bigint };

/** Asserts a channel's whole state as `getChannel` reports it. */
export async function expectChannel(e: Pick<Escrow, "escrow">, id: string, want: ChannelExpectation): Promise<void> {
  const s = await e.escrow.getChannel(id);
  expect({ status: s.status, deposit: s.deposit, claimed: s.claimed, closesAt: s.closesAt }).to.deep.equal({
    closesAt: 0n,
    ...want,
  });
}

/** Asserts that no channel has this id. */
export function expectNoChannel(e: Pick<Escrow, "escrow">, id: string): Promise<void> {
  return expectChannel(e, id, { status: Status.None, deposit: 0n, claimed: 0n });
}

/** Pins the next block's timestamp (one second after the latest) and returns it. */
export async function nextBlockTime(): Promise<bigint> {
  const t = (await time.latest()) + 1;
  await time.setNextBlockTimestamp(t);
  return BigInt(t);
}

/** The payer starts a close; returns the channel's `closesAt`. */
export async function startClose(e: Escrow, key: ChannelKey): Promise<bigint> {
  await e.escrow.connect(e.accounts.find((a) => a.address === key.payer)!).startClose(key);
  return (await e.escrow.getChannel(channelId(key))).closesAt;
}

/** The payee closes the channel without a final voucher. */
export async function closeNow(e: Escrow, key: ChannelKey): Promise<ContractTransactionResponse> {
  return e.escrow.connect(e.accounts.find((a) => a.address === key.payee)!).close(key, 0n, "0x");
}

/** Mints `amount` to `account` and, unless `approve` is false, approves the escrow for it all. */
export async function fund(e: Escrow, account: HardhatEthersSigner, amount: bigint, approve = true): Promise<void> {
  await e.token.mint(account.address, amount);
  if (approve) await e.token.connect(account).approve(e.escrowAddress, ethers.MaxUint256);
}

/** The address a voucher signature recovers to for this escrow (what WrongSigner reports). */
export function voucherSigner(e: Escrow, key: ChannelKey, amount: bigint, signature: string): string {
  const domain = escrowDomain(e.chainId, e.escrowAddress);
  return ethers.verifyTypedData(
    domain,
    VOUCHER_TYPES,
    { channelId: channelId(key), cumulativeAmount: amount },
    signature,
  );
}

/** The address a close-consent signature recovers to for this escrow. */
export function consentSigner(
  e: Escrow,
  key: ChannelKey,
  finalAmount: bigint,
  signature: string,
  deadline: bigint = DEADLINE,
): string {
  const domain = escrowDomain(e.chainId, e.escrowAddress);
  const value = { channelId: channelId(key), finalAmount, deadline };
  return ethers.verifyTypedData(domain, CLOSE_CONSENT_TYPES, value, signature);
}

/** A channel arranged by `channelIn`: its key, id and (when closing) deadline. */
export type StatefulChannel = { key: ChannelKey; id: string; closesAt: bigint };

/** A channel with `deposit` moved into `state` (Open, Closing or Closed by the payee). */
export async function channelIn(
  e: Escrow,
  state: "Open" | "Closing" | "Closed",
  deposit = 100n,
  overrides: Partial<ChannelKey> = {},
): Promise<StatefulChannel> {
  const key = makeKey(e, overrides);
  await e.escrow.connect(e.payer).open(key, deposit);
  const id = channelId(key);
  let closesAt = 0n;
  if (state === "Closing") closesAt = await startClose(e, key);
  if (state === "Closed") await closeNow(e, key);
  return { key, id, closesAt };
}

/** How many SSTOREs a mined transaction executed (from the node's struct-log trace). */
export async function countStorageWrites(txHash: string): Promise<number> {
  const trace = (await ethers.provider.send("debug_traceTransaction", [
    txHash,
    { disableStack: true, disableMemory: true, disableStorage: true },
  ])) as { structLogs: { op: string }[] };
  return trace.structLogs.filter((l) => l.op === "SSTORE").length;
}

/**
 * An escrow over RevertingToken (a token with a blacklist, as TRON USDT has). `e` is the default
 * fixture's parties pointed at this escrow, so makeKey/signVoucher/openChannel work with it; `e.token`
 * is the fixture's TestToken, which this escrow does not hold: use `token` for balances.
 */
export type BlacklistEscrow = { e: Escrow; token: RevertingToken };

async function deployBlacklistEscrow(): Promise<BlacklistEscrow> {
  const base = await escrowFixture();
  const token = await ethers.deployContract("RevertingToken");
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), MIN_WINDOW, MAX_WINDOW]);
  const escrowAddress = await escrow.getAddress();
  for (const a of [base.payer, base.payee, base.other]) {
    await token.mint(a.address, 1_000_000n);
    await token.connect(a).approve(escrowAddress, ethers.MaxUint256);
  }
  return { e: { ...base, escrow, escrowAddress }, token };
}

/** A fresh escrow over RevertingToken; payer, payee and other hold 1,000,000 units and approved it. */
export function blacklistFixture(): Promise<BlacklistEscrow> {
  return loadFixture(deployBlacklistEscrow);
}

/** The logs of `contract` named `name` in a mined transaction, decoded. */
export async function eventsOf(
  tx: Promise<ContractTransactionResponse>,
  contract: Pick<ChannelEscrow, "interface" | "getAddress"> | Pick<TestToken, "interface" | "getAddress">,
  name: string,
): Promise<LogDescription[]> {
  const receipt = (await (await tx).wait())!;
  const address = await contract.getAddress();
  return receipt.logs
    .filter((l) => l.address === address)
    .map((l) => contract.interface.parseLog(l))
    .filter((l): l is LogDescription => l?.name === name);
}
