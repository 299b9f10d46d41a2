/**
 * `seedpay get`'s progress on stderr: one live line rewritten in place on a terminal, plain
 * periodic lines otherwise (a log file, a pipe, a test), and always a last line at the end. The
 * line's shape is fixed so scripts can read it:
 *   progress: 12/48 pieces (25%), 3.00/12.00 MiB, 4.21 MiB/s, spent 3 BTT, 2 peers (1 paid)
 * and, bidding at auction sellers (--budget), the rounds this client's bids won and lost so far:
 *   progress: 12/48 pieces (25%), 3.00/12.00 MiB, 4.21 MiB/s, spent 3 BTT, 2 peers (1 paid), rounds won 4 lost 2
 */
import { formatBtt } from "./format";

export type ProgressSnapshot = {
  piecesDone: number;
  pieces: number;
  bytesDone: number;
  bytes: number;
  /** Bytes per second over the last interval. */
  speed: number;
  spent: bigint;
  peers: number;
  paid: number;
  /** Bidding (--budget): rounds won and lost over every auction seller. */
  rounds?: { won: number; lost: number };
};

const MIB = 1024 * 1024;

export function progressLine(p: ProgressSnapshot): string {
  const percent = p.pieces === 0 ? 0 : Math.floor((p.piecesDone * 100) / p.pieces);
  return (
    `progress: ${p.piecesDone}/${p.pieces} pieces (${percent}%), ` +
    `${(p.bytesDone / MIB).toFixed(2)}/${(p.bytes / MIB).toFixed(2)} MiB, ${(p.speed / MIB).toFixed(2)} MiB/s, ` +
    `spent ${formatBtt(p.spent)}, ${p.peers} peer${p.peers === 1 ? "" : "s"} (${p.paid} paid)` +
    (p.rounds ? `, rounds won ${p.rounds.won} lost ${p.rounds.lost}` : "")
  );
}

/** Parses a line `progressLine` wrote (what tests and scripts read back); undefined if it is not one. */
export function parseProgressLine(line: string): (Omit<ProgressSnapshot, "spent"> & { spent: string }) | undefined {
  const m =
    /^progress: (\d+)\/(\d+) pieces \(\d+%\), ([\d.]+)\/([\d.]+) MiB, ([\d.]+) MiB\/s, spent ([\d.]+) BTT, (\d+) peers? \((\d+) paid\)(?:, rounds won (\d+) lost (\d+))?$/.exec(
      line,
    );
  if (!m) return undefined;
  return {
    piecesDone: Number(m[1]),
    pieces: Number(m[2]),
    bytesDone: Math.round(Number(m[3]) * MIB),
    bytes: Math.round(Number(m[4]) * MIB),
    speed: Math.round(Number(m[5]) * MIB),
    spent: m[6],
    peers: Number(m[7]),
    paid: Number(m[8]),
    ...(m[9] !== undefined && { rounds: { won: Number(m[9]), lost: Number(m[10]) } }),
  };
}

/** Writes progress to `stream`: a live line on a TTY, a line per `plainEveryMs` otherwise. */
export class ProgressReporter {
  private live = false;
  private lastPlain = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly plainEveryMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  update(p: ProgressSnapshot): void {
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${progressLine(p)}`);
      this.live = true;
    } else if (this.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = this.now();
      this.stream.write(`${progressLine(p)}\n`);
    }
  }

  /** A message between progress lines (a seller declined, a channel opened). */
  note(text: string): void {
    this.endLine();
    this.stream.write(`${text}\n`);
  }

  /** The last line, whatever the interval. */
  finish(p: ProgressSnapshot): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${progressLine(p)}\n`);
    else this.stream.write(`${progressLine(p)}\n`);
    this.live = false;
  }

  /** Ends a live line so what follows starts on its own line. */
  endLine(): void {
    if (this.live) this.stream.write("\n");
    this.live = false;
  }
}
