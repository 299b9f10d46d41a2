import type { TronClient } from "./sendContractCall";

/** The chain's prices as last read from /wallet/getchainparameters. */
export type ChainPrices = {
  /** Sun burnt per unit of energy (getEnergyFee). */
  energy: number;
  /** Sun burnt per byte of bandwidth not covered by free or staked bandwidth (getTransactionFee). */
  bandwidth: number;
  /** The largest fee limit a transaction may set, in sun (getMaxFeeLimit). */
  maxFeeLimit: number;
  /** Date.now() when they were read. */
  readAt: number;
};

/** Default trust in a price read: proposals take effect only at a maintenance period (6 h apart). */
export const DEFAULT_PRICE_TTL_MS = 600_000;

/**
 * The chain's prices, read again when older than the client's TTL or when `refresh` is set (after
 * an OUT_OF_ENERGY, which a rise in the energy price causes). Committee proposals change them at
 * runtime: a long-running process that read them once would set every fee limit too low after a
 * rise and burn its whole fee limit on each attempt.
 */
export async function chainPrices(client: TronClient, refresh = false): Promise<ChainPrices> {
  const ttl = client.priceTtlMs ?? DEFAULT_PRICE_TTL_MS;
  if (!refresh && client.prices && Date.now() - client.prices.readAt < ttl) return client.prices;
  const answer = (await client.http.wallet("wallet/getchainparameters")) as {
    chainParameter?: { key: string; value?: number }[];
  };
  const value = (key: string) => answer.chainParameter?.find((p) => p.key === key)?.value;
  client.prices = {
    energy: Number(value("getEnergyFee") ?? 100),
    bandwidth: Number(value("getTransactionFee") ?? 1000),
    maxFeeLimit: Number(value("getMaxFeeLimit") ?? 15e9),
    readAt: Date.now(),
  };
  return client.prices;
}

/**
 * Fee limit in sun for an energy estimate: estimate × margin (the client's unless given) × sun per
 * energy, capped at the chain's maximum.
 */
export async function feeLimitFor(client: TronClient, energy: number, margin = client.feeLimitMargin): Promise<number> {
  return feeLimitOf(await chainPrices(client), energy, margin);
}

/** feeLimitFor with the prices already read. */
export function feeLimitOf(prices: ChainPrices, energy: number, margin: number): number {
  const limit = Math.ceil(Math.max(energy, 1) * margin) * prices.energy;
  return Math.min(limit, prices.maxFeeLimit);
}
