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
  it("prices a respond's calldata as bandwidth: 17,060 bytes of calldata for 1 MiB (bench/bond.json), ≈ 19.6 TRX", () => {
    const cost = answerCost(terms(1n << 20n, 10n ** 17n), MAINNET);
    expect(cost.depth).to.equal(6);
    expect(cost.bytes - 277).to.equal(17_060);
    expect(cost.sun).to.equal(cost.bytes * 1000 + cost.energy * 100);
    expect(cost.sun / 1e6).to.be.within(19, 20.5);
    // 64 GiB: depth 22, 17,572 bytes of calldata as bench/bond.json measured.
    expect(answerCost(terms(64n << 30n, 1n), MAINNET).bytes - 277).to.equal(17_572);
  });

  it("warns when the fee is worth less than an answer at the given rate, and not when it covers it", () => {
    const cheap = challengeFeeWarning(terms(1n << 20n, 10n ** 17n), MAINNET, 1.6e-6);
    expect(cheap).to.match(/^warning: the challenge fee of 0\.1 BTT is worth 1\.60e-7 TRX at 0\.0000016 TRX per BTT/);
    expect(cheap).to.contain("up to");
    expect(challengeFeeWarning(terms(1n << 20n, 30n * 10n ** 18n), MAINNET, 1)).to.equal(undefined);
  });

  it("without a rate, states the cost and the break-even rate", () => {
    const warning = challengeFeeWarning(terms(1n << 20n, 10n ** 18n), MAINNET)!;
    expect(warning).to.match(/answering one challenge burns ≈ 19\.\d\d TRX on TRON \(17,337 bytes of bandwidth/);
    expect(warning).to.match(/it covers that only at 19\.\d TRX per BTT or more/);
    expect(warning).to.contain("SEEDPAY_TRX_PER_BTT");
  });
});
