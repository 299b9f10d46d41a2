import type { Provider } from "ethers";
import { decodeEscrowLog, ESCROW_EVENT_TOPICS } from "../events";
import type { EscrowEvent, Unwatch, WatchEscrowEventsParameters } from "../types";
import { pollLogs } from "./pollLogs";

/**
 * Polls an EVM node for escrow events and delivers each log once, in chain order, across dropped
 * connections and re-reads (see pollLogs).
 */
export function watchEscrowEvents(
  provider: Provider,
  escrow: string,
  { onEvents, ...rest }: WatchEscrowEventsParameters,
): Unwatch {
  return pollLogs(provider, {
    ...rest,
    address: escrow,
    topics: ESCROW_EVENT_TOPICS,
    onLogs: async (logs) => {
      const events = logs
        .map(({ log, positionInTx }) => decodeEscrowLog(log, positionInTx))
        .filter((e): e is EscrowEvent => e !== undefined);
      if (events.length > 0) await onEvents(events);
    },
  });
}
