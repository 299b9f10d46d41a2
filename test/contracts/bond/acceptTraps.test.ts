import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { type Contract } from "ethers";
import hre from "hardhat";
import { BLOCK_SIZE } from "./bep52";
import {
  at,
  type Bond,
  bondFixture,
  dealIdOf,
  dealIn,
  expectDeal,
  expectRefusedUnchanged,
  FILE,
  lastBlockOf,
  makeFile,
  MIN_RESPONSE_WINDOW,
  Status,
  type TestFile,
  type Terms,
  terms,
  termsFor,
} from "./fixture";
import v0 from "./v0/StorageBondV0.json";

// The wrong-terms traps of issue 8 (item 2): a client offers the provider's real pieces root with
// a length that is not the file's, or a response window no provider can meet, then challenges a
// block no honest answer can prove and slashes. Each trap is played twice: on the StorageBond as
// it was before the fix (its compiled bytecode, kept in v0/), where the honest provider accepts
// and loses its bond; and on today's, where its acceptance is refused and nothing moves.

const { ethers } = hre;

/** The StorageBond before issue 8, over the fixture's token, with the fixture's approvals. */
async function deployV0(b: Bond): Promise<Contract> {
  const factory = new ethers.ContractFactory(v0.abi, v0.bytecode, b.client);
  const bond = (await factory.deploy(await b.token.getAddress())) as Contract;
  for (const a of [b.client, b.provider]) await b.token.connect(a).approve(await bond.getAddress(), ethers.MaxUint256);
  return bond;
}

/** V0's terms had no offer expiry. */
function v0Terms(t: Terms): Omit<Terms, "offerExpiresAt"> {
  const { offerExpiresAt: _, ...rest } = t;
  return rest;
}

/** What an honest provider holding `file` can send for block `index`: the block and its real proof. */
function honestAnswer(file: TestFile, index: number): [Buffer, Buffer[]] {
  const i = Math.min(index, file.blocks - 1);
  return [file.block(i), file.proof(i)];
}

type Trap = {
  name: string;
  /** The file the provider really holds. */
  file: TestFile;
  /** The wrong length the client offers with the file's root. */
  length: bigint;
  /** The block the client challenges on V0. */
  challenged: number;
};

const fourFull = makeFile(4 * BLOCK_SIZE, "four full blocks");
const traps: Trap[] = [
  { name: "one byte longer", file: FILE, length: FILE.length + 1n, challenged: 4 },
  { name: "padded to a power of two of blocks (8)", file: FILE, length: 8n * BigInt(BLOCK_SIZE), challenged: 7 },
  {
    name: "one byte into a fifth block (depth 3, the file's is 2)",
    file: fourFull,
    length: 4n * BigInt(BLOCK_SIZE) + 1n,
    challenged: 0,
  },
  { name: "two blocks (depth 1, the file's is 2)", file: fourFull, length: 2n * BigInt(BLOCK_SIZE), challenged: 0 },
  { name: "a 64-byte file (depth 0)", file: fourFull, length: 64n, challenged: 0 },
];

describe("accept: wrong terms cannot trap an honest provider", () => {
  for (const trap of traps) {
    it(`the file's root with a length ${trap.name}: before the fix the provider was slashed`, async () => {
      const b = await bondFixture();
      const old = await deployV0(b);
      const t = v0Terms(termsFor(b, trap.file, { fileLength: trap.length }));
      await (old.connect(b.client) as Contract).offer(t);
      await (old.connect(b.provider) as Contract).accept(t); // nothing checked the length
      await (old.connect(b.client) as Contract).challenge(t, trap.challenged);
      const [block, proof] = honestAnswer(trap.file, trap.challenged);
      await expect((old.connect(b.provider) as Contract).respond(t, block, proof)).to.be.revertedWithCustomError(
        old,
        "InvalidProof",
      );
      await time.increase(Number(t.responseWindow) + 1);
      const before = await b.token.balanceOf(b.provider.address);
      await (old.connect(b.client) as Contract).slash(t);
      // The provider got back only what it had earned: its bond went to the client.
      expect((await b.token.balanceOf(b.provider.address)) - before).to.be.lessThan(t.bond);
    });

    it(`the file's root with a length ${trap.name}: refused at accept (LastBlockUnproven)`, async () => {
      const b = await bondFixture();
      const t = termsFor(b, trap.file, { fileLength: trap.length });
      await b.bond.connect(b.client).offer(t);
      const size = BigInt(BLOCK_SIZE);
      const last = (trap.length + size - 1n) / size - 1n;
      const lastLength = trap.length - last * size;
      // The file's real last block, and the block at the terms' last index when the file has one.
      const attempts = [honestAnswer(trap.file, trap.file.blocks - 1), honestAnswer(trap.file, Number(last))];
      for (const [block, proof] of attempts) {
        await expectRefusedUnchanged(b, t, () => b.bond.connect(b.provider).accept(t, block, proof), {
          from: "bond",
          error: "LastBlockUnproven",
          args: [dealIdOf(t), last, lastLength],
        });
      }
    });
  }

  it("the right length is accepted, with the file's last block (a 100-byte block 4)", async () => {
    const b = await bondFixture();
    const t = termsFor(b, FILE);
    await b.bond.connect(b.client).offer(t);
    const [block, proof] = lastBlockOf(t);
    expect(block.length).to.equal(100);
    await expect(b.bond.connect(b.provider).accept(t, block, proof)).to.emit(b.bond, "DealAccepted");
  });

  it("accept refuses another block of the right file, a corrupted last block and a short proof", async () => {
    const b = await bondFixture();
    const t = termsFor(b, FILE);
    const id = dealIdOf(t);
    await b.bond.connect(b.client).offer(t);
    const [block, proof] = lastBlockOf(t);
    const flipped = Buffer.from(block);
    flipped[0] ^= 1;
    const wrong: [string, Buffer, Buffer[]][] = [
      ["block 3", FILE.block(3), FILE.proof(3)],
      ["a flipped bit", flipped, proof],
      ["a proof one sibling short", block, proof.slice(1)],
      ["no block", Buffer.alloc(0), []],
    ];
    for (const [, data, p] of wrong) {
      await expectRefusedUnchanged(b, t, () => b.bond.connect(b.provider).accept(t, data, p), {
        from: "bond",
        error: "LastBlockUnproven",
        args: [id, 4n, 100n],
      });
    }
  });

  it("a one-second response window: before the fix a provider answering in the next TRON block was slashed", async () => {
    const b = await bondFixture();
    const old = await deployV0(b);
    const t = v0Terms(terms(b, { responseWindow: 1n }));
    await (old.connect(b.client) as Contract).offer(t);
    await (old.connect(b.provider) as Contract).accept(t);
    const challengedAt = await at();
    await (old.connect(b.client) as Contract).challenge(t, 0);
    await at(challengedAt + 3n); // the next TRON block
    await expect(
      (old.connect(b.provider) as Contract).respond(t, FILE.block(0), FILE.proof(0)),
    ).to.be.revertedWithCustomError(old, "ResponseTooLate");
    await expect((old.connect(b.client) as Contract).slash(t)).to.emit(old, "DealSlashed");
  });

  it("a response window under 15 minutes is refused at offer (ResponseWindowTooShort), so never accepted", async () => {
    const b = await bondFixture();
    for (const w of [1n, 3n, 60n, MIN_RESPONSE_WINDOW - 1n]) {
      const t = terms(b, { responseWindow: w });
      await expectRefusedUnchanged(b, t, () => b.bond.connect(b.client).offer(t), {
        from: "bond",
        error: "ResponseWindowTooShort",
        args: [w, MIN_RESPONSE_WINDOW],
      });
    }
    expect(await b.bond.MIN_RESPONSE_WINDOW()).to.equal(MIN_RESPONSE_WINDOW);
  });
});

describe("accept: offers expire", () => {
  it("accept at the expiry's second is taken; one second later refused with the values (OfferExpired)", async () => {
    const b = await bondFixture();
    const now = BigInt(await time.latest());
    const onTime = terms(b, { offerExpiresAt: now + 100n });
    const late = terms(b, { offerExpiresAt: now + 100n });
    await b.bond.connect(b.client).offer(onTime);
    await b.bond.connect(b.client).offer(late);
    await at(now + 100n);
    await expect(b.bond.connect(b.provider).accept(onTime, ...lastBlockOf(onTime))).to.emit(b.bond, "DealAccepted");
    await at(now + 101n);
    await expectRefusedUnchanged(b, late, () => b.bond.connect(b.provider).accept(late, ...lastBlockOf(late)), {
      from: "bond",
      error: "OfferExpired",
      args: [dealIdOf(late), now + 100n, now + 101n],
    });
  });

  it("the client cancels an expired offer and gets the price back", async () => {
    const b = await bondFixture();
    const now = BigInt(await time.latest());
    const d = await dealIn(b, "Offered", { offerExpiresAt: now + 10n });
    await time.increase(1000);
    await expect(b.bond.connect(b.client).cancel(d.t)).to.changeTokenBalance(b.token, b.client, d.t.price);
    await expectDeal(b, d.t, { status: Status.Cancelled });
  });
});
