import type { Provider } from "ethers";
import { decodeEscrowLog, ESCROW_EVENT_TOPICS } from "../events";
import type { EscrowEvent, Unwatch, WatchEscrowEventsParameters } from "../types";

/**
 * Polls an EVM node for escrow events and delivers each log once, in chain order.
 *
 * Survives a dropped connection (a failed poll is reported to onError and retried from the same
 * cursor), and never counts a log twice: every poll re-reads a few blocks behind the cursor, and
 * logs already delivered (by transaction hash and position in the transaction, which a reorg
 * that re-includes the transaction keeps) are skipped. `confirmations` holds events back until buried that deep.
 */
export function watchEscrowEvents(
  provider: Provider,
  escrow: string,
  { fromBlock, onEvents, onError, pollingInterval = 1000, confirmations = 0 }: WatchEscrowEventsParameters,
): Unwatch {
  const REREAD = 12n;
  const delivered = new Map<string, bigint>();
  let cursor: bigint | undefined = fromBlock;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const poll = async (): Promise<void> => {
    const head = BigInt(await provider.getBlockNumber()) - BigInt(confirmations);
    if (cursor === undefined) cursor = head + 1n;
    if (head < cursor) return;
    const from = cursor > REREAD ? cursor - REREAD : 0n;
    const logs = await provider.getLogs({
      address: escrow,
      topics: [ESCROW_EVENT_TOPICS],
      fromBlock: from,
      toBlock: head,
    });
    const fresh: EscrowEvent[] = [];
    const positions = new Map<string, number>();
    for (const log of logs) {
      const position = positions.get(log.transactionHash) ?? 0;
      positions.set(log.transactionHash, position + 1);
      const event = decodeEscrowLog(log, position);
      if (!event || delivered.has(event.id)) continue;
      delivered.set(event.id, event.blockNumber);
      fresh.push(event);
    }
    cursor = head + 1n;
    // Forget ids that can no longer be re-read.
    for (const [id, block] of delivered) if (block + REREAD < from) delivered.delete(id);
    if (fresh.length > 0) await onEvents(fresh);
  };

  const loop = async (): Promise<void> => {
    if (stopped) return;
    try {
      await poll();
    } catch (error) {
      onError?.(error instanceof Error ? error : new Error(String(error)));
    }
    if (!stopped) timer = setTimeout(() => void loop(), pollingInterval);
  };
  void loop();

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
