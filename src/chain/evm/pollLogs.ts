import type { Log, Provider } from "ethers";
import { pollingLoop } from "../pollingLoop";
import { logId } from "../events";
import { withDeadline } from "../withDeadline";
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
  /**
   * Blocks re-read behind the cursor on every poll; default 64. A log a lagging replica left out
   * (load-balanced nodes: eth_getLogs served by one 20 blocks behind the one answering
   * eth_blockNumber) or a reorg moved is found on a later poll, as long as the lag is shorter.
   */
  reread?: number;
  /** Milliseconds one request may take before the poll fails and is retried; default 10000. */
  requestTimeout?: number;
};

/**
 * Polls an EVM node for logs and delivers each once, in chain order.
 *
 * Survives a dropped connection (a failed poll is reported to onError and retried from the same
 * cursor), a hung one (every request has a deadline), and a log source lagging the head (every
 * poll re-reads `reread` blocks behind the cursor). Never delivers a log twice once `onLogs` has
 * returned (one that throws is reported to onError and gets the same logs again): logs already
 * delivered (by transaction hash, position in the transaction and block hash) are skipped, so a
 * log that a reorg moved to another block is delivered again. `confirmations` holds logs back
 * until buried that deep.
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
    reread = 64,
    requestTimeout = 10_000,
  }: PollLogsParameters,
): Unwatch {
  const REREAD = BigInt(Math.max(0, reread));
  // Each call re-reads REREAD blocks behind the cursor; it must also move the cursor forward.
  const span = BigInt(Math.max(maxBlockRange, Number(REREAD) + 1));
  /** Delivered logs by id and block hash (a log re-included in another block is new), with their block. */
  const delivered = new Map<string, bigint>();
  let cursor: bigint | undefined = fromBlock;
  // Nothing before where the watch starts is delivered, re-read window included.
  let floor: bigint | undefined = fromBlock;

  const poll = async (): Promise<void> => {
    const latest = await withDeadline(provider.getBlockNumber(), requestTimeout, "eth_blockNumber");
    const head = BigInt(latest) - BigInt(confirmations);
    if (cursor === undefined) cursor = head + 1n;
    if (floor === undefined) floor = cursor;
    while (cursor <= head && watching) await readRange(head);
  };

  /** Reads from a little behind the cursor up to at most `span` blocks, delivers, moves the cursor. */
  const readRange = async (head: bigint): Promise<void> => {
    const behind = cursor! > REREAD ? cursor! - REREAD : 0n;
    const from = behind > floor! ? behind : floor!;
    const to = from + span - 1n < head ? from + span - 1n : head;
    const logs = await withDeadline(
      provider.getLogs({ address, topics: [topics], fromBlock: from, toBlock: to }),
      requestTimeout,
      `eth_getLogs ${from}..${to}`,
    );
    const fresh: { log: Log; id: string; positionInTx: number; key: string }[] = [];
    const positions = new Map<string, number>();
    for (const log of logs) {
      // A node answering for other blocks than asked (a broken replica or proxy) is not trusted.
      if (BigInt(log.blockNumber) < from || BigInt(log.blockNumber) > to) {
        throw new Error(`eth_getLogs ${from}..${to} answered a log of block ${log.blockNumber}: the node is faulty`);
      }
      if (log.removed) continue;
      const positionInTx = positions.get(`${log.blockHash}:${log.transactionHash}`) ?? 0;
      positions.set(`${log.blockHash}:${log.transactionHash}`, positionInTx + 1);
      const id = logId(log.transactionHash, positionInTx);
      // Keyed by block hash too: a close reorged out and re-included in another block is seen again.
      const key = `${id}@${log.blockHash}`;
      if (delivered.has(key) || fresh.some((f) => f.key === key)) continue;
      fresh.push({ log, id, positionInTx, key });
    }
    // Marked as delivered only once the handler has taken them: a handler that throws gets the
    // same logs again on the next poll (at least once, rather than lost for this run).
    if (fresh.length > 0) await onLogs(fresh.map(({ log, id, positionInTx }) => ({ log, id, positionInTx })));
    for (const { log, key } of fresh) delivered.set(key, BigInt(log.blockNumber));
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
