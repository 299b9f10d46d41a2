import type { EscrowEvent, EventMeta, Unwatch, WatchEscrowEventsParameters } from "../types";
import type { TronHttp } from "./tronHttp";
import {
  eventAddress as address,
  eventBytes32 as bytes32,
  watchTronEvents,
  type TronGridEvent,
  type WatchTronEventsOptions,
} from "./watchTronEvents";

export type { TronGridEvent } from "./watchTronEvents";

export type WatchTronEscrowEventsOptions = Pick<WatchTronEventsOptions, "pageSize"> & {
  /** Milliseconds between polls while no dispute window is open (see watchTronEvents). */
  idlePollingInterval?: number;
};

/**
 * Polls TronGrid's event API (or the devnode's) for escrow events and delivers each once, in
 * chain order, across re-reads and a node that drops requests (see watchTronEvents). A
 * ChannelCloseStarted opens a dispute window: the watcher polls fast until the window ends.
 */
export function watchTronEscrowEvents(
  http: TronHttp,
  escrow: string,
  parameters: WatchEscrowEventsParameters,
  { idlePollingInterval, ...options }: WatchTronEscrowEventsOptions = {},
): Unwatch {
  return watchTronEvents(
    http,
    escrow,
    {
      ...parameters,
      idlePollingInterval,
      decode: decodeTronEscrowEvent,
      urgentUntil: (e) => (e.type === "ChannelCloseStarted" ? e.closesAt : undefined),
    },
    options,
  );
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
