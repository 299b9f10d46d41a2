import { expect } from "chai";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { parseProgressLine, progressLine, ProgressReporter } from "../../../src/cli/downloadProgress";
import { peerArg } from "../../../src/cli/torrentClient";
import { readTorrentInput } from "../../../src/cli/torrentInput";
import { unpaidReason, type BuyerSide } from "../../../src/cli/unpaidReason";
import type { Terms } from "../../../src/wire/messages";
import { KEYS, seedpay, tempDir } from "./helpers";

const BTT = 10n ** 18n;
const NO_STACK = /^\s+at /m;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `seedpay seed` and `seedpay get` without a market: what each says when the input is wrong, and
 * the pieces their output is made of (the progress line, why a seller is not paid). In-process
 * and without a chain: every error here is raised before a node is contacted.
 */
describe("seedpay CLI: seed and get, errors and output", function () {
  this.timeout(60_000);
  let cwd: string;
  before(() => {
    cwd = tempDir();
    writeFileSync(path.join(cwd, "data.bin"), Buffer.alloc(4096, 7));
    writeFileSync(path.join(cwd, "broken.torrent"), "d4:infod4:name1:x");
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  const failsWith = async (args: string[], env: Record<string, string>, message: RegExp, hint: RegExp) => {
    const run = await seedpay(args, { env: { SEEDPAY_RPC: "http://127.0.0.1:9", ...env }, cwd });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(message);
    expect(run.stderr).to.match(hint);
    expect(run.stderr).not.to.match(NO_STACK);
    return run;
  };

  it("seed: a missing FILE, a missing --price and a missing key each say what to do", async () => {
    const key = { SEEDPAY_PRIVATE_KEY: KEYS.payee };
    await failsWith(
      ["seed", "nope.bin", "--price", "1"],
      key,
      /cannot seed "nope.bin": no such file or directory/,
      /existing, readable file/,
    );
    await failsWith(["seed", "data.bin"], key, /required option '--price <btt>'/, /--price 0.5/);
    await failsWith(
      ["seed", "data.bin", "--price", "1"],
      {},
      /`seedpay seed` needs the wallet key/,
      /SEEDPAY_PRIVATE_KEY=/,
    );
    const bad = await seedpay(["seed", "data.bin", "--price", "-1"], { cwd });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain("Expected a price in BTT per MiB");
  });

  it("get: an unreadable torrent, a non-torrent, a missing --max-price and a missing key each say what to do", async () => {
    const key = { SEEDPAY_PRIVATE_KEY: KEYS.payer };
    await failsWith(
      ["get", "none.torrent", "--max-price", "1"],
      key,
      /cannot read the torrent "none.torrent": no such file/,
      /magnet link/,
    );
    await failsWith(
      ["get", "broken.torrent", "--max-price", "1"],
      key,
      /"broken.torrent" is not a .torrent file/,
      /magnet link or the info hash/,
    );
    await failsWith(["get", "magnet:?dn=x", "--max-price", "1"], key, /no BitTorrent info hash/, /xt=urn:btih:/);
    const hash = "ab".repeat(20);
    await failsWith(["get", hash], key, /required option '--max-price <btt>'/, /--no-pay downloads/);
    await failsWith(
      ["get", hash, "--max-price", "1"],
      {},
      /`seedpay get` needs the wallet key/,
      /--no-pay to download as an ordinary peer/,
    );
  });

  it("seed --auction and get --budget: contradictory or orphan flags each say what to do", async () => {
    const seller = { SEEDPAY_PRIVATE_KEY: KEYS.payee };
    const both = await failsWith(
      ["seed", "data.bin", "--auction", "--price", "1"],
      seller,
      /--price and --auction cannot be used together/,
      /Drop --price, or give a floor with --reserve/,
    );
    expect(both.stdout).to.equal("");
    await failsWith(
      ["seed", "data.bin", "--price", "1", "--slots", "2", "--round", "5"],
      seller,
      /--slots only applies to an auction/,
      /Add --auction .* or drop --slots, --round/,
    );
    await failsWith(
      ["seed", "data.bin"],
      seller,
      /required option '--price <btt>'/,
      /or --auction to sell upload slots/,
    );
    for (const [flag, value, hint] of [
      ["--slots", "0", /paid upload slots from 1 to 64/],
      ["--round", "0.05", /round length in seconds from 0.1 to 3600/],
      ["--reserve", "-1", /price in BTT per MiB/],
    ] as const) {
      const bad = await seedpay(["seed", "data.bin", "--auction", flag, value], { cwd });
      expect(bad.code, flag).to.equal(1);
      expect(bad.stderr, flag).to.match(hint);
    }
    await failsWith(
      ["get", "ab".repeat(20), "--no-pay", "--budget", "5"],
      {},
      /--budget and --no-pay cannot be used together/,
      /Drop one of them/,
    );
    const zero = await seedpay(["get", "ab".repeat(20), "--max-price", "1", "--budget", "0"], { cwd });
    expect(zero.code).to.equal(1);
    expect(zero.stderr).to.contain("The amount must be above 0.");
  });

  it("get: no peers within --timeout is an error that names the peer tried (nothing paid)", async () => {
    const port = await closedPort();
    const run = await failsWith(
      [
        "get",
        "cd".repeat(20),
        "--no-pay",
        "--peer",
        `127.0.0.1:${port}`,
        "--timeout",
        "2",
        "--no-dht",
        "--no-tracker",
        "--no-lsd",
        "--no-pex",
      ],
      {},
      /error: no peers within [23] s/,
      new RegExp(`Nobody answered at 127\\.0\\.0\\.1:${port}`),
    );
    expect(run.stderr).to.contain("Peer discovery is off");
    expect(run.stdout).to.equal("");
  });

  it("reads TORRENT as a magnet link, an info hash (hex or base32) or a .torrent file", () => {
    const magnet = `magnet:?xt=urn:btih:${"ab".repeat(20)}&dn=x`;
    expect(readTorrentInput(magnet, cwd)).to.include({ kind: "magnet", id: magnet });
    expect(readTorrentInput("AB".repeat(20), cwd)).to.include({ kind: "infohash", id: "ab".repeat(20) });
    expect(readTorrentInput("A".repeat(32), cwd).kind).to.equal("infohash");
    expect(() => readTorrentInput(".", cwd)).to.throw(/cannot read the torrent ".": a directory/);
    expect(peerArg("127.0.0.1:6881")).to.deep.equal(["127.0.0.1:6881"]);
    expect(peerArg("[::1]:6881", ["a:1"])).to.deep.equal(["a:1", "[::1]:6881"]);
    for (const bad of ["127.0.0.1", "host:0", "host:70000", ":80"])
      expect(() => peerArg(bad), bad).to.throw(/host:port/);
  });

  it("writes a progress line that parses back, live on a terminal and every interval otherwise", () => {
    const snapshot = {
      piecesDone: 3,
      pieces: 7,
      bytesDone: 786432,
      bytes: 1573864,
      speed: 2.5 * 1048576,
      spent: 75n * 10n ** 16n,
      peers: 2,
      paid: 1,
    };
    const line = progressLine(snapshot);
    expect(line).to.equal("progress: 3/7 pieces (42%), 0.75/1.50 MiB, 2.50 MiB/s, spent 0.75 BTT, 2 peers (1 paid)");
    expect(parseProgressLine(line)).to.deep.include({ piecesDone: 3, pieces: 7, spent: "0.75", peers: 2, paid: 1 });
    expect(parseProgressLine("progress: soon")).to.equal(undefined);
    // Bidding at auction sellers (--budget) adds the rounds won and lost.
    const bidding = progressLine({ ...snapshot, rounds: { won: 4, lost: 2 } });
    expect(bidding).to.equal(`${line}, rounds won 4 lost 2`);
    expect(parseProgressLine(bidding)!.rounds).to.deep.equal({ won: 4, lost: 2 });
    expect(parseProgressLine(line)!.rounds).to.equal(undefined);

    let written = "";
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((written += chunk.toString()), done()) });
    let now = 0;
    const plain = new ProgressReporter(sink, false, 2000, () => now);
    plain.update(snapshot);
    now = 1000;
    plain.update(snapshot); // within the interval: not written
    now = 2500;
    plain.update(snapshot);
    plain.finish({ ...snapshot, piecesDone: 7 });
    const lines = written.split("\n").filter(Boolean);
    expect(lines).to.have.length(3);
    expect(lines.every((l) => parseProgressLine(l))).to.equal(true);
    expect(parseProgressLine(lines[2])!.piecesDone).to.equal(7);

    written = "";
    const tty = new ProgressReporter(sink, true, 2000, () => now);
    tty.update(snapshot);
    tty.note("a seller declined");
    tty.finish(snapshot);
    expect(written).to.equal(`\r\x1b[2K${line}\na seller declined\n\r\x1b[2K${line}\n`);
  });

  it("says why a seller is not paid, with the flag that changes it", () => {
    const buyer: BuyerSide = { maxPrice: BTT, window: 86400, chainId: 2494104990n, escrow: "0x" + "11".repeat(20) };
    const terms: Terms = {
      chainId: buyer.chainId,
      escrow: buyer.escrow,
      token: "0x" + "22".repeat(20),
      payee: "0x" + "33".repeat(20),
      pricePerMiB: BTT,
      minDisputeWindow: 3600,
      creditLimit: BTT,
    };
    const plain = (t: Partial<Terms>, declined?: string) =>
      unpaidReason({ terms: { ...terms, ...t }, mode: "plain", declined }, buyer);
    expect(plain({ chainId: 728126428n })).to.match(
      /sells on chain 728126428 .*pays on chain 2494104990.*--rpc \/ --network/,
    );
    expect(plain({ escrow: "0x" + "44".repeat(20) })).to.match(/through escrow 0x4444.*--escrow/);
    expect(plain({ pricePerMiB: 2n * BTT })).to.equal(
      "its price 2 BTT per MiB is above --max-price 1 BTT: an ordinary peer here",
    );
    expect(plain({ minDisputeWindow: 2 * 86400 })).to.match(/dispute windows of 2d or more.*--window 172800/);
    expect(plain({}, "credit 1 does not cover one piece (2)")).to.match(/^credit 1 does not cover one piece/);
    const auction = { ...terms, pricePerMiB: 0n, auction: { slots: 4, reservePerMiB: BTT / 2n, roundMs: 10_000 } };
    expect(unpaidReason({ terms: auction, mode: "plain" }, buyer)).to.equal(
      "it sells upload slots by auction and this client has no --budget: an ordinary peer here " +
        "(pass --budget <btt> to bid up to --max-price per MiB for its paid slots)",
    );
    expect(unpaidReason({ terms: auction, mode: "plain" }, { ...buyer, maxPrice: BTT / 4n, budget: BTT })).to.equal(
      "its auction reserve 0.5 BTT per MiB is above --max-price 0.25 BTT: an ordinary peer here",
    );
    expect(unpaidReason({ terms: auction, mode: "paying" }, { ...buyer, budget: BTT })).to.equal(undefined);
    expect(unpaidReason({ terms, mode: "paying" }, buyer)).to.equal(undefined);
    expect(unpaidReason({ mode: "plain" }, buyer)).to.equal(undefined);
  });
});
