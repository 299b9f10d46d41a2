import { toJson } from "./format";

/** Where a CLI run reads and writes: the process's streams, or a test's. */
export type CliIo = {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
};

/** What a command reports: lines for people, one object for `--json`. */
export type CommandResult = {
  text: string[];
  json: Record<string, unknown>;
};

/**
 * The only writer of a CLI run. Results go to stdout (text, or one JSON document with `--json`);
 * progress, warnings and errors go to stderr, so stdout stays machine-readable.
 */
export class Output {
  private lineOpen = false;

  constructor(
    readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** Starts a progress line on stderr ("sending open… "); finish it with `done`. */
  begin(text: string): void {
    this.closeLine();
    this.io.stderr.write(text);
    this.lineOpen = true;
  }

  /** Ends the progress line started by `begin`. */
  done(text: string): void {
    this.io.stderr.write(this.lineOpen ? `${text}\n` : `  ${text}\n`);
    this.lineOpen = false;
  }

  /** A line of progress or information on stderr. */
  note(text: string): void {
    this.closeLine();
    this.io.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.note(`warning: ${text}`);
  }

  result(result: CommandResult): void {
    this.closeLine();
    if (this.json) this.io.stdout.write(`${toJson(result.json)}\n`);
    else if (result.text.length > 0) this.io.stdout.write(`${result.text.join("\n")}\n`);
  }

  /** Raw stdout, for output that is the same in both modes (a voucher to pipe into `receive`). */
  raw(text: string): void {
    this.closeLine();
    this.io.stdout.write(text);
  }

  private closeLine(): void {
    if (this.lineOpen) this.io.stderr.write("\n");
    this.lineOpen = false;
  }
}
