import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { BLOCK_SIZE, ZERO_HASH, foldUp, sha256 } from "./bep52";
import {
  FILE,
  STATES,
  Status,
  at,
  balancesOf,
  bondFixture,
  challengeNow,
  dealIdOf,
  dealIn,
  expectDeal,
  makeFile,
  storedState,
  terms,
  termsFor,
  type Bond,
  type Deal,
  type TestFile,
  lastBlockOf,
} from "./fixture";

const MiB = 1024 * 1024;

/** An active deal on `file`, its block `index` challenged. */
async function challenged(b: Bond, file: TestFile, index: number): Promise<Deal> {
  const t = termsFor(b, file);
  await b.bond.connect(b.client).offer(t);
  await b.bond.connect(b.provider).accept(t, ...lastBlockOf(t));
  const acceptedAt = BigInt(await time.latest());
  const deadline = await challengeNow(b, t, index);
  return { t, id: dealIdOf(t), acceptedAt, endsAt: acceptedAt + t.duration, deadline };
}

describe("respond", () => {
  // Pieces roots libtorrent 2.0.8 computes for these files (create_torrent, v2_only): the test
  // tree builder agrees with a real BitTorrent v2 implementation, so "honest" below means honest.
  const libtorrent: [number, string][] = [
    [1, "9a7b7b3a5d50781b4f4768cd7ce223168f6b449b78ad6ac594db5788c3b805d1"],
    [16383, "fdf9a6b7f1998f053cc352361b1d0add3e661d29fb21fd156e78df0fe85ad811"],
    [16384, "04e7a56f66c18d2eedc8f14ac1e5e65ebd49c59226aaec05b31f6990abc9f86e"],
    [16385, "ddaffe59ec4bbd62fca9d5e97505fa868d886c0a5e30b091381a5edbec1b4f56"],
    [3 * BLOCK_SIZE - 1000, "0835e607428316881d0f95f28789eb9894b1f6ba4383c13b5002facd57fa2512"],
    [5 * BLOCK_SIZE, "60927a0531ac4c19989cb4af43cf60fb1fb12efd79a2bef8ae1a700b26bb5adf"],
    [8 * BLOCK_SIZE, "3256fa64fba41381ffdec3a9407aa0932979e79626d1539e5143a67da114d3ed"],
    [7 * BLOCK_SIZE + 64, "423a11d5c08a1adb2d34f030ced9141cbe0817cc1e4a271bf5162d3e4f4c45e0"],
    [3 * MiB + 12345, "b83dd65d2d71b1819ba26c6253fe7a7850aff59cc458d3de757bfae80dc17630"],
  ];
  it("respond: the test tree builder's roots equal libtorrent 2.0.8's pieces roots", () => {
    for (const [length, root] of libtorrent) expect(makeFile(length).root, `${length} bytes`).to.equal("0x" + root);
  });

  const files: { name: string; length: number }[] = [
    { name: "1 byte", length: 1 },
    { name: "16 KiB - 1", length: BLOCK_SIZE - 1 },
    { name: "16 KiB", length: BLOCK_SIZE },
    { name: "16 KiB + 1", length: BLOCK_SIZE + 1 },
    { name: "3 blocks, the last short", length: 3 * BLOCK_SIZE - 1000 },
    { name: "5 full blocks", length: 5 * BLOCK_SIZE },
    { name: "8 full blocks (no padding)", length: 8 * BLOCK_SIZE },
    { name: "3 MiB + 12,345 (193 blocks)", length: 3 * MiB + 12345 },
  ];
  for (const f of files) {
    const file = makeFile(f.length);
    const indexes = [...new Set([0, Math.floor(file.blocks / 2), file.blocks - 1])];
    for (const index of indexes) {
      it(`respond: accepts an honest proof of block ${index} of ${file.blocks} (${f.name})`, async () => {
        const b = await bondFixture();
        const d = await challenged(b, file, index);
        const proof = file.proof(index);
        expect(proof.length).to.equal(file.tree.depth);
        const tx = b.bond.connect(b.provider).respond(d.t, file.block(index), proof);
        await expect(tx).to.emit(b.bond, "ChallengeAnswered").withArgs(d.id, index);
        // The fee stays in the contract until finish or slash.
        await expect(tx).to.changeTokenBalances(b.token, [b.provider, b.bond], [0n, 0n]);
        await expectDeal(b, d.t, {
          status: Status.Active,
          acceptedAt: d.acceptedAt,
          earned: (d.t.price * (BigInt(await time.latest()) - d.acceptedAt)) / d.t.duration,
          challenges: 1n,
          challengedIndex: BigInt(index),
          challengeDeadline: d.deadline,
        });
      });
    }
  }

  const responders: { name: string; by: (b: Bond) => Bond["client"] }[] = [
    { name: "the provider", by: (b) => b.provider },
    { name: "the client", by: (b) => b.client },
    { name: "a third party (anyone may prove)", by: (b) => b.other },
  ];
  for (const r of responders) {
    it(`respond: ${r.name} answers`, async () => {
      const b = await bondFixture();
      const d = await challenged(b, FILE, 1);
      await expect(b.bond.connect(r.by(b)).respond(d.t, FILE.block(1), FILE.proof(1)))
        .to.emit(b.bond, "ChallengeAnswered")
        .withArgs(d.id, 1n);
      expect((await b.bond.getDeal(d.t)).status).to.equal(Status.Active);
    });
  }

  it("respond: accepted exactly at the deadline", async () => {
    const b = await bondFixture();
    const d = await challenged(b, FILE, 4);
    await at(d.deadline);
    await expect(b.bond.connect(b.provider).respond(d.t, FILE.block(4), FILE.proof(4)))
      .to.emit(b.bond, "ChallengeAnswered")
      .withArgs(d.id, 4n);
  });

  it("respond: an answered challenge cannot be answered again (DealNotInStatus(Active, Challenged))", async () => {
    const b = await bondFixture();
    const d = await challenged(b, FILE, 0);
    await b.bond.respond(d.t, FILE.block(0), FILE.proof(0));
    await expect(b.bond.respond(d.t, FILE.block(0), FILE.proof(0)))
      .to.be.revertedWithCustomError(b.bond, "DealNotInStatus")
      .withArgs(d.id, Status.Active, Status.Challenged);
  });

  // Refusals. FILE has 5 blocks (the last 100 bytes), so its tree has depth 3 and 3 padding leaves.
  const flip = (x: Buffer, at = 0): Buffer => {
    const y = Buffer.from(x);
    y[at] ^= 1;
    return y;
  };
  /** A file of 8 blocks whose last block is 64 bytes long: exactly the size of a node's two children. */
  const short64 = makeFile(7 * BLOCK_SIZE + 64);
  const full8 = makeFile(8 * BLOCK_SIZE);
  type Bad = {
    name: string;
    file?: TestFile;
    index: number;
    data: () => Buffer;
    proof: () => Buffer[];
    sanity?: () => void;
  };
  const bad: Bad[] = [
    {
      name: "wrong block bytes (one bit)",
      index: 2,
      data: () => flip(FILE.block(2), 9000),
      proof: () => FILE.proof(2),
    },
    {
      name: "wrong block bytes (another block's)",
      index: 2,
      data: () => FILE.block(3),
      proof: () => FILE.proof(2),
    },
    {
      name: "a wrong sibling (level 1, one bit)",
      index: 2,
      data: () => FILE.block(2),
      proof: () => FILE.proof(2).map((s, i) => (i === 1 ? flip(s, 31) : s)),
    },
    {
      name: "the top sibling replaced by a zero hash",
      index: 2,
      data: () => FILE.block(2),
      proof: () => [...FILE.proof(2).slice(0, 2), ZERO_HASH],
    },
    {
      name: "an honest proof for another index (block 3 with its proof)",
      index: 2,
      data: () => FILE.block(3),
      proof: () => FILE.proof(3),
    },
    {
      name: "the right block with another index's proof",
      index: 2,
      data: () => FILE.block(2),
      proof: () => FILE.proof(3),
    },
    {
      name: "a short proof (top sibling dropped)",
      index: 2,
      data: () => FILE.block(2),
      proof: () => FILE.proof(2).slice(0, 2),
    },
    { name: "no proof at all", index: 2, data: () => FILE.block(2), proof: () => [] },
    {
      name: "a long proof (a zero hash appended)",
      index: 2,
      data: () => FILE.block(2),
      proof: () => [...FILE.proof(2), ZERO_HASH],
    },
    {
      name: "a long proof (the root appended)",
      index: 2,
      data: () => FILE.block(2),
      proof: () => [...FILE.proof(2), FILE.tree.root],
    },
    {
      name: "the last block zero-extended to 16 KiB",
      index: 4,
      data: () => Buffer.concat([FILE.block(4), Buffer.alloc(BLOCK_SIZE - FILE.block(4).length)]),
      proof: () => FILE.proof(4),
    },
    {
      name: "the last block with one zero byte appended",
      index: 4,
      data: () => Buffer.concat([FILE.block(4), Buffer.alloc(1)]),
      proof: () => FILE.proof(4),
    },
    {
      name: "the last block with its last byte cut off",
      index: 4,
      data: () => FILE.block(4).subarray(0, FILE.block(4).length - 1),
      proof: () => FILE.proof(4),
    },
    {
      name: "a full block truncated by one byte",
      index: 2,
      data: () => FILE.block(2).subarray(0, BLOCK_SIZE - 1),
      proof: () => FILE.proof(2),
    },
    { name: "an empty block", index: 2, data: () => Buffer.alloc(0), proof: () => FILE.proof(2) },
    {
      name: "an internal node (leaf 0 ‖ leaf 1, 64 bytes) posing as block 0 of 8 with the shorter proof",
      file: full8,
      index: 0,
      data: () => Buffer.concat(full8.tree.layers[0].slice(0, 2)),
      proof: () => full8.proof(0).slice(1),
      sanity: () => {
        const data = Buffer.concat(full8.tree.layers[0].slice(0, 2));
        expect(foldUp(sha256(data), 0, full8.proof(0).slice(1))).to.deep.equal(full8.tree.root);
      },
    },
    {
      // The block's length matches (64 bytes), so only the fixed depth stops this one.
      name: "an internal node (leaf 6 ‖ leaf 7) posing as the 64-byte last block 7 with the shorter proof",
      file: short64,
      index: 7,
      data: () => Buffer.concat(short64.tree.layers[0].slice(6, 8)),
      proof: () => short64.proof(7).slice(1),
      sanity: () => {
        expect(short64.block(7).length).to.equal(64);
        const data = Buffer.concat(short64.tree.layers[0].slice(6, 8));
        expect(foldUp(sha256(data), 7, short64.proof(7).slice(1))).to.deep.equal(short64.tree.root);
      },
    },
  ];
  for (const c of bad) {
    it(`respond: refuses ${c.name} (InvalidProof)`, async () => {
      c.sanity?.();
      const b = await bondFixture();
      const file = c.file ?? FILE;
      const d = await challenged(b, file, c.index);
      const who = [b.client.address, b.provider.address];
      const before = await balancesOf(b, who);
      const state = await storedState(b, d.t);
      await expect(b.bond.connect(b.provider).respond(d.t, c.data(), c.proof()))
        .to.be.revertedWithCustomError(b.bond, "InvalidProof")
        .withArgs(d.id, c.index);
      expect(await balancesOf(b, who)).to.deep.equal(before);
      expect(await storedState(b, d.t)).to.deep.equal(state);
      // The honest answer still goes through afterwards.
      await expect(b.bond.respond(d.t, file.block(c.index), file.proof(c.index))).to.emit(b.bond, "ChallengeAnswered");
    });
  }

  it("respond: refuses an honest proof of the same block of another file (InvalidProof)", async () => {
    const b = await bondFixture();
    const other = makeFile(Number(FILE.length), "another file");
    const d = await challenged(b, FILE, 1);
    await expect(b.bond.respond(d.t, other.block(1), other.proof(1)))
      .to.be.revertedWithCustomError(b.bond, "InvalidProof")
      .withArgs(d.id, 1n);
  });

  const late: { name: string; after: bigint }[] = [
    { name: "one second after the deadline", after: 1n },
    { name: "a day after the deadline", after: 86_400n },
  ];
  for (const c of late) {
    it(`respond: refuses an honest proof ${c.name} (ResponseTooLate)`, async () => {
      const b = await bondFixture();
      const d = await challenged(b, FILE, 3);
      const now = await at(d.deadline + c.after);
      await expect(b.bond.connect(b.provider).respond(d.t, FILE.block(3), FILE.proof(3)))
        .to.be.revertedWithCustomError(b.bond, "ResponseTooLate")
        .withArgs(d.id, d.deadline, now);
      expect((await b.bond.getDeal(d.t)).status).to.equal(Status.Challenged);
    });
  }

  for (const state of STATES.filter((s) => s !== "Challenged")) {
    it(`respond: refuses a deal in status ${state} (DealNotInStatus(${state}, Challenged))`, async () => {
      const b = await bondFixture();
      const d = await dealIn(b, state);
      const state0 = await storedState(b, d.t);
      await expect(b.bond.respond(d.t, FILE.block(0), FILE.proof(0)))
        .to.be.revertedWithCustomError(b.bond, "DealNotInStatus")
        .withArgs(d.id, Status[state], Status.Challenged);
      expect(await storedState(b, d.t)).to.deep.equal(state0);
    });
  }

  it("respond: refuses terms never offered (DealNotFound)", async () => {
    const b = await bondFixture();
    const t = terms(b);
    await expect(b.bond.respond(t, FILE.block(0), FILE.proof(0)))
      .to.be.revertedWithCustomError(b.bond, "DealNotFound")
      .withArgs(dealIdOf(t));
  });
});
