import type { Terms } from "../wire/messages";
import { formatBtt, formatDuration } from "./format";

/** What `seedpay get` knows of a peer: its sp_pay terms (if it sent any) and its buyer session's state. */
export type PeerPaymentState = {
  terms?: Terms;
  /** Its terms were there but could not be decoded. */
  termsError?: string;
  /** The buyer session's mode; undefined with --no-pay. */
  mode?: "plain" | "opening" | "announced" | "paying";
  /** Why the library declined to pay it. */
  declined?: string;
};

export type BuyerSide = { maxPrice: bigint; window: number; chainId: bigint; escrow: string; budget?: bigint };

/**
 * Why a selling peer is not paid, in the user's terms (BTT, flags) and with what to do about it;
 * undefined while it is paid, being paid, or is a plain peer (nothing to explain).
 */
export function unpaidReason(peer: PeerPaymentState, buyer: BuyerSide): string | undefined {
  const t = peer.terms;
  if (peer.termsError) return `its sp_pay terms cannot be read (${peer.termsError}): an ordinary peer here`;
  if (!t || peer.mode !== "plain") return undefined;
  if (t.chainId !== buyer.chainId) {
    return (
      `it sells on chain ${t.chainId} (escrow ${t.escrow}), this client pays on chain ${buyer.chainId}: ` +
      "an ordinary peer here (to pay it, point --rpc / --network at its chain)"
    );
  }
  if (t.escrow.toLowerCase() !== buyer.escrow.toLowerCase()) {
    return (
      `it sells through escrow ${t.escrow}, this client pays through ${buyer.escrow}: an ordinary peer here ` +
      "(--escrow / --network chooses the escrow)"
    );
  }
  if (t.auction && buyer.budget === undefined) {
    return (
      "it sells upload slots by auction and this client has no --budget: an ordinary peer here " +
      "(pass --budget <btt> to bid up to --max-price per MiB for its paid slots)"
    );
  }
  if (t.auction && t.auction.reservePerMiB > buyer.maxPrice) {
    return (
      `its auction reserve ${formatBtt(t.auction.reservePerMiB)} per MiB is above --max-price ${formatBtt(buyer.maxPrice)}: ` +
      "an ordinary peer here"
    );
  }
  if (t.pricePerMiB > buyer.maxPrice) {
    return `its price ${formatBtt(t.pricePerMiB)} per MiB is above --max-price ${formatBtt(buyer.maxPrice)}: an ordinary peer here`;
  }
  if (t.minDisputeWindow > buyer.window) {
    return (
      `it needs dispute windows of ${formatDuration(t.minDisputeWindow)} or more, this client opens ${formatDuration(buyer.window)}: ` +
      `an ordinary peer here (pass --window ${t.minDisputeWindow} to pay it)`
    );
  }
  if (peer.declined) return `${peer.declined}: an ordinary peer here`;
  return undefined;
}
