import type { Log, Provider } from "ethers";
import { pollingLoop } from "../pollingLoop";
import { logId } from "../events";
import type { Unwatch } from "../types";

export type PollLogsParameters = {
  address: string;
  /** Topic-0 alternatives to match. */
  topics: string[];
  fromBlock?: bigint;
  /** Logs not delivered before, in chain order, each with its id (see logId) and position in its transaction. */
  onLogs: (logs: { log: Log; id: string; positionInTx: number }[]) => void | Promise<void>;
  onError?: (error: Error) => void;
  pollingInterval?: number;
  confirmations?: number;
  /**
   * Most blocks one eth_getLogs call spans; default 2,000. Public RPC endpoints cap the range, so a
   * watch that starts (or resumes) far behind the head catches up in several calls.
   */
  maxBlockRange?: number;
};

/** Blocks re-read behind the cursor on every poll, so logs of a shallow reorg are seen again. */
const REREAD = 12n;

/**
 * Polls an EVM node for logs and delivers each once, in chain order.
 *
 * Survives a dropped connection (a failed poll is reported to onError and retried from the same
 * cursor), and never delivers a log twice once `onLogs` has returned (one that throws is reported
 * to onError and gets the same logs again): every poll re-reads a few blocks behind the cursor,
 * and logs already delivered (by transaction hash and position in the transaction, which a reorg
 * that re-includes the transaction keeps) are skipped. `confirmations` holds logs back until
 * buried that deep.
 */
export function pollLogs(
  provider: Provider,
  {
    address,
    topics,
    fromBlock,
    onLogs,
    onError,
    pollingInterval = 1000,
    confirmations = 0,
    maxBlockRange = 2_000,
  }: PollLogsParameters,
): Unwatch {
  // Each call re-reads REREAD blocks behind the cursor; it must also move the cursor forward.
  const span = BigInt(Math.max(maxBlockRange, Number(REREAD) + 1));
  const delivered = new Map<string, bigint>();
  let cursor: bigint | undefined = fromBlock;
  // Nothing before where the watch starts is delivered, re-read window included.
  let floor: bigint | undefined = fromBlock;

  const poll = async (): Promise<void> => {
    const head = BigInt(await provider.getBlockNumber()) - BigInt(confirmations);
    if (cursor === undefined) cursor = head + 1n;
    if (floor === undefined) floor = cursor;
    while (cursor <= head && watching) await readRange(head);
  };

  /** Reads from a little behind the cursor up to at most `span` blocks, delivers, moves the cursor. */
  const readRange = async (head: bigint): Promise<void> => {
    const behind = cursor! > REREAD ? cursor! - REREAD : 0n;
    const from = behind > floor! ? behind : floor!;
    const to = from + span - 1n < head ? from + span - 1n : head;
    const logs = await provider.getLogs({ address, topics: [topics], fromBlock: from, toBlock: to });
    const fresh: { log: Log; id: string; positionInTx: number }[] = [];
    const positions = new Map<string, number>();
    for (const log of logs) {
      const positionInTx = positions.get(log.transactionHash) ?? 0;
      positions.set(log.transactionHash, positionInTx + 1);
      const id = logId(log.transactionHash, positionInTx);
      if (delivered.has(id)) continue;
      fresh.push({ log, id, positionInTx });
    }
    // Marked as delivered only once the handler has taken them: a handler that throws gets the
    // same logs again on the next poll (at least once, rather than lost for this run).
    if (fresh.length > 0) await onLogs(fresh);
    for (const { log, id } of fresh) delivered.set(id, BigInt(log.blockNumber));
    cursor = to + 1n;
    // Forget ids that can no longer be re-read.
    for (const [id, block] of delivered) if (block + REREAD < from) delivered.delete(id);
  };

  let watching = true;
  const stop = pollingLoop(poll, pollingInterval, onError);
  return () => {
    watching = false; // also ends a catch-up in progress after its current range
    stop();
  };
}
