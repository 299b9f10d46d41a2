import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  BLOCK_SIZE,
  buildMerkleTree,
  layerAbove,
  layerRoot,
  MerkleTreeBuilder,
  padHash,
  pieceLayerFromLeaves,
  piecesRootFromPieceLayer,
  treeDepth,
} from "../../../src/storage";
import { InvalidMerkleInputError } from "../../../src/storage/errors";
import { AWKWARD_SIZES, BLOCK, naiveLayers, naiveLeaves, naiveRoot, pseudoRandomBytes } from "./naiveBep52";

const sha = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash("sha256")).digest();
const ZERO = Buffer.alloc(32);

/** Splits `data` into chunks of random sizes (0 to 3 blocks, some tiny). */
function randomChunks(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const roll = Math.random();
    const size =
      roll < 0.1 ? 0 : roll < 0.4 ? 1 + Math.floor(Math.random() * 40) : Math.floor(Math.random() * 3 * BLOCK);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe("storage/merkle: BEP 52 tree", function () {
  describe("hand-computed vectors", function () {
    it("an empty file has no pieces root, no blocks, depth 0", async function () {
      const tree = await buildMerkleTree(Buffer.alloc(0));
      expect(tree).to.include({ piecesRoot: undefined, length: 0, blockCount: 0, depth: 0 });
    });

    it("a 1-byte file's root is SHA-256 of that byte (the short last block is not padded)", async function () {
      const tree = await buildMerkleTree(Buffer.from("a"));
      expect(tree.piecesRoot!.toString("hex")).to.equal(
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
      );
      expect(tree).to.include({ length: 1, blockCount: 1, depth: 0 });
    });

    it("a file of exactly one block has root = SHA-256(block)", async function () {
      const block = randomBytes(BLOCK);
      expect((await buildMerkleTree(block)).piecesRoot).to.deep.equal(sha(block));
    });

    it("16 KiB + 1: root = H(H(block0) ‖ H(last byte))", async function () {
      const data = randomBytes(BLOCK + 1);
      const tree = await buildMerkleTree(data);
      expect(tree.piecesRoot).to.deep.equal(sha(sha(data.subarray(0, BLOCK)), sha(data.subarray(BLOCK))));
      expect(tree).to.include({ blockCount: 2, depth: 1 });
    });

    it("3 blocks: the 4th leaf is 32 zero bytes", async function () {
      const data = randomBytes(3 * BLOCK - 5);
      const [l0, l1, l2] = [0, 1, 2].map((i) => sha(data.subarray(i * BLOCK, (i + 1) * BLOCK)));
      const tree = await buildMerkleTree(data);
      expect(tree.piecesRoot).to.deep.equal(sha(sha(l0, l1), sha(l2, ZERO)));
      expect(tree).to.include({ blockCount: 3, depth: 2 });
    });

    it("5 blocks: an all-padding subtree is H(0‖0), not zero", async function () {
      const data = randomBytes(5 * BLOCK);
      const l = [0, 1, 2, 3, 4].map((i) => sha(data.subarray(i * BLOCK, (i + 1) * BLOCK)));
      const left = sha(sha(l[0], l[1]), sha(l[2], l[3]));
      const right = sha(sha(l[4], ZERO), sha(ZERO, ZERO));
      const tree = await buildMerkleTree(data);
      expect(tree.piecesRoot).to.deep.equal(sha(left, right));
      expect(tree).to.include({ blockCount: 5, depth: 3 });
    });

    it("padHash(h) is the root of 2^h zero leaves", function () {
      expect(padHash(0)).to.deep.equal(ZERO);
      expect(padHash(1)).to.deep.equal(sha(ZERO, ZERO));
      expect(padHash(2)).to.deep.equal(sha(sha(ZERO, ZERO), sha(ZERO, ZERO)));
    });

    it("treeDepth is ceil(log2(blockCount))", function () {
      const cases: [number, number][] = [
        [0, 0],
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 2],
        [5, 3],
        [8, 3],
        [9, 4],
        [4_194_304, 22],
        [4_194_305, 23],
      ];
      for (const [count, depth] of cases) expect(treeDepth(count), `blockCount ${count}`).to.equal(depth);
    });
  });

  describe("awkward sizes against the naive reference", function () {
    const dir = mkdtempSync(path.join(tmpdir(), "seedpay-merkle-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const [label, size] of Object.entries(AWKWARD_SIZES)) {
      it(`${label} (${size} bytes): root, counts and leaves from bytes, chunks, a Readable and a path agree`, async function () {
        const data = pseudoRandomBytes(size, size);
        const root = naiveRoot(data)!;
        const blockCount = Math.ceil(size / BLOCK);
        const expected = { length: size, blockCount, depth: naiveLayers(data).length - 1 };

        const whole = await buildMerkleTree(data, { keepLeaves: true });
        expect(whole.piecesRoot).to.deep.equal(root);
        expect(whole).to.include(expected);
        expect(whole.leaves).to.deep.equal(Buffer.concat(naiveLeaves(data)));

        const file = path.join(dir, `f${size}`);
        writeFileSync(file, data);
        const fromPath = await buildMerkleTree(file, { keepLeaves: true });
        expect(fromPath.piecesRoot).to.deep.equal(root);
        expect(fromPath).to.include(expected);
        expect(fromPath.leaves).to.deep.equal(whole.leaves);

        const fromReadable = await buildMerkleTree(Readable.from(randomChunks(data)));
        expect(fromReadable.piecesRoot).to.deep.equal(root);
        expect(fromReadable.leaves).to.equal(undefined);

        expect(layerRoot(whole.leaves!)).to.deep.equal(root);
      });
    }
  });

  it("streaming in random chunk sizes equals the whole-buffer result (40 files)", async function () {
    for (let i = 0; i < 40; i++) {
      const data = pseudoRandomBytes(Math.floor(Math.random() * 12 * BLOCK) + 1, i + 1);
      const whole = await buildMerkleTree(data, { keepLeaves: true });
      const builder = new MerkleTreeBuilder({ keepLeaves: true });
      for (const chunk of randomChunks(data)) builder.update(chunk);
      const streamed = builder.digest();
      expect(streamed).to.deep.equal(whole);
      async function* generate() {
        yield* randomChunks(data);
      }
      expect((await buildMerkleTree(generate())).piecesRoot).to.deep.equal(whole.piecesRoot);
      expect((await buildMerkleTree(randomChunks(data))).piecesRoot).to.deep.equal(whole.piecesRoot);
    }
  });

  it("grows the leaf buffer when the length is not known in advance", async function () {
    const data = pseudoRandomBytes(300 * BLOCK + 3, 7);
    const tree = await buildMerkleTree(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), {
      keepLeaves: true,
    });
    expect(tree.leaves).to.deep.equal(Buffer.concat(naiveLeaves(data)));
    expect(tree.piecesRoot).to.deep.equal(naiveRoot(data));
  });

  it("piece layers: pieceLayerFromLeaves matches the reference's layer and hashes back to the root", function () {
    const data = pseudoRandomBytes(13 * BLOCK + 99, 3);
    const layers = naiveLayers(data);
    const leaves = Buffer.concat(naiveLeaves(data));
    for (const height of [0, 1, 2, 3]) {
      const pieceLength = BLOCK << height;
      const pieces = Math.ceil(data.length / pieceLength);
      expect(pieceLayerFromLeaves(leaves, pieceLength)).to.deep.equal(Buffer.concat(layers[height].slice(0, pieces)));
      expect(layerAbove(leaves, height)).to.deep.equal(Buffer.concat(layers[height].slice(0, pieces)));
      expect(piecesRootFromPieceLayer(pieceLayerFromLeaves(leaves, pieceLength), pieceLength)).to.deep.equal(
        naiveRoot(data),
      );
    }
  });

  describe("misuse", function () {
    it("refuses a non-byte chunk, and use after digest", function () {
      const builder = new MerkleTreeBuilder();
      expect(() => builder.update("text" as unknown as Uint8Array)).to.throw(InvalidMerkleInputError, /chunk/);
      builder.update(Buffer.from("x"));
      builder.digest();
      expect(() => builder.update(Buffer.from("y"))).to.throw(/after digest/);
      expect(() => builder.digest()).to.throw(/twice/);
    });

    it("refuses a source that is not bytes, a path or an iterable", async function () {
      for (const source of [42, null, {}]) {
        let error: unknown;
        await buildMerkleTree(source as never).catch((e: unknown) => (error = e));
        expect(error, String(source)).to.be.instanceOf(InvalidMerkleInputError);
      }
    });

    it("refuses a layer that is not a positive multiple of 32 bytes", function () {
      expect(() => layerRoot(Buffer.alloc(0))).to.throw(InvalidMerkleInputError, /multiple of 32/);
      expect(() => layerRoot(Buffer.alloc(33))).to.throw(InvalidMerkleInputError, /multiple of 32/);
    });
  });

  // Keep the constant honest: everything above assumes BEP 52's 16 KiB.
  it("BLOCK_SIZE is 16 KiB", () => expect(BLOCK_SIZE).to.equal(16384));
});
