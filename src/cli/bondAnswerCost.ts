import type { DealTerms } from "../chain/bondTypes";
import { BLOCK_SIZE } from "../storage/constants";
import { CliUsageError } from "./errors";
import { formatBtt } from "./format";
import type { Session } from "./session";
import { TronNode } from "./tronNode";

/**
 * Bytes a TriggerSmartContract adds around its calldata (raw data, one signature, 64 reserved for
 * the result): bench/bond.json's tronBandwidth minus calldataBytes, 283 for every respond.
 */
const TX_OVERHEAD_BYTES = 283;
/**
 * TRON energy of `respond` by proof depth, a least-squares fit to bench/bond.json (23,790 at
 * depth 6, 31,642 at 16, 36,414 at 22; the fit is within 32 of each): hashing the path
 * dominates; calldata costs no energy on TRON.
 */
const respondEnergy = (depth: number) => 19_050 + 789 * depth;

/** What answering one challenge of a deal burns on TRON, with no staked bandwidth or energy. */
export function answerCost(terms: DealTerms, prices: { energySun: number; bandwidthSun: number }) {
  const blocks = (terms.fileLength + BigInt(BLOCK_SIZE - 1)) / BigInt(BLOCK_SIZE);
  let depth = 0;
  while (1n << BigInt(depth) < blocks) depth++;
  // respond(terms, block, proof): selector, the 12-word terms tuple (one word per DealTerms
  // field), two offsets, the block (length + 16 KiB), the proof (length + a word per level).
  const calldata = 4 + 12 * 32 + 2 * 32 + 32 + BLOCK_SIZE + 32 + 32 * depth;
  const bytes = calldata + TX_OVERHEAD_BYTES;
  const energy = respondEnergy(depth);
  const sun = bytes * prices.bandwidthSun + energy * prices.energySun;
  return { depth, bytes, energy, sun };
}

/**
 * A warning for a provider about to accept a deal on TRON: each answer burns ≈ 17 TRX of
 * bandwidth (a 16 KiB block of calldata) plus energy, paid in TRX, while the challenge fee is
 * paid in BTT. With `trxPerBtt` (SEEDPAY_TRX_PER_BTT) it warns only when the fee is worth less than
 * the answer; without it, it always states the cost and the break-even rate. Undefined: no warning.
 */
export function challengeFeeWarning(
  terms: DealTerms,
  prices: { energySun: number; bandwidthSun: number },
  trxPerBtt?: number,
): string | undefined {
  const cost = answerCost(terms, prices);
  const trx = cost.sun / 1e6;
  const fee = Number(terms.challengeFee) / 1e18;
  const what =
    `answering one challenge burns ≈ ${trx.toFixed(2)} TRX on TRON (${cost.bytes.toLocaleString("en-US")} bytes ` +
    `of bandwidth at ${prices.bandwidthSun} sun a byte and ${cost.energy.toLocaleString("en-US")} energy at ` +
    `${prices.energySun} sun), up to ${(trx * Number(terms.maxChallenges)).toFixed(2)} TRX for ${terms.maxChallenges} challenges`;
  if (trxPerBtt !== undefined) {
    if (fee * trxPerBtt >= trx) return undefined;
    return (
      `warning: the challenge fee of ${formatBtt(terms.challengeFee)} is worth ${(fee * trxPerBtt).toPrecision(3)} TRX ` +
      `at ${trxPerBtt} TRX per BTT, but ${what}; stake bandwidth for the account, or ask for a higher fee`
    );
  }
  const breakEven = fee > 0 ? `it covers that only at ${(trx / fee).toPrecision(3)} TRX per BTT or more` : "it is zero";
  return (
    `warning: ${what}; the challenge fee is ${formatBtt(terms.challengeFee)}: ${breakEven} ` +
    "(set SEEDPAY_TRX_PER_BTT to check against a rate; staked bandwidth avoids the burn)"
  );
}

/** Prints challengeFeeWarning to stderr when the session is on TRON, with the chain's current prices. */
export async function warnChallengeFee(s: Session, terms: DealTerms): Promise<void> {
  if (!s.isTron) return;
  const node = await s.node();
  if (!(node instanceof TronNode)) return;
  const answer = (await node.http.wallet("wallet/getchainparameters")) as {
    chainParameter?: { key: string; value?: number }[];
  };
  const value = (key: string, fallback: number) =>
    Number(answer.chainParameter?.find((p) => p.key === key)?.value ?? fallback);
  const rate = s.io.env.SEEDPAY_TRX_PER_BTT;
  const trxPerBtt = rate === undefined || rate === "" ? undefined : Number(rate);
  if (trxPerBtt !== undefined && !(trxPerBtt >= 0)) {
    throw new CliUsageError(`SEEDPAY_TRX_PER_BTT=${rate} is not a number of TRX per BTT (e.g. 0.0000016)`);
  }
  const prices = { energySun: value("getEnergyFee", 100), bandwidthSun: value("getTransactionFee", 1000) };
  const warning = challengeFeeWarning(terms, prices, trxPerBtt);
  if (warning) s.io.stderr.write(warning + "\n");
}
