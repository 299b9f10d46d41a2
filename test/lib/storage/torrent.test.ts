import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BencodeDecodeError, InvalidTorrentError, parseTorrent, readTorrentFile } from "../../../src/storage";
import { bencode, type Encodable } from "./bencodeEncode";
import { BLOCK, naiveLayers, naiveRoot, pseudoRandomBytes } from "./naiveBep52";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest();
const sha1 = (data: Uint8Array) => createHash("sha1").update(data).digest();

/** A file's pieces root and piece layer, from the naive reference. */
function describeFile(data: Buffer, pieceLength: number) {
  const layers = naiveLayers(data);
  const height = Math.log2(pieceLength / BLOCK);
  const pieces = Math.ceil(data.length / pieceLength);
  // BEP 52 stores a layer only for files longer than one piece.
  const layer = data.length > pieceLength ? Buffer.concat(layers[height].slice(0, pieces)) : Buffer.alloc(0);
  return { length: data.length, root: naiveRoot(data)!, layer };
}

function fileEntry(file: { length: number; root: Buffer }, extra: Record<string, Encodable> = {}): Encodable {
  return { "": { length: file.length, "pieces root": file.root, ...extra } };
}

describe("storage/torrent: v2 and hybrid .torrent reader", function () {
  const pieceLength = 2 * BLOCK;
  const big = describeFile(pseudoRandomBytes(5 * BLOCK + 7, 1), pieceLength);
  const small = describeFile(pseudoRandomBytes(100, 2), pieceLength);

  function singleFile(overrides: Record<string, Encodable> = {}, layers?: Map<Uint8Array, Encodable>) {
    const info: Record<string, Encodable> = {
      "file tree": { "movie.bin": fileEntry(big) },
      "meta version": 2,
      name: "movie.bin",
      "piece length": pieceLength,
      ...overrides,
    };
    return { info, bytes: bencode({ info, "piece layers": layers ?? new Map([[big.root, big.layer]]) }) };
  }

  function refuses(bytes: Buffer, field: RegExp, reason: RegExp) {
    try {
      parseTorrent(bytes);
    } catch (error) {
      expect(error).to.be.instanceOf(InvalidTorrentError);
      expect((error as InvalidTorrentError).field).to.match(field);
      expect((error as InvalidTorrentError).shortMessage).to.match(reason);
      return;
    }
    expect.fail("accepted");
  }

  it("reads a single-file v2 torrent: root, checked piece layer, info hash", function () {
    const { info, bytes } = singleFile();
    const torrent = parseTorrent(bytes);
    expect(torrent).to.include({ name: "movie.bin", pieceLength, hybrid: false, infoHashV1: undefined });
    expect(torrent.infoHashV2).to.deep.equal(sha256(bencode(info)));
    expect(torrent.files).to.deep.equal([
      { path: ["movie.bin"], length: big.length, piecesRoot: big.root, pieceLayer: big.layer, attr: undefined },
    ]);
    expect([...torrent.pieceLayers.keys()]).to.deep.equal([big.root.toString("hex")]);
  });

  it("reads a hybrid multi-file torrent: nested directories, UTF-8 names, an empty file, attributes", function () {
    const info: Record<string, Encodable> = {
      "file tree": {
        "a.bin": fileEntry(big, { attr: "x" }),
        docs: { "ünïcode.txt": fileEntry(small), empty: { "": { length: 0 } }, deep: { er: fileEntry(big) } },
      },
      files: [{ length: big.length, path: ["a.bin"] }],
      "meta version": 2,
      name: "bundle",
      "piece length": pieceLength,
      pieces: Buffer.alloc(20 * 4),
    };
    const torrent = parseTorrent(bencode({ info, "piece layers": new Map([[big.root, big.layer]]) }));
    expect(torrent.hybrid).to.equal(true);
    expect(torrent.infoHashV1).to.deep.equal(sha1(bencode(info)));
    expect(torrent.files.map((f) => [f.path.join("/"), f.length, f.piecesRoot?.toString("hex"), f.attr])).to.deep.equal(
      [
        ["a.bin", big.length, big.root.toString("hex"), "x"],
        ["docs/deep/er", big.length, big.root.toString("hex"), undefined],
        ["docs/empty", 0, undefined, undefined],
        ["docs/ünïcode.txt", 100, small.root.toString("hex"), undefined],
      ],
    );
    // Identical files share a root and so a layer; a file within one piece has none.
    expect(torrent.files[0].pieceLayer).to.deep.equal(big.layer);
    expect(torrent.files[1].pieceLayer).to.deep.equal(big.layer);
    expect(torrent.files[3].pieceLayer).to.equal(undefined);
  });

  it("accepts a torrent without piece layers (metadata from a magnet link)", function () {
    const { bytes } = singleFile({}, new Map());
    expect(parseTorrent(bytes).files[0].pieceLayer).to.equal(undefined);
    const { info } = singleFile();
    expect(parseTorrent(bencode({ info })).files[0].piecesRoot).to.deep.equal(big.root);
  });

  it("reads a .torrent from disk", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "seedpay-torrent-"));
    try {
      writeFileSync(path.join(dir, "t.torrent"), singleFile().bytes);
      expect((await readTorrentFile(path.join(dir, "t.torrent"))).files[0].piecesRoot).to.deep.equal(big.root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("refusals", function () {
    it("a v1-only torrent, saying how to get a v2 one", function () {
      const info = { name: "x", "piece length": pieceLength, length: 5, pieces: Buffer.alloc(20) };
      refuses(bencode({ info }), /meta version/, /v1 torrent/);
    });
    it("meta version 3", () => refuses(singleFile({ "meta version": 3 }).bytes, /meta version/, /not 2/));
    it("a piece length that is not a power of two", () =>
      refuses(singleFile({ "piece length": 3 * BLOCK }).bytes, /piece length/, /power of two/));
    it("a piece length below 16 KiB", () =>
      refuses(singleFile({ "piece length": 8192 }).bytes, /piece length/, /power/));
    it("a missing info dictionary", () => refuses(bencode({ announce: "x" }), /^info$/, /missing/));
    it("an empty file tree", () => refuses(singleFile({ "file tree": {} }).bytes, /file tree/, /no file/));
    it("a non-empty file without a pieces root", () =>
      refuses(singleFile({ "file tree": { f: { "": { length: 5 } } } }).bytes, /f\.pieces root/, /missing/));
    it("a 31-byte pieces root", () =>
      refuses(
        singleFile({ "file tree": { f: fileEntry({ length: 5, root: Buffer.alloc(31) }) } }).bytes,
        /pieces root/,
        /31 bytes/,
      ));
    it("a negative length", () =>
      refuses(
        singleFile({ "file tree": { f: { "": { length: -1, "pieces root": big.root } } } }).bytes,
        /length/,
        /-1/,
      ));
    it("a '..' path component", () =>
      refuses(singleFile({ "file tree": { "..": fileEntry(big) } }).bytes, /file tree/, /path component/));
    it("a node that is both a file and a directory", () =>
      refuses(
        singleFile({ "file tree": { f: { "": { length: 5, "pieces root": small.root }, g: fileEntry(small) } } }).bytes,
        /file tree\/f/,
        /both a file and a directory/,
      ));
    it("a piece layer of the wrong length", () =>
      refuses(singleFile({}, new Map([[big.root, big.layer.subarray(32)]])).bytes, /piece layers/, /holds 64 bytes/));
    it("a piece layer that does not hash to its root", () => {
      const bad = Buffer.from(big.layer);
      bad[0] ^= 1;
      refuses(singleFile({}, new Map([[big.root, bad]])).bytes, /piece layers/, /does not hash/);
    });
    it("bytes that are not bencode", () => {
      expect(() => parseTorrent(Buffer.from("<html>"))).to.throw(BencodeDecodeError);
    });
  });
});
