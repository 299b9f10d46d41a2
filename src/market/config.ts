import { InvalidMarketConfigError } from "./errors";
import type { MarketConfig } from "./types";

/**
 * Defaults: BitTorrent's 10 s rechoke and 30 s optimistic rotation; 4 paid slots as mainline's 4
 * regular unchokes; a non-payer sits out 6 rounds (one minute); a bid stands at most 5 minutes.
 */
export const defaultMarketConfig: MarketConfig = {
  slots: 4,
  reserve: 0n,
  roundMs: 10_000,
  optimisticMs: 30_000,
  penaltyRounds: 6,
  maxBidRounds: 30,
};

/** Fills defaults and refuses settings the auction cannot run with. */
export function marketConfig(overrides: Partial<MarketConfig> = {}): MarketConfig {
  const config = { ...defaultMarketConfig, ...overrides };
  const positiveInt = (field: keyof MarketConfig, min: number) => {
    const v = config[field];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      throw new InvalidMarketConfigError(field, v, `an integer >= ${min}`);
    }
  };
  positiveInt("slots", 0);
  positiveInt("roundMs", 1);
  positiveInt("optimisticMs", 1);
  positiveInt("penaltyRounds", 0);
  positiveInt("maxBidRounds", 1);
  if (typeof config.reserve !== "bigint" || config.reserve < 0n) {
    throw new InvalidMarketConfigError("reserve", config.reserve, "a bigint >= 0n (base units per MiB)");
  }
  return config;
}
