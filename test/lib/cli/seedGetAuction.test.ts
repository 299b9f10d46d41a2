import { expect } from "chai";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { parseProgressLine } from "../../../src/cli/downloadProgress";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { piecePrice } from "../../../src/wire/pricing";
import { BIN, KEYS, seedpay, seedpayProcess, tempDir, type CliRun } from "./helpers";

const BTT = 10n ** 18n;
const PIECE = 256 * 1024;
/** 16 whole pieces (4 MiB): every piece costs the same at a given price. */
const PIECES = 16;
const LOOPBACK_ONLY = ["--no-dht", "--no-tracker", "--no-lsd", "--no-pex"];
/** The reserve (0.3 BTT/MiB) and the lower bidder's value (2 BTT/MiB): a piece at each. */
const AT_RESERVE = piecePrice((3n * BTT) / 10n, PIECE);
const AT_LOW = piecePrice(2n * BTT, PIECE);

type Amount = { btt: string; baseUnits: string };
type SellerJson = {
  paid: Amount;
  left: Amount;
  channelId: string;
  auction: { roundsWon: number; roundsLost: number; clearingPrices: Amount[] };
};
type GetJson = { spent: Amount; sellers: SellerJson[] };

/**
 * `a` won pieces at the lower bid and `b` at the reserve, for `paid` = a·AT_LOW + b·AT_RESERVE with
 * a + b ≤ PIECES: unique, because AT_LOW is not a multiple of AT_RESERVE within 16 pieces.
 */
function decompose(paid: bigint): { a: number; b: number } | undefined {
  for (let a = 0; a <= PIECES; a++) {
    const rest = paid - BigInt(a) * AT_LOW;
    if (rest < 0n) break;
    if (rest % AT_RESERVE === 0n && a + Number(rest / AT_RESERVE) <= PIECES) {
      return { a, b: Number(rest / AT_RESERVE) };
    }
  }
  return undefined;
}

/**
 * The auction as a person runs it: one `seedpay seed --auction --slots 1 --round 1` process and two
 * `seedpay get --budget` processes with different values, in parallel, on loopback against the
 * embedded chain. The seller's upload is limited (256 KiB/s) so the download spans many rounds.
 * Assertions are on payments and round outcomes only: which rounds each buyer wins depends on
 * when its process starts, but every won piece costs that round's clearing price, and a round
 * either buyer wins while both bid costs the lower bidder's value.
 */
describe("seedpay CLI: seed --auction and get --budget (real processes)", function () {
  this.timeout(300_000);

  let node: EmbeddedChain;
  let cwd: string;
  let env: Record<string, string>;
  const signerKey = `0x${"5e".repeat(32)}`;
  const ok = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what}:\n${run.stderr}`).to.equal(0);
    return run;
  };

  before(async () => {
    node = await startEmbeddedChain({ port: 0 });
    cwd = tempDir();
    env = { SEEDPAY_RPC: node.url };
    const deployer = { ...env, SEEDPAY_PRIVATE_KEY: KEYS.deployer };
    ok(await seedpay(["deploy", "--test-token"], { env: deployer, cwd }), "deploy");
    for (const key of [KEYS.payer, KEYS.payer2]) {
      const to = new Wallet(key).address;
      ok(await seedpay(["mint", "--to", to, "--amount", "100"], { env: deployer, cwd }), "mint");
    }
    writeFileSync(path.join(cwd, "data.bin"), randomBytes(PIECES * PIECE));
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("the higher bidder pays the lower bidder's value in rounds it wins against it; the lower one finishes, paying only rounds it won", async () => {
    const seller = spawn(
      process.execPath,
      [
        BIN,
        ...["--db", "seller.db", "--json", "seed", "data.bin", "--auction", "--slots", "1", "--round", "1"],
        ...["--reserve", "0.3", "--upload-limit", "256", "--piece-length", "256", "--port", "0", ...LOOPBACK_ONLY],
      ],
      { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, SEEDPAY_PRIVATE_KEY: KEYS.payee } },
    );
    let out = "";
    let err = "";
    seller.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    seller.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number>((resolve) => seller.on("close", (code) => resolve(code ?? -1)));
    const lines = (): Record<string, unknown>[] =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    try {
      for (const deadline = Date.now() + 120_000; lines().length === 0; ) {
        if (Date.now() > deadline || seller.exitCode !== null) throw new Error(`the seller did not start:\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const share = lines()[0] as { torrentFile: string; port: number; auction: unknown; price: Amount };
      expect(share.auction).to.deep.equal({
        slots: 1,
        reserve: { btt: "0.3", baseUnits: String(3n * 10n ** 17n) },
        roundSeconds: 1,
      });
      expect(share.price.baseUnits).to.equal("0");

      const get = (db: string, key: string, maxPrice: string, budget: string, dir: string) =>
        seedpayProcess(
          [
            ...["--db", db, "--json", "get", share.torrentFile, "--max-price", maxPrice, "--budget", budget],
            ...["--peer", `127.0.0.1:${share.port}`, "--out", dir, ...LOOPBACK_ONLY],
          ],
          { env: { ...env, SEEDPAY_PRIVATE_KEY: key, SEEDPAY_SIGNER_KEY: signerKey }, cwd },
        );
      const [highRun, lowRun] = await Promise.all([
        get("high.db", KEYS.payer, "3", "20", "high"),
        get("low.db", KEYS.payer2, "2", "2", "low"),
      ]);
      ok(highRun, "get (high bidder)");
      ok(lowRun, "get (low bidder)");
      const original = readFileSync(path.join(cwd, "data.bin"));
      expect(readFileSync(path.join(cwd, "high", "data.bin")).equals(original)).to.equal(true);
      expect(readFileSync(path.join(cwd, "low", "data.bin")).equals(original)).to.equal(true);

      const high = JSON.parse(highRun.stdout) as GetJson;
      const low = JSON.parse(lowRun.stdout) as GetJson;
      expect(high.sellers).to.have.length(1);
      expect(low.sellers).to.have.length(1);
      const [h] = high.sellers;
      const [l] = low.sellers;
      const prices = (x: SellerJson) => x.auction.clearingPrices.map((p) => BigInt(p.baseUnits));

      // Every round the high bidder won cleared at the lower value (both bidding) or the reserve
      // (alone), and what it paid is whole pieces at those prices; at least one piece at the
      // lower bidder's value, from a round it won against it.
      const paidHigh = BigInt(h.paid.baseUnits);
      const splitHigh = decompose(paidHigh);
      expect(splitHigh, `high paid ${h.paid.btt}`).to.not.equal(undefined);
      expect(splitHigh!.a, `high paid ${h.paid.btt}`).to.be.greaterThan(0);
      expect(prices(h)).to.include(2n * BTT);
      for (const p of prices(h)) expect([2n * BTT, 3n * 10n ** 17n]).to.deep.include(p);
      expect(h.auction.roundsWon).to.be.greaterThan(0);
      // The deposit defaults to the budget.
      expect(BigInt(h.left.baseUnits) + paidHigh).to.equal(20n * BTT);

      // The lower bidder cannot win a round against the higher one with one slot: every round it
      // won cleared at the reserve, and it paid whole pieces at the reserve only (possibly none:
      // it may finish in the optimistic slot, for free).
      const paidLow = BigInt(l.paid.baseUnits);
      expect(paidLow % AT_RESERVE, `low paid ${l.paid.btt}`).to.equal(0n);
      for (const p of prices(l)) expect(p).to.equal(3n * 10n ** 17n);
      if (paidLow > 0n) expect(l.auction.roundsWon).to.be.greaterThan(0);
      expect(l.auction.roundsLost).to.be.greaterThan(0);
      expect(BigInt(l.left.baseUnits) + paidLow).to.equal(2n * BTT);

      // Progress showed the rounds.
      const lastProgress = (run: CliRun) =>
        run.stderr
          .split("\n")
          .map(parseProgressLine)
          .filter((p) => p !== undefined)
          .at(-1)!;
      expect(lastProgress(highRun).rounds!.won).to.equal(h.auction.roundsWon);
      expect(lastProgress(lowRun).rounds!.lost).to.equal(l.auction.roundsLost);

      // The seller: its log and its store agree with what the buyers paid.
      seller.kill("SIGINT");
      expect(await exited, err).to.equal(0);
      const all = lines();
      const rounds = all.filter((x) => x.event === "round") as { winners: string[]; clearingPrice: Amount }[];
      const stopped = all.at(-1) as {
        event: string;
        received: Amount;
        auction: { winners: { channelId: string; roundsWon: number; clearingPrices: Amount[] }[] };
      };
      expect(stopped.event).to.equal("stopped");
      expect(BigInt(stopped.received.baseUnits)).to.equal(paidHigh + paidLow);
      const wonAtLow = rounds.filter(
        (r) => r.winners.includes(h.channelId) && r.clearingPrice.baseUnits === String(2n * BTT),
      );
      expect(wonAtLow.length).to.be.greaterThan(0);
      for (const r of rounds.filter((x) => x.winners.includes(l.channelId))) {
        expect(r.clearingPrice.baseUnits).to.equal(String(3n * 10n ** 17n));
      }
      const sellerHigh = stopped.auction.winners.find((w) => w.channelId === h.channelId)!;
      expect(sellerHigh.clearingPrices.map((p) => p.baseUnits)).to.include(String(2n * BTT));
      expect(err).to.match(/round \d+: 2 bid\(s\), won by 0x[0-9a-f]{8} \(127\.0\.0\.1:\d+\) at 2 BTT per MiB/);
    } finally {
      if (seller.exitCode === null) seller.kill("SIGKILL");
    }
  });
});
