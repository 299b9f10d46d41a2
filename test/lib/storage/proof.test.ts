import { expect } from "chai";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  buildMerkleTree,
  checkBlockProof,
  MerkleTreeBuilder,
  proveBlock,
  proveBlockFromFile,
  verifyBlockProof,
  type BlockProofFailureReason,
} from "../../../src/storage";
import { InvalidMerkleInputError } from "../../../src/storage/errors";
import { AWKWARD_SIZES, BLOCK, naiveLayers, naiveProof, naiveRoot, pseudoRandomBytes } from "./naiveBep52";

const sha = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash("sha256")).digest();

function blockOf(data: Buffer, index: number): Buffer {
  return data.subarray(index * BLOCK, (index + 1) * BLOCK);
}

function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

/** `index` with bit `bit` flipped, for bits beyond 31 too (no int32 wrap-around). */
function flipIndexBit(index: number, bit: number): number {
  return Math.floor(index / 2 ** bit) % 2 === 1 ? index - 2 ** bit : index + 2 ** bit;
}

function treeOf(data: Buffer) {
  const tree = new MerkleTreeBuilder({ keepLeaves: true }).update(data).digest();
  return { ...tree, piecesRoot: tree.piecesRoot!, leaves: tree.leaves! };
}

describe("storage/proof: BEP 52 block proofs", function () {
  describe("honest proofs equal the naive reference's and verify", function () {
    for (const [label, size] of Object.entries(AWKWARD_SIZES)) {
      it(`${label} (${size} bytes): every block`, function () {
        const data = pseudoRandomBytes(size, size + 1);
        const layers = naiveLayers(data);
        const root = naiveRoot(data)!;
        const tree = treeOf(data);
        // Big files: the first, the last and a spread in between (each proof is O(blockCount)).
        const step = Math.max(1, Math.floor(tree.blockCount / 40));
        const indexes = new Set([tree.blockCount - 1]);
        for (let i = 0; i < tree.blockCount; i += step) indexes.add(i);
        for (const index of indexes) {
          const answer = proveBlock(tree.leaves, blockOf(data, index), index);
          expect(answer.index).to.equal(index);
          expect(answer.block).to.deep.equal(blockOf(data, index));
          expect(answer.proof, `index ${index}`).to.deep.equal(naiveProof(layers, index));
          expect(answer.proof).to.have.length(tree.depth);
          expect(checkBlockProof(root, size, index, answer.block, answer.proof)).to.deep.equal({ valid: true });
        }
      });
    }
  });

  it("proveBlockFromFile reads the block and proves it against the file's root", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "seedpay-proof-"));
    try {
      const data = pseudoRandomBytes(11 * BLOCK + 321, 5);
      const file = path.join(dir, "data");
      writeFileSync(file, data);
      for (const index of [0, 6, 10, 11]) {
        const answer = await proveBlockFromFile(file, index);
        expect(answer.piecesRoot).to.deep.equal(naiveRoot(data));
        expect(answer.length).to.equal(data.length);
        expect(answer.block).to.deep.equal(blockOf(data, index));
        expect(verifyBlockProof(answer.piecesRoot, answer.length, index, answer.block, answer.proof)).to.equal(true);
      }
      await expect(proveBlockFromFile(file, 12)).to.be.rejectedWith(InvalidMerkleInputError, /0 to 11/);
      writeFileSync(path.join(dir, "empty"), "");
      await expect(proveBlockFromFile(path.join(dir, "empty"), 0)).to.be.rejectedWith(InvalidMerkleInputError, /empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("refusals, with the reason the on-chain verifier would refuse for", function () {
    // 6 blocks, the last 7 bytes long: depth 3, two padding leaves.
    const data = pseudoRandomBytes(5 * BLOCK + 7, 11);
    const tree = treeOf(data);
    const root = tree.piecesRoot;
    const honest = (index: number) => proveBlock(tree.leaves, blockOf(data, index), index);
    const p1 = honest(1);
    const last = honest(5);
    const cases: [string, () => ReturnType<typeof checkBlockProof>, BlockProofFailureReason][] = [
      [
        "a 31-byte root",
        () => checkBlockProof(root.subarray(1), data.length, 1, p1.block, p1.proof),
        "invalidPiecesRoot",
      ],
      ["a negative file length", () => checkBlockProof(root, -1, 1, p1.block, p1.proof), "invalidFileLength"],
      ["a fractional file length", () => checkBlockProof(root, 1.5, 0, p1.block, p1.proof), "invalidFileLength"],
      ["NaN file length", () => checkBlockProof(root, NaN, 1, p1.block, p1.proof), "invalidFileLength"],
      ["an empty file", () => checkBlockProof(root, 0, 0, Buffer.alloc(0), []), "emptyFile"],
      ["index = blockCount", () => checkBlockProof(root, data.length, 6, last.block, last.proof), "indexOutOfRange"],
      ["index 2^32 + 1", () => checkBlockProof(root, data.length, 2 ** 32 + 1, p1.block, p1.proof), "indexOutOfRange"],
      ["a negative index", () => checkBlockProof(root, data.length, -1, p1.block, p1.proof), "indexOutOfRange"],
      ["a fractional index", () => checkBlockProof(root, data.length, 1.5, p1.block, p1.proof), "indexOutOfRange"],
      [
        "the last block zero-padded to 16 KiB",
        () => checkBlockProof(root, data.length, 5, Buffer.concat([last.block, Buffer.alloc(BLOCK - 7)]), last.proof),
        "blockLengthMismatch",
      ],
      [
        "a full block cut short by one byte",
        () => checkBlockProof(root, data.length, 1, p1.block.subarray(1), p1.proof),
        "blockLengthMismatch",
      ],
      [
        "a block of 16 KiB + 1",
        () => checkBlockProof(root, data.length, 1, Buffer.concat([p1.block, Buffer.alloc(1)]), p1.proof),
        "blockLengthMismatch",
      ],
      [
        "the last block against a file length 1 byte longer",
        () => checkBlockProof(root, data.length + 1, 5, last.block, last.proof),
        "blockLengthMismatch",
      ],
      [
        "one sibling short",
        () => checkBlockProof(root, data.length, 1, p1.block, p1.proof.slice(1)),
        "proofLengthMismatch",
      ],
      [
        "one sibling too many",
        () => checkBlockProof(root, data.length, 1, p1.block, [...p1.proof, Buffer.alloc(32)]),
        "proofLengthMismatch",
      ],
      [
        "a 31-byte sibling",
        () => checkBlockProof(root, data.length, 1, p1.block, [p1.proof[0].subarray(1), ...p1.proof.slice(1)]),
        "invalidProofEntry",
      ],
      ["another root", () => checkBlockProof(sha(root), data.length, 1, p1.block, p1.proof), "rootMismatch"],
      ["block 1's answer for index 2", () => checkBlockProof(root, data.length, 2, p1.block, p1.proof), "rootMismatch"],
      [
        "the siblings in top-down order",
        () => checkBlockProof(root, data.length, 1, p1.block, [...p1.proof].reverse()),
        "rootMismatch",
      ],
    ];
    for (const [label, run, reason] of cases) {
      it(`refuses ${label}: ${reason}`, function () {
        expect(run()).to.deep.equal({ valid: false, reason });
      });
    }

    it("refuses two child hashes posing as a 64-byte block one level up (why depth is fixed)", function () {
      // 4 blocks: root = H(H(l0‖l1) ‖ H(l2‖l3)). "Block" l0‖l1 with proof [H(l2‖l3)] hashes to the
      // root, so a verifier that took the depth from the proof would accept it.
      const four = pseudoRandomBytes(4 * BLOCK, 4);
      const t = treeOf(four);
      const fake = t.leaves.subarray(0, 64);
      const sibling = sha(t.leaves.subarray(64, 128));
      expect(sha(sha(fake), sibling)).to.deep.equal(t.piecesRoot);
      expect(checkBlockProof(t.piecesRoot, four.length, 0, fake, [sibling])).to.deep.equal({
        valid: false,
        reason: "blockLengthMismatch",
      });
    });

    it("accepts a node as a block only when the file length itself is a lie (so a deal must bind the length)", function () {
      // A 2-block file's root is H(l0 ‖ l1): the same root read as a 64-byte file has the one
      // block l0 ‖ l1. The root alone does not fix the size; the deal's recorded length does.
      const two = pseudoRandomBytes(2 * BLOCK, 2);
      const t = treeOf(two);
      expect(verifyBlockProof(t.piecesRoot, 64, 0, t.leaves, [])).to.equal(true);
      expect(verifyBlockProof(t.piecesRoot, two.length, 0, t.leaves, [])).to.equal(false);
    });

    it("never throws on junk arguments", function () {
      const junk = [undefined, null, "x", 3, {}, [1]] as unknown[];
      for (const j of junk) {
        expect(verifyBlockProof(j as Uint8Array, data.length, 1, p1.block, p1.proof)).to.equal(false);
        expect(verifyBlockProof(root, data.length, 1, j as Uint8Array, p1.proof)).to.equal(false);
        expect(verifyBlockProof(root, data.length, 1, p1.block, j as Uint8Array[])).to.equal(false);
        expect(verifyBlockProof(root, data.length, 1, p1.block, [j as Uint8Array, ...p1.proof.slice(1)])).to.equal(
          false,
        );
      }
    });
  });

  describe("single-bit corruptions", function () {
    it("exhaustive on a 6-block file: every bit of every proof and of every index (0..52) is refused", function () {
      const data = pseudoRandomBytes(5 * BLOCK + 7, 12);
      const tree = treeOf(data);
      for (let index = 0; index < tree.blockCount; index++) {
        const { block, proof } = proveBlock(tree.leaves, blockOf(data, index), index);
        expect(verifyBlockProof(tree.piecesRoot, data.length, index, block, proof)).to.equal(true);
        for (let entry = 0; entry < proof.length; entry++) {
          for (let bit = 0; bit < 256; bit++) {
            const bad = proof.map((p, i) => (i === entry ? flipBit(p, bit) : p));
            expect(
              verifyBlockProof(tree.piecesRoot, data.length, index, block, bad),
              `${index}/${entry}/${bit}`,
            ).to.equal(false);
          }
        }
        for (let bit = 0; bit <= 52; bit++) {
          expect(verifyBlockProof(tree.piecesRoot, data.length, flipIndexBit(index, bit), block, proof)).to.equal(
            false,
          );
        }
      }
    });

    it("exhaustive on blocks: every bit of a full block and of a short last block is refused", function () {
      const data = pseudoRandomBytes(BLOCK + 100, 13);
      const tree = treeOf(data);
      for (const index of [0, 1]) {
        const { block, proof } = proveBlock(tree.leaves, blockOf(data, index), index);
        for (let bit = 0; bit < block.length * 8; bit++) {
          if (verifyBlockProof(tree.piecesRoot, data.length, index, flipBit(block, bit), proof)) {
            expect.fail(`block ${index} bit ${bit} accepted`);
          }
        }
      }
    });

    it("property: random files and indexes; honest proofs verify, any one flipped bit is refused", function () {
      const arbitrary = fc.record({
        length: fc.oneof(fc.integer({ min: 1, max: 3 * BLOCK }), fc.integer({ min: 1, max: 40 * BLOCK })),
        seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        pick: fc.nat(),
        blockBit: fc.nat(),
        proofBit: fc.nat(),
        indexBit: fc.integer({ min: 0, max: 52 }),
      });
      fc.assert(
        fc.property(arbitrary, ({ length, seed, pick, blockBit, proofBit, indexBit }) => {
          const data = pseudoRandomBytes(length, seed);
          const tree = treeOf(data);
          const index = pick % tree.blockCount;
          const { block, proof } = proveBlock(tree.leaves, blockOf(data, index), index);
          const verify = (i: number, b: Uint8Array, p: Uint8Array[]) =>
            verifyBlockProof(tree.piecesRoot, length, i, b, p);
          expect(verify(index, block, proof)).to.equal(true);
          expect(verify(index, flipBit(block, blockBit % (block.length * 8)), proof)).to.equal(false);
          if (proof.length > 0) {
            const at = proofBit % (proof.length * 256);
            const bad = proof.map((p, i) => (i === Math.floor(at / 256) ? flipBit(p, at % 256) : p));
            expect(verify(index, block, bad)).to.equal(false);
          }
          expect(verify(flipIndexBit(index, indexBit), block, proof)).to.equal(false);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe("proveBlock misuse", function () {
    const data = pseudoRandomBytes(3 * BLOCK, 21);
    const tree = treeOf(data);

    it("refuses a block that is not the leaf's", function () {
      expect(() => proveBlock(tree.leaves, blockOf(data, 1), 0)).to.throw(InvalidMerkleInputError, /not leaf 0/);
    });

    it("refuses an index outside the leaves, and malformed leaves or blocks", function () {
      expect(() => proveBlock(tree.leaves, blockOf(data, 0), 3)).to.throw(InvalidMerkleInputError, /0 to 2/);
      expect(() => proveBlock(tree.leaves, blockOf(data, 0), -1)).to.throw(InvalidMerkleInputError);
      expect(() => proveBlock(tree.leaves.subarray(1), blockOf(data, 0), 0)).to.throw(
        InvalidMerkleInputError,
        /multiple of 32/,
      );
      expect(() => proveBlock(tree.leaves, Buffer.alloc(0), 0)).to.throw(InvalidMerkleInputError, /1 to 16384/);
      expect(() => proveBlock(tree.leaves, Buffer.alloc(BLOCK + 1), 0)).to.throw(InvalidMerkleInputError, /1 to 16384/);
    });
  });

  it("buildMerkleTree's leaves feed proveBlock", async function () {
    const data = pseudoRandomBytes(7 * BLOCK + 1, 31);
    const tree = await buildMerkleTree(data, { keepLeaves: true });
    const answer = proveBlock(tree.leaves!, blockOf(data, 7), 7);
    expect(verifyBlockProof(tree.piecesRoot!, tree.length, 7, answer.block, answer.proof)).to.equal(true);
  });
});
