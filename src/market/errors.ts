import { SeedpayError, showValue } from "../errors/base";

/** A bid a seeder cannot accept: says which field was wrong and what is accepted. */
export class InvalidBidError extends SeedpayError {
  override name = "InvalidBidError";
  constructor(field: string, value: unknown, accepted: string) {
    super(`Invalid bid: ${field} is ${showValue(value)}.`, { metaMessages: [`Accepted: ${accepted}.`] });
  }
}

/** Market settings that cannot run an auction: says which and what is accepted. */
export class InvalidMarketConfigError extends SeedpayError {
  override name = "InvalidMarketConfigError";
  constructor(field: string, value: unknown, accepted: string) {
    super(`Invalid market setting: ${field} is ${showValue(value)}.`, { metaMessages: [`Accepted: ${accepted}.`] });
  }
}

/** Leecher bidding settings that cannot be followed. */
export class InvalidBiddingStrategyError extends SeedpayError {
  override name = "InvalidBiddingStrategyError";
  constructor(field: string, value: unknown, accepted: string) {
    super(`Invalid bidding setting: ${field} is ${showValue(value)}.`, { metaMessages: [`Accepted: ${accepted}.`] });
  }
}
