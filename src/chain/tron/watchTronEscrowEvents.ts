import type { TronWeb } from "tronweb";
import type { EscrowEvent, EventMeta, Unwatch, WatchEscrowEventsParameters } from "../types";
import {
  eventAddress as address,
  eventBytes32 as bytes32,
  watchTronEvents,
  type TronGridEvent,
  type WatchTronEventsOptions,
} from "./watchTronEvents";

export type { TronGridEvent } from "./watchTronEvents";

export type WatchTronEscrowEventsOptions = Pick<WatchTronEventsOptions, "pageSize">;

/**
 * Polls TronGrid's event API (or the devnode's) for escrow events and delivers each once, in
 * chain order, across re-reads and a node that drops requests (see watchTronEvents).
 */
export function watchTronEscrowEvents(
  tronWeb: TronWeb,
  escrow: string,
  parameters: WatchEscrowEventsParameters,
  options: WatchTronEscrowEventsOptions = {},
): Unwatch {
  return watchTronEvents(tronWeb, escrow, { ...parameters, decode: decodeTronEscrowEvent }, options);
}

/** Decodes one TronGrid event of the escrow into the EscrowEvent shape EvmChain delivers; undefined for others. */
export function decodeTronEscrowEvent(e: TronGridEvent, meta: EventMeta): EscrowEvent | undefined {
  const r = e.result;
  switch (e.event_name) {
    case "ChannelOpened":
      return {
        ...meta,
        type: "ChannelOpened",
        channelId: bytes32(r.id),
        payer: address(r.payer),
        payee: address(r.payee),
        signer: address(r.signer),
        disputeWindow: Number(r.disputeWindow),
        salt: BigInt(r.salt),
        deposit: BigInt(r.deposit),
      };
    case "ChannelToppedUp":
      return { ...meta, type: "ChannelToppedUp", channelId: bytes32(r.id), deposit: BigInt(r.deposit) };
    case "ChannelClaimed":
      return { ...meta, type: "ChannelClaimed", channelId: bytes32(r.id), claimed: BigInt(r.claimed) };
    case "ChannelCloseStarted":
      return { ...meta, type: "ChannelCloseStarted", channelId: bytes32(r.id), closesAt: BigInt(r.closesAt) };
    case "ChannelClosed":
      return {
        ...meta,
        type: "ChannelClosed",
        channelId: bytes32(r.id),
        claimed: BigInt(r.claimed),
        refunded: BigInt(r.refunded),
      };
    case "Credited":
      return { ...meta, type: "Credited", account: address(r.account), amount: BigInt(r.amount) };
    case "Withdrawn":
      return { ...meta, type: "Withdrawn", account: address(r.account), to: address(r.to), amount: BigInt(r.amount) };
    default:
      return undefined;
  }
}
