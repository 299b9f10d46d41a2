/**
 * Bounded write-ahead for a seller's connection. bittorrent-protocol's `wire.piece()` pushes a
 * block into the wire's readable buffer at once, and that buffer has no limit: when the link (or
 * WebTorrent's upload throttle) is slower than the disk, it holds seconds of blocks, and every
 * control message written after them (`round`, `ack`, `owed`, a choke) waits behind all of them.
 * Here blocks are queued in front of the wire instead, and handed to it only while its buffer holds
 * less than about `targetMs` of data at the connection's upload rate; control messages still go
 * straight to the wire, so they wait behind at most that much.
 */
import type { Wire } from "./torrentTypes";

/**
 * Never fewer bytes ahead than this: two 16 KiB blocks. It must exceed streamx's high-water mark
 * (16 KiB): the refill runs when the buffer drops below that mark, and a bound under it would
 * push nothing then and never be asked again (streamx waits for a push before reading ahead).
 */
export const MIN_WRITE_AHEAD_BYTES = 32 * 1024;
/** Never more than this, whatever the rate: a bound on the memory a fast link ties up in the wire. */
export const MAX_WRITE_AHEAD_BYTES = 4 * 1024 * 1024;
/** Default target: a control message waits behind at most about this much data (ms at the measured rate). */
export const WRITE_AHEAD_MS = 100;

export type WriteAheadOptions = {
  /** Target delay in ms of data kept ahead in the wire's buffer; default WRITE_AHEAD_MS. */
  targetMs?: number;
  /** A block is being handed to the wire (the moment both sides order it against `round`). */
  onWrite?(index: number): void;
};

export type WriteAhead = {
  /** Blocks waiting in front of the wire. */
  readonly queued: number;
  /** The most the wire's buffer may hold before blocks wait, in bytes, now. */
  bound(): number;
  /** The peer cancelled a request: drop its block if it has not reached the wire. True if dropped. */
  cancel(index: number, offset: number, length: number): boolean;
};

/** bittorrent-protocol's Wire is a streamx Duplex: these are the streamx internals used here. */
type StreamxWire = Wire & {
  _readableState?: { buffered?: number };
  _read?: (cb: (err: Error | null) => void) => void;
  uploadSpeed?: () => number;
};

type Block = { index: number; offset: number; block: Uint8Array };

/**
 * Replaces `wire.piece` with a queued version (call before anything else wraps it). The queue
 * is refilled into the wire whenever streamx asks the wire for more data (its `_read`, called when
 * the buffer has drained below its 16 KiB high-water mark) and whenever a block is queued. A choke
 * drops queued blocks (the peer's requests are void after a choke; with BEP 6 each gets a reject).
 */
export function boundWriteAhead(wire: Wire, options: WriteAheadOptions = {}): WriteAhead {
  const w = wire as StreamxWire;
  const targetMs = options.targetMs ?? WRITE_AHEAD_MS;
  const queue: Block[] = [];
  const piece = wire.piece.bind(wire);
  const buffered = (): number | undefined => w._readableState?.buffered;
  // Not the streamx wire this was written against: write through, as bittorrent-protocol does.
  if (typeof buffered() !== "number" || typeof w._read !== "function") {
    wire.piece = (index, offset, block) => {
      options.onWrite?.(index);
      piece(index, offset, block);
    };
    return { queued: 0, bound: () => Infinity, cancel: () => false };
  }
  const bound = (): number => {
    const rate = w.uploadSpeed?.() ?? 0;
    const bytes = Math.round((rate * targetMs) / 1000);
    return Math.min(MAX_WRITE_AHEAD_BYTES, Math.max(MIN_WRITE_AHEAD_BYTES, bytes));
  };
  const flush = (): void => {
    if (queue.length === 0) return;
    const limit = bound();
    while (queue.length > 0 && !wire.destroyed && buffered()! < limit) {
      const { index, offset, block } = queue.shift()!;
      options.onWrite?.(index);
      piece(index, offset, block);
    }
  };
  wire.piece = (index, offset, block) => {
    queue.push({ index, offset, block });
    flush();
  };
  const read = w._read.bind(w);
  w._read = (cb) => {
    flush();
    read(cb);
  };
  const choke = wire.choke.bind(wire);
  wire.choke = () => {
    const wasChoking = wire.amChoking;
    choke();
    if (wasChoking || queue.length === 0) return;
    for (const { index, offset, block } of queue.splice(0)) {
      if (wire.hasFast) wire.reject(index, offset, block.length);
    }
  };
  wire.once("close", () => {
    queue.length = 0;
  });
  return {
    get queued() {
      return queue.length;
    },
    bound,
    cancel(index, offset, length) {
      const at = queue.findIndex((b) => b.index === index && b.offset === offset && b.block.length === length);
      if (at < 0) return false;
      queue.splice(at, 1);
      return true;
    },
  };
}
