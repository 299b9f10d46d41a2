// Our BEP 52 trees against libtorrent 2.0's: libtorrent makes v2-only and hybrid torrents of
// files of awkward sizes; each pieces root (as our reader reads it from the .torrent, and as
// libtorrent's own parser reads it) must equal the root we build from the file.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildMerkleTree, pieceLayerFromLeaves, readTorrentFile, type MerkleTree } from "../../../src/storage";
import { AWKWARD_SIZES, pseudoRandomBytes } from "./naiveBep52";

/** Debian's interpreter: the python3 first on PATH may not see Debian's python3-libtorrent. */
const PYTHON = "/usr/bin/python3";
const ROOT = path.resolve(__dirname, "../../..");
const SETUP = path.join(ROOT, "scripts/setup-libtorrent.sh");
const MAKE_TORRENTS = path.join(__dirname, "fixtures/make_torrents.py");
const INSTALL_HINT = `install it with: bash scripts/setup-libtorrent.sh (as root; it runs apt-get install python3-libtorrent)`;

type Mode = "v2" | "hybrid";
type Job = { source: string; pieceSize: number; mode: Mode; out: string };
type LibtorrentFile = { path: string; size: number; pad: boolean; root: string | null };
type LibtorrentTorrent = {
  out: string;
  pieceLength: number;
  files: LibtorrentFile[];
  infoHashV1: string | null;
  infoHashV2: string | null;
};

function libtorrentImportable(): boolean {
  return spawnSync(PYTHON, ["-c", "import libtorrent"], { stdio: "ignore" }).status === 0;
}

/** Tries the setup script once when we are root (CI machines start without the package). */
function trySetup(): string {
  if (process.env.SEEDPAY_NO_LIBTORRENT_SETUP) return "SEEDPAY_NO_LIBTORRENT_SETUP is set";
  if (process.getuid?.() !== 0) return "not root, so the setup script was not run";
  const run = spawnSync("bash", [SETUP], { encoding: "utf8", timeout: 480_000 });
  return run.status === 0 ? "" : `the setup script failed: ${(run.stderr || run.stdout || String(run.error)).trim()}`;
}

describe("storage/libtorrent: pieces roots equal libtorrent 2.0's", function () {
  let dir: string;
  let version: string;
  const made = new Map<string, LibtorrentTorrent>();
  const trees = new Map<string, MerkleTree>();

  const sizes = Object.entries(AWKWARD_SIZES);
  const singleJobs = (mode: Mode, pieceSize: number) =>
    sizes.map(([label, size]) => ({ label, size, key: `${mode}-${pieceSize}-${size}`, mode, pieceSize }));
  const singles = [...singleJobs("v2", 16384), ...singleJobs("hybrid", 65536)];
  const multis = [
    { key: "multi-v2-32768", mode: "v2" as Mode, pieceSize: 32768 },
    { key: "multi-hybrid-auto", mode: "hybrid" as Mode, pieceSize: 0 },
  ];

  before(function () {
    this.timeout(600_000);
    if (!libtorrentImportable()) {
      const why = trySetup();
      if (!libtorrentImportable()) {
        console.log(
          `      libtorrent comparison SKIPPED: ${PYTHON} cannot import libtorrent (${why}); ${INSTALL_HINT}`,
        );
        this.skip();
      }
    }
    dir = mkdtempSync(path.join(tmpdir(), "seedpay-libtorrent-"));
    const files = path.join(dir, "files");
    const bundle = path.join(dir, "bundle");
    mkdirSync(files);
    mkdirSync(path.join(bundle, "sub"), { recursive: true });
    writeFileSync(path.join(bundle, "empty"), "");
    for (const [, size] of sizes) {
      const data = pseudoRandomBytes(size, size);
      writeFileSync(path.join(files, `f${size}`), data);
      writeFileSync(path.join(bundle, size % 2 ? "sub" : "", `f${size}`), data);
    }
    const jobs: Job[] = [
      ...singles.map(({ size, key, mode, pieceSize }) => ({
        source: path.join(files, `f${size}`),
        pieceSize,
        mode,
        out: path.join(dir, `${key}.torrent`),
      })),
      ...multis.map(({ key, mode, pieceSize }) => ({
        source: bundle,
        pieceSize,
        mode,
        out: path.join(dir, `${key}.torrent`),
      })),
    ];
    const run = spawnSync(PYTHON, [MAKE_TORRENTS], {
      input: JSON.stringify({ jobs }),
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    if (run.status !== 0) throw new Error(`make_torrents.py failed (${run.status}): ${run.stderr}`);
    const result = JSON.parse(run.stdout) as { version: string; torrents: LibtorrentTorrent[] };
    version = result.version;
    console.log(`      libtorrent ${version} (${PYTHON})`);
    result.torrents.forEach((torrent, i) => made.set(jobs[i].out, torrent));
  });

  before(async function () {
    this.timeout(120_000);
    for (const [, size] of sizes) {
      trees.set(String(size), await buildMerkleTree(path.join(dir, "files", `f${size}`), { keepLeaves: true }));
    }
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const { label, size, key, mode, pieceSize } of singles) {
    it(`${mode}, ${pieceSize / 1024} KiB pieces: ${label} (${size} bytes)`, async function () {
      const out = path.join(dir, `${key}.torrent`);
      const theirs = made.get(out)!;
      const ours = await readTorrentFile(out);
      const tree = trees.get(String(size))!;
      expect(ours.hybrid).to.equal(mode === "hybrid");
      expect(ours.pieceLength).to.equal(theirs.pieceLength);
      expect(ours.infoHashV2.toString("hex")).to.equal(theirs.infoHashV2);
      expect(ours.infoHashV1?.toString("hex") ?? null).to.equal(theirs.infoHashV1);
      expect(ours.files).to.have.length(1);
      const [file] = ours.files;
      const [theirFile] = theirs.files.filter((f) => !f.pad);
      expect(file.path).to.deep.equal([theirFile.path]);
      expect(file.length).to.equal(size).and.equal(theirFile.size);
      expect(file.piecesRoot!.toString("hex")).to.equal(theirFile.root);
      expect(tree.piecesRoot!.toString("hex")).to.equal(theirFile.root);
      if (size > theirs.pieceLength) {
        expect(file.pieceLayer, "libtorrent wrote a piece layer").to.not.equal(undefined);
        expect(file.pieceLayer).to.deep.equal(pieceLayerFromLeaves(tree.leaves!, theirs.pieceLength));
      } else {
        expect(file.pieceLayer).to.equal(undefined);
      }
    });
  }

  for (const { key, mode, pieceSize } of multis) {
    it(`${mode} multi-file torrent (${pieceSize ? `${pieceSize / 1024} KiB` : "libtorrent's"} pieces, nested, with an empty file)`, async function () {
      const out = path.join(dir, `${key}.torrent`);
      const theirs = made.get(out)!;
      const ours = await readTorrentFile(out);
      expect(ours.hybrid).to.equal(mode === "hybrid");
      expect(ours.infoHashV2.toString("hex")).to.equal(theirs.infoHashV2);
      expect(ours.infoHashV1?.toString("hex") ?? null).to.equal(theirs.infoHashV1);
      // Pad files exist only in libtorrent's v1 view; the v2 file tree has none.
      const theirFiles = theirs.files.filter((f) => !f.pad);
      const listed = (files: { path: string; size: number; root: string | null }[]) =>
        files.map((f) => `${f.path} ${f.size} ${f.root}`).sort();
      expect(
        listed(
          ours.files.map((f) => ({
            path: [ours.name, ...f.path].join("/"),
            size: f.length,
            root: f.piecesRoot?.toString("hex") ?? null,
          })),
        ),
      ).to.deep.equal(listed(theirFiles));
      expect(ours.files).to.have.length(sizes.length + 1);
      for (const file of ours.files) {
        if (file.length === 0) {
          expect(file.piecesRoot).to.equal(undefined);
          continue;
        }
        const tree = trees.get(String(file.length))!;
        expect(file.piecesRoot, file.path.join("/")).to.deep.equal(tree.piecesRoot);
        if (file.length > ours.pieceLength) {
          expect(file.pieceLayer).to.deep.equal(pieceLayerFromLeaves(tree.leaves!, ours.pieceLength));
        }
      }
    });
  }
});
