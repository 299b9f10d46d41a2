/**
 * What a piece costs and which terms a buyer can work with. The unit of account is the piece:
 * the seller reserves a piece's price when it accepts the first request for one of its blocks,
 * the buyer pays for a piece once it has verified it, and both price it the same way.
 */
import { MIB } from "./constants";
import type { Terms } from "./messages";

/** ceil(bytes × pricePerMiB / 2^20): a zero price is free; a nonzero price never rounds to zero. */
export function piecePrice(pricePerMiB: bigint, bytes: number): bigint {
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new RangeError(`piece size must be a non-negative integer, got ${bytes}`);
  return (BigInt(bytes) * pricePerMiB + MIB - 1n) / MIB;
}

export type BuyerLimits = {
  chainId: bigint;
  escrow: string;
  /** The most this buyer pays per MiB. */
  maxPricePerMiB: bigint;
  /** The dispute window of the channels it opens (seconds): the seller's minimum must not exceed it. */
  disputeWindow: number;
};

/**
 * Why a buyer cannot pay under `terms` for pieces of `pieceBytes`, or undefined when it can. A credit limit below one piece
 * would leave both sides waiting forever (the seller for a voucher, the buyer for a whole piece to
 * verify), so such terms are refused up front.
 */
export function termsProblem(terms: Terms, limits: BuyerLimits & { pieceBytes: number }): string | undefined {
  if (terms.chainId !== limits.chainId) return `chain ${terms.chainId}, this client pays on chain ${limits.chainId}`;
  if (terms.escrow.toLowerCase() !== limits.escrow.toLowerCase())
    return `escrow ${terms.escrow}, this client pays through ${limits.escrow}`;
  if (terms.pricePerMiB > limits.maxPricePerMiB)
    return `price ${terms.pricePerMiB} per MiB is above this client's ${limits.maxPricePerMiB}`;
  if (terms.minDisputeWindow > limits.disputeWindow)
    return `the seller needs a ${terms.minDisputeWindow} s dispute window, this client's channels have ${limits.disputeWindow} s`;
  const onePiece = piecePrice(terms.pricePerMiB, limits.pieceBytes);
  if (terms.creditLimit < onePiece) return `credit ${terms.creditLimit} does not cover one piece (${onePiece})`;
  return undefined;
}

/**
 * Why a bidding buyer cannot take part in the auction advertised in `terms`, or undefined when it
 * can: the same chain, escrow and window checks as fixed-price terms, a reserve at or below its
 * value, and a credit that covers one piece at its value (the most a won round can charge).
 */
export function auctionTermsProblem(terms: Terms, limits: BuyerLimits & { pieceBytes: number }): string | undefined {
  if (!terms.auction) return "the terms advertise no auction";
  const base = termsProblem({ ...terms, pricePerMiB: 0n, creditLimit: terms.creditLimit }, limits);
  if (base) return base;
  if (terms.auction.reservePerMiB > limits.maxPricePerMiB)
    return `reserve ${terms.auction.reservePerMiB} per MiB is above this client's value ${limits.maxPricePerMiB}`;
  const onePiece = piecePrice(limits.maxPricePerMiB, limits.pieceBytes);
  if (terms.creditLimit < onePiece)
    return `credit ${terms.creditLimit} does not cover one piece at our bid (${onePiece})`;
  return undefined;
}
