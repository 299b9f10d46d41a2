import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { DealTerms } from "../../../src/chain/bondTypes";
import { answerCost, challengeFeeWarning } from "../../../src/cli/bondAnswerCost";

const terms = (fileLength: bigint, challengeFee: bigint): DealTerms => ({
  client: "0x" + "11".repeat(20),
  provider: "0x" + "22".repeat(20),
  piecesRoot: "0x" + "33".repeat(32),
  fileLength,
  price: 10n ** 21n,
  bond: 5n * 10n ** 20n,
  duration: 30 * 86_400,
  responseWindow: 86_400,
  challengeFee,
  maxChallenges: 30,
  offerExpiresAt: 4_102_444_800n,
  salt: 1n,
});
const MAINNET = { energySun: 100, bandwidthSun: 1000 };

describe("bond accept on TRON: what answering a challenge costs", () => {
  it("prices each respond bench/bond.json measured: its bandwidth bytes exactly, its energy within 0.2%", () => {
    const notes = (
      JSON.parse(readFileSync(path.join(__dirname, "../../../bench/bond.json"), "utf8")) as {
        notes: Record<"proofDepth" | "tronEnergy" | "tronBandwidth", Record<string, number>>;
      }
    ).notes;
    const files: [string, bigint][] = [
      ["respond_1MiB", 1n << 20n],
      ["respond_1GiB", 1n << 30n],
      ["respond_64GiB", 64n << 30n],
    ];
    for (const [scenario, fileLength] of files) {
      const cost = answerCost(terms(fileLength, 10n ** 17n), MAINNET);
      expect(cost.depth, scenario).to.equal(notes.proofDepth[scenario]);
      expect(cost.bytes, scenario).to.equal(notes.tronBandwidth[scenario]);
      const measured = notes.tronEnergy[scenario];
      expect(
        Math.abs(cost.energy - measured),
        `${scenario}: ${cost.energy} priced, ${measured} measured`,
      ).to.be.at.most(measured * 0.002);
      expect(cost.sun).to.equal(cost.bytes * 1000 + cost.energy * 100);
    }
    // 1 MiB: 17,375 bytes and 23,784 energy (measured 23,790) ≈ 19.75 TRX, as bench/bond.md says.
    expect(answerCost(terms(1n << 20n, 1n), MAINNET).sun / 1e6).to.be.within(19.7, 19.8);
  });

  it("warns when the fee is worth less than an answer at the given rate, and not when it covers it", () => {
    const cheap = challengeFeeWarning(terms(1n << 20n, 10n ** 17n), MAINNET, 1.6e-6);
    expect(cheap).to.match(/^warning: the challenge fee of 0\.1 BTT is worth 1\.60e-7 TRX at 0\.0000016 TRX per BTT/);
    expect(cheap).to.contain("up to");
    expect(challengeFeeWarning(terms(1n << 20n, 30n * 10n ** 18n), MAINNET, 1)).to.equal(undefined);
  });

  it("without a rate, states the cost and the break-even rate", () => {
    const warning = challengeFeeWarning(terms(1n << 20n, 10n ** 18n), MAINNET)!;
    expect(warning).to.match(/answering one challenge burns ≈ 19\.\d\d TRX on TRON \(17,375 bytes of bandwidth/);
    expect(warning).to.match(/it covers that only at 19\.\d TRX per BTT or more/);
    expect(warning).to.contain("SEEDPAY_TRX_PER_BTT");
  });
});
