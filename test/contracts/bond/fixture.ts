import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import hre from "hardhat";
import type { StorageBond, TestToken } from "../../../typechain-types";
import { BLOCK_SIZE, blockOf, buildTree, proofFor, seededBytes, sparseFile, type Tree } from "./bep52";

const { ethers } = hre;

export const HOUR = 3600;
export const DAY = 24 * HOUR;
export const MAX_AMOUNT = (1n << 112n) - 1n;
export const MINT = 10n ** 30n;
export const SLASH_REWARD_BPS = 500n;
export const MIN_RESPONSE_WINDOW = 15n * 60n;

/** Deal status as the contract's DealStatus enum. */
export const Status = {
  None: 0n,
  Offered: 1n,
  Active: 2n,
  Challenged: 3n,
  Slashed: 4n,
  Finished: 5n,
  Cancelled: 6n,
} as const;
export type StatusName = keyof typeof Status;

/** DealTerms with plain values (what TypeChain's DealTermsStruct accepts). */
export type Terms = {
  client: string;
  provider: string;
  piecesRoot: string;
  fileLength: bigint;
  price: bigint;
  bond: bigint;
  duration: bigint;
  responseWindow: bigint;
  challengeFee: bigint;
  maxChallenges: bigint;
  offerExpiresAt: bigint;
  salt: bigint;
};

/** A file in memory with its BEP 52 tree. */
export type TestFile = {
  data: Buffer;
  tree: Tree;
  root: string;
  length: bigint;
  blocks: number;
  block: (index: number) => Buffer;
  proof: (index: number) => Buffer[];
};

/** Every file made here, by root: `lastBlockOf` finds a deal's file from its terms. */
const filesByRoot = new Map<string, Pick<TestFile, "blocks" | "block" | "proof">>();

/**
 * A file of `length` bytes too large to build (up to 2^40 blocks; see `sparseFile`), whose blocks
 * at `known` (and its last) can be proven; registered so `dealIn` can accept it. Returns its root.
 */
export function makeHugeFile(
  length: bigint,
  known: bigint[] = [],
): { root: string; file: ReturnType<typeof sparseFile> } {
  const size = BigInt(BLOCK_SIZE);
  const last = (length + size - 1n) / size - 1n;
  const file = sparseFile(length, [...known, last], `huge ${length}`);
  const root = "0x" + file.root.toString("hex");
  filesByRoot.set(root, {
    blocks: Number(file.blocks),
    block: (i) => file.block(BigInt(i)),
    proof: (i) => file.proof(BigInt(i)),
  });
  return { root, file };
}

/** A file of `length` pseudo-random bytes (from `seed`) with its root and proofs. */
export function makeFile(length: number, seed: number | string = length): TestFile {
  const data = seededBytes(seed, length);
  const tree = buildTree(data);
  const root = "0x" + tree.root.toString("hex");
  const file: TestFile = {
    data,
    tree,
    root,
    length: BigInt(length),
    blocks: tree.blocks,
    block: (index) => blockOf(data, index),
    proof: (index) => proofFor(tree, index),
  };
  filesByRoot.set(root, file);
  return file;
}

/**
 * What `accept` takes besides the terms: the last block of the file with `t.piecesRoot` and its
 * proof, as the provider holding that file sends them. Throws for a root no test file has.
 */
export function lastBlockOf(t: Pick<Terms, "piecesRoot">): [Buffer, Buffer[]] {
  const file = filesByRoot.get(t.piecesRoot.toLowerCase());
  if (!file) throw new Error(`no test file has root ${t.piecesRoot}`);
  return [file.block(file.blocks - 1), file.proof(file.blocks - 1)];
}

/** An offer expiry far in the future (2096): deals that are not about expiry never meet it. */
export const NEVER = 4_000_000_000n;

/** The default deal's file: 5 blocks, the last one 100 bytes. */
export const FILE = makeFile(4 * BLOCK_SIZE + 100, "fixture");

export type Bond = {
  token: TestToken;
  bond: StorageBond;
  bondAddress: string;
  client: HardhatEthersSigner;
  provider: HardhatEthersSigner;
  other: HardhatEthersSigner;
  accounts: HardhatEthersSigner[];
};

async function deployBond(): Promise<Bond> {
  const accounts = await ethers.getSigners();
  const [, client, provider, other] = accounts;
  const token = await ethers.deployContract("TestToken", ["Test BTT", "tBTT"]);
  const bond = await ethers.deployContract("StorageBond", [await token.getAddress()]);
  const bondAddress = await bond.getAddress();
  for (const a of [client, provider, other]) {
    await token.mint(a.address, MINT);
    await token.connect(a).approve(bondAddress, ethers.MaxUint256);
  }
  return { token, bond, bondAddress, client, provider, other, accounts };
}

/** A fresh StorageBond over a TestToken; client, provider and other hold MINT each and approved it. */
export function bondFixture(): Promise<Bond> {
  return loadFixture(deployBond);
}

/** Whoever plays client and provider: signers, or contracts (hooked actors) by address. */
export type Parties = { client: { address: string }; provider: { address: string } };

let salt = 1n;
/**
 * Terms of a deal for FILE between the fixture's client and provider: price 1,000,000 over
 * 100,000 s (10 per second), bond 500,000, a one-hour response window, fee 1,000, 3 challenges.
 * Each call takes a salt never used before in this process.
 */
export function terms(b: Parties, overrides: Partial<Terms> = {}): Terms {
  return {
    client: b.client.address,
    provider: b.provider.address,
    piecesRoot: FILE.root,
    fileLength: FILE.length,
    price: 1_000_000n,
    bond: 500_000n,
    duration: 100_000n,
    responseWindow: BigInt(HOUR),
    challengeFee: 1_000n,
    maxChallenges: 3n,
    offerExpiresAt: NEVER,
    salt: salt++,
    ...overrides,
  };
}

/** Terms for `file` (root and length). */
export function termsFor(b: Parties, file: TestFile, overrides: Partial<Terms> = {}): Terms {
  return terms(b, { piecesRoot: file.root, fileLength: file.length, ...overrides });
}

const TERMS_TUPLE =
  "tuple(address client, address provider, bytes32 piecesRoot, uint64 fileLength, uint256 price, uint256 bond," +
  " uint32 duration, uint32 responseWindow, uint256 challengeFee, uint16 maxChallenges, uint64 offerExpiresAt," +
  " uint64 salt)";

/** The deal id, computed here: keccak256(abi.encode(terms)). */
export function dealIdOf(t: Terms): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [t]));
}

/** The next block's timestamp pinned to `at` (or one second after the latest); returns it. */
export async function at(timestamp?: bigint | number): Promise<bigint> {
  const t = timestamp === undefined ? BigInt(await time.latest()) + 1n : BigInt(timestamp);
  await time.setNextBlockTimestamp(t);
  return t;
}

/** A deal arranged by `dealIn`: its terms, id, acceptance time and (if challenged) deadline. */
export type Deal = { t: Terms; id: string; acceptedAt: bigint; endsAt: bigint; deadline: bigint };

/**
 * A deal moved into `state`: Offered, Active (accepted), Challenged (block `index`, default 0),
 * Slashed (by the client after the missed deadline), Finished (at its end) or Cancelled.
 */
export async function dealIn(
  b: Bond,
  state: Exclude<StatusName, "None">,
  overrides: Partial<Terms> = {},
  index = 0,
): Promise<Deal> {
  const t = terms(b, overrides);
  const id = dealIdOf(t);
  await b.bond.connect(b.client).offer(t);
  const deal: Deal = { t, id, acceptedAt: 0n, endsAt: 0n, deadline: 0n };
  if (state === "Offered") return deal;
  if (state === "Cancelled") {
    await b.bond.connect(b.client).cancel(t);
    return deal;
  }
  await b.bond.connect(b.provider).accept(t, ...lastBlockOf(t));
  deal.acceptedAt = BigInt(await time.latest());
  deal.endsAt = deal.acceptedAt + t.duration;
  if (state === "Active") return deal;
  if (state === "Finished") {
    await at(deal.endsAt);
    await b.bond.finish(t);
    return deal;
  }
  deal.deadline = await challengeNow(b, t, index);
  if (state === "Slashed") {
    await at(deal.deadline + 1n);
    await b.bond.connect(b.client).slash(t);
  }
  return deal;
}

/** The client challenges block `index`; returns the deadline. */
export async function challengeNow(b: Bond, t: Terms, index = 0): Promise<bigint> {
  await b.bond.connect(b.client).challenge(t, index);
  return BigInt(await time.latest()) + t.responseWindow;
}

/** The provider answers the open challenge on block `index` of `file` with an honest proof. */
export async function answer(b: Bond, t: Terms, index = 0, file: TestFile = FILE): Promise<void> {
  await b.bond.connect(b.provider).respond(t, file.block(index), file.proof(index));
}

/** What `getDeal` should return; unspecified fields default to 0. */
export type DealExpectation = {
  status: bigint;
  acceptedAt?: bigint;
  withdrawn?: bigint;
  earned?: bigint;
  challenges?: bigint;
  challengedIndex?: bigint;
  challengeDeadline?: bigint;
};

/** Asserts a deal's whole state as `getDeal` reports it (at the latest block). */
export async function expectDeal(b: Pick<Bond, "bond">, t: Terms, want: DealExpectation): Promise<void> {
  const s = await b.bond.getDeal(t);
  expect({
    status: s.status,
    acceptedAt: s.acceptedAt,
    withdrawn: s.withdrawn,
    earned: s.earned,
    challenges: s.challenges,
    challengedIndex: s.challengedIndex,
    challengeDeadline: s.challengeDeadline,
  }).to.deep.equal({
    acceptedAt: 0n,
    withdrawn: 0n,
    earned: 0n,
    challenges: 0n,
    challengedIndex: 0n,
    challengeDeadline: 0n,
    ...want,
  });
}

/** Price earned linearly from `acceptedAt` to `until`, capped at the end: the contract's rule. */
export function earnedAt(t: Terms, acceptedAt: bigint, until: bigint): bigint {
  const elapsed = until > acceptedAt ? until - acceptedAt : 0n;
  return elapsed >= t.duration ? t.price : (t.price * elapsed) / t.duration;
}

/** Token balances of `who`, to compare before and after a refused call. */
export async function balancesOf(b: Pick<Bond, "token" | "bondAddress">, who: string[]): Promise<bigint[]> {
  return Promise.all([b.bondAddress, ...who].map((a) => b.token.balanceOf(a)));
}

/** The stored part of a deal's state (everything but `earned`, which grows with time). */
export async function storedState(b: Pick<Bond, "bond">, t: Terms): Promise<bigint[]> {
  const s = await b.bond.getDeal(t);
  return [s.status, s.acceptedAt, s.withdrawn, s.challenges, s.challengedIndex, s.challengeDeadline];
}

/** Every state `dealIn` can arrange. */
export const STATES = ["Offered", "Active", "Challenged", "Slashed", "Finished", "Cancelled"] as const;

/**
 * Runs `call`, expects it to revert with `error(...args)` raised by `from` (the bond, or the token
 * for a bubbled token error), and checks that no balance and nothing stored for `t` changed.
 */
export async function expectRefusedUnchanged(
  b: Bond,
  t: Terms,
  call: () => Promise<unknown>,
  expected: { from: "bond" | "token"; error: string; args: readonly unknown[] },
): Promise<void> {
  const who = [b.client.address, b.provider.address, b.other.address];
  const before = await balancesOf(b, who);
  const state = await storedState(b, t);
  await expect(call())
    .to.be.revertedWithCustomError(expected.from === "token" ? b.token : b.bond, expected.error)
    .withArgs(...expected.args);
  expect(await balancesOf(b, who)).to.deep.equal(before);
  expect(await storedState(b, t)).to.deep.equal(state);
}
