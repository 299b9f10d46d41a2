import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Signature } from "ethers";
import hre from "hardhat";
import {
  CLOSE_AUTHORIZATION_TYPES,
  CLOSE_CONSENT_TYPES,
  channelId,
  escrowDomain,
  VOUCHER_TYPES,
  type ChannelKey,
} from "../../src/voucher/typedData";
import type { ChannelEscrow, TestToken } from "../../typechain-types";

const { ethers } = hre;

export const HOUR = 3600;
export const DAY = 24 * HOUR;
export const MIN_WINDOW = HOUR;
export const MAX_WINDOW = 30 * DAY;
export const WINDOW = DAY;
export const BTT = 10n ** 18n;
export const MAX_AMOUNT = (1n << 112n) - 1n;
/** A consent deadline no test reaches (2100-01-01). */
export const DEADLINE = 4_102_444_800n;

/** Channel status as the contract's ChannelStatus enum. */
export const Status = { None: 0n, Open: 1n, Closing: 2n, Closed: 3n } as const;

export type Escrow = {
  token: TestToken;
  escrow: ChannelEscrow;
  escrowAddress: string;
  chainId: bigint;
  payer: HardhatEthersSigner;
  payee: HardhatEthersSigner;
  signer: HardhatEthersSigner;
  other: HardhatEthersSigner;
  accounts: HardhatEthersSigner[];
};

async function deployEscrow(): Promise<Escrow> {
  const accounts = await ethers.getSigners();
  const [, payer, payee, signer, other] = accounts;
  const token = await ethers.deployContract("TestToken", ["Test BTT", "tBTT"]);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), MIN_WINDOW, MAX_WINDOW]);
  const escrowAddress = await escrow.getAddress();
  for (const a of [payer, payee, other]) {
    await token.mint(a.address, 1_000_000n * BTT);
    await token.connect(a).approve(escrowAddress, ethers.MaxUint256);
  }
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return { token, escrow, escrowAddress, chainId, payer, payee, signer, other, accounts };
}

/** A fresh escrow and token; payer, payee and other hold 1,000,000 tBTT each and approved the escrow. */
export function escrowFixture(): Promise<Escrow> {
  return loadFixture(deployEscrow);
}

let salt = 1n;
/** A channel key payer -> payee signed by `signer`, with a salt never used before in this process. */
export function makeKey(e: Escrow, overrides: Partial<ChannelKey> = {}): ChannelKey {
  return {
    payer: e.payer.address,
    payee: e.payee.address,
    signer: e.signer.address,
    disputeWindow: WINDOW,
    salt: salt++,
    ...overrides,
  };
}

/** Opens a channel (funded by the payer) and returns its key and id. */
export async function openChannel(
  e: Escrow,
  amount: bigint = 100n * BTT,
  overrides: Partial<ChannelKey> = {},
): Promise<{ key: ChannelKey; id: string }> {
  const key = makeKey(e, overrides);
  await e.escrow.connect(e.payer).open(key, amount);
  return { key, id: channelId(key) };
}

/** A 65-byte voucher signature by `by` (default: the fixture's signer) for the escrow's domain. */
export async function signVoucher(
  e: Escrow,
  key: ChannelKey,
  amount: bigint,
  by: HardhatEthersSigner = e.signer,
  domain = escrowDomain(e.chainId, e.escrowAddress),
): Promise<string> {
  return by.signTypedData(domain, VOUCHER_TYPES, { channelId: channelId(key), cumulativeAmount: amount });
}

/** A 65-byte close-consent signature by `by` (default: the payee). */
export async function signConsent(
  e: Escrow,
  key: ChannelKey,
  finalAmount: bigint,
  by: HardhatEthersSigner = e.payee,
  deadline: bigint = DEADLINE,
): Promise<string> {
  return by.signTypedData(escrowDomain(e.chainId, e.escrowAddress), CLOSE_CONSENT_TYPES, {
    channelId: channelId(key),
    finalAmount,
    deadline,
  });
}

/** A 65-byte close-authorisation signature by `by` (default: the payer), for a relayer to submit the consent. */
export async function signAuthorization(
  e: Escrow,
  key: ChannelKey,
  finalAmount: bigint,
  by: HardhatEthersSigner = e.payer,
  deadline: bigint = DEADLINE,
): Promise<string> {
  return by.signTypedData(escrowDomain(e.chainId, e.escrowAddress), CLOSE_AUTHORIZATION_TYPES, {
    channelId: channelId(key),
    finalAmount,
    deadline,
  });
}

/** The 64-byte EIP-2098 form of a 65-byte signature. */
export function compact(signature: string): string {
  return Signature.from(signature).compactSerialized;
}
