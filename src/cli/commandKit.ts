import { Command, InvalidArgumentError } from "commander";
import { normalizeAddress } from "../voucher/normalizeAddress";
import { parseBtt } from "./format";
import { Output, type CliIo, type CommandResult } from "./output";
import { Session, type GlobalOptions } from "./session";

/** A command's body: gets a session (node, wallet, store on demand) and its own options. */
export type CommandBody<O extends Record<string, unknown>> = (
  session: Session,
  options: O,
  args: string[],
) => Promise<CommandResult | void>;

/**
 * Wraps a command body: builds the session from the global options, prints the result, and always
 * releases the store and the node connection. Errors propagate to `runCli`, which prints them.
 */
export function action<O extends Record<string, unknown>>(
  io: CliIo,
  body: CommandBody<O>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    const out = new Output(io, globals.json === true);
    // "bond offer", not "offer": messages name the command as it is typed.
    const parent = command.parent?.parent ? `${command.parent.name()} ` : "";
    const session = new Session(out, globals, `${parent}${command.name()}`);
    try {
      const result = await body(session, command.opts<O>(), command.args);
      if (result) out.result(result);
    } finally {
      session.close();
    }
  };
}

/** "Examples:" help text: each example is [command line, what it does]. */
export function examples(list: [string, string][]): string {
  return `\nExamples:\n${list.map(([line, what]) => `  # ${what}\n  $ ${line}`).join("\n\n")}\n`;
}

/** `--deposit 10`, `--amount 0.25`: BTT with up to 18 decimals, above zero. */
export function bttArg(value: string): bigint {
  const amount = parseBtt(value);
  if (amount === undefined) {
    throw new InvalidArgumentError("Expected an amount in BTT with at most 18 decimals, e.g. 10 or 0.25.");
  }
  if (amount === 0n) throw new InvalidArgumentError("The amount must be above 0.");
  return amount;
}

/** An address: 0x hex (EIP-55 when mixed case), or TRON base58 / 41-hex. */
export function addressArg(value: string): string {
  try {
    return normalizeAddress(value);
  } catch {
    throw new InvalidArgumentError("Expected an address: 0x + 40 hex digits (or a TRON T... address).");
  }
}

/** Whole seconds, 1 to 2^32 - 1 (the escrow keeps dispute windows in 32 bits). */
export function secondsArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 0xffffffff) {
    throw new InvalidArgumentError("Expected whole seconds between 1 and 4294967295, e.g. 3600.");
  }
  return Number(value);
}

export function portArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError("Expected a TCP port, 0 to 65535 (0 picks a free one).");
  }
  return Number(value);
}

export function countArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
    throw new InvalidArgumentError("Expected a whole number from 1 to 1000.");
  }
  return Number(value);
}

/** Resolves on the first SIGINT or SIGTERM: long-running commands (node, devnode) stop on Ctrl-C. */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
