import { Command, CommanderError } from "commander";
import { SeedpayError } from "../errors/base";
import { packageVersion } from "../package/packageRoot";
import { COMMANDS, commandNamed } from "./commandTable";
import type { CliIo } from "./output";

const GLOBAL_HELP = `
The node: an EVM JSON-RPC node (--rpc, default http://127.0.0.1:8545: \`seedpay node\`) or a TRON node
through TronWeb (--tron URL, or --network NAME for TRON's networks, as in tronbox.js):
  --network development   http://127.0.0.1:9090, \`seedpay devnode\` (TRONBOX_DEVELOPMENT_URL overrides)
  --network shasta        https://api.shasta.trongrid.io, chain 2494104990 (TRONBOX_SHASTA_URL)
  --network nile          https://nile.trongrid.io, chain 3448148188 (TRONBOX_NILE_URL)
  --network mainnet       https://api.trongrid.io, chain 728126428 (TRONBOX_MAINNET_URL)
  TRON_PRO_API_KEY        TronGrid's API key, sent when set
The network also names the deployment file, <deployments>/<network>.json (default: localhost on EVM,
development on TRON). On TRON, addresses are printed in base58 (T…); any form is accepted.

Keys come only from the environment or key files, never from arguments (TRON keys are the same
64 hex digits):
  SEEDPAY_PRIVATE_KEY / --key-file FILE          the wallet (sends transactions)
  SEEDPAY_SIGNER_KEY  / --signer-key-file FILE   the hot key that signs vouchers (default: the wallet key)

Amounts are in BTT (18 decimals): 10, 0.25. With --json, amounts are {"btt", "baseUnits"}.

Walkthrough on the embedded chain (see the README, "Pay and claim with the CLI"):
  $ seedpay node                                   # terminal 1
  $ seedpay deploy --test-token                    # terminal 2, SEEDPAY_PRIVATE_KEY set
  $ seedpay open --payee 0x… --deposit 10
  $ seedpay pay --channel 0x1a2b3c4d --amount 0.25 | SEEDPAY_PRIVATE_KEY=… seedpay --db payee.db receive
  $ seedpay status
  $ SEEDPAY_PRIVATE_KEY=… seedpay --db payee.db consent --channel 0x1a2b3c4d | seedpay close --consent -

The same on the TRON development node (README, "The CLI on TRON"):
  $ seedpay devnode                                # terminal 1: prints funded TRON keys
  $ seedpay --network development deploy --test-token   # or: npx tronbox migrate --network development
  $ seedpay --network development open --payee T… --deposit 10
`;

/**
 * The `seedpay` program, writing to `io` (a test passes its own streams and environment). With
 * `only`, just that command is loaded; the others are listed by name and summary (what the
 * program's help shows) without loading their modules and what they import.
 */
export function buildProgram(io: CliIo, only?: { command: string | undefined }): Command {
  const program = new Command("seedpay")
    .description(
      "Pay torrent peers in BTT through one-way payment channels: open, pay, receive, claim, close, settle;\n" +
        "and bond storage deals (seedpay bond). On EVM nodes and on TRON.",
    )
    .version(packageVersion(), "-V, --version")
    .option("--rpc <url>", "EVM JSON-RPC node (env SEEDPAY_RPC; default http://127.0.0.1:8545)")
    .option("--tron <url>", "TRON node, TronWeb's fullHost (env SEEDPAY_TRON), e.g. http://127.0.0.1:9090")
    .option("--escrow <address>", "ChannelEscrow address (env SEEDPAY_ESCROW; default: from the deployment file)")
    .option(
      "--network <name>",
      "deployment file <deployments>/<name>.json (env SEEDPAY_NETWORK; default localhost, or development on " +
        "TRON); development, shasta, nile and mainnet also choose TRON's node for that network",
    )
    .option("--deployments <dir>", "where deployment files live (env SEEDPAY_DEPLOYMENTS; default ./deployments)")
    .option("--db <path>", "channel and voucher store, SQLite (env SEEDPAY_DB; default ./seedpay.db)")
    .option("--key-file <file>", "file holding the wallet's hex private key (else env SEEDPAY_PRIVATE_KEY)")
    .option("--signer-key-file <file>", "file holding the voucher signer's hex key (else env SEEDPAY_SIGNER_KEY)")
    .option("--json", "machine-readable output: one JSON document on stdout; progress stays on stderr")
    .option("--verbose", "on errors, also print details and the stack trace")
    .addHelpText("after", GLOBAL_HELP)
    .showSuggestionAfterError()
    // Listed-only commands have no options to show: the table says what each one's line looks like.
    .configureHelp({ subcommandTerm: (cmd) => `${cmd.name()} ${termOf.get(cmd.name()) ?? ""}`.trimEnd() });
  for (const entry of COMMANDS) {
    if (only === undefined || only.command === entry.name) program.addCommand(entry.load()(io));
    else program.addCommand(listedOnly(entry.name, entry.summary));
  }
  configure(program, io);
  return program;
}

const termOf = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));

/** A command shown in the program's help but not loaded: runCli loads the one it runs. */
function listedOnly(name: string, summary: string): Command {
  return new Command(name)
    .summary(summary)
    .allowUnknownOption()
    .action(() => {
      throw new Error(`internal: \`seedpay ${name}\` ran without being loaded (commandNamed missed it)`);
    });
}

/** Runs the CLI once and returns its exit code: 0, or 1 after printing what went wrong. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io, { command: commandNamed(argv) });
  try {
    await program.parseAsync(helpOfSubcommand(argv), { from: "user" });
    return 0;
  } catch (error) {
    // Commander has already printed its own usage errors on stderr (and help, exit code 0).
    if (error instanceof CommanderError) {
      if (error.exitCode !== 0 && argv.includes("--json")) {
        const message = error.message.replace(/^error: /, "");
        io.stdout.write(`${JSON.stringify({ error: { name: "UsageError", message, hints: [] } })}\n`);
      }
      return error.exitCode;
    }
    reportError(error, io, argv.includes("--json"), argv.includes("--verbose"));
    return 1;
  }
}

/**
 * `help bond offer` as `bond offer --help`: commander's help command reads one command name only,
 * so it printed the whole group's help for a nested command.
 */
function helpOfSubcommand(argv: string[]): string[] {
  const at = argv.findIndex((a) => !a.startsWith("-"));
  const words = at < 0 ? [] : argv.slice(at + 1);
  if (argv[at] !== "help" || words.length < 2 || words.some((w) => w.startsWith("-"))) return argv;
  return [...argv.slice(0, at), ...words, "--help"];
}

/** The error's message and hints, without a stack trace unless --verbose. */
function reportError(error: unknown, io: CliIo, json: boolean, verbose: boolean): void {
  const seedpay = error instanceof SeedpayError;
  const message = seedpay ? error.shortMessage : error instanceof Error ? error.message : String(error);
  const hints = seedpay
    ? error.metaMessages
    : verbose
      ? []
      : ["(an unexpected error: --verbose prints its stack trace)"];
  const lines = [`error: ${message}`, ...hints.map((hint) => `  ${hint}`)];
  if (verbose) {
    if (seedpay && error.details) lines.push(`  details: ${error.details}`);
    if (error instanceof Error && error.stack) lines.push("", error.stack);
  }
  io.stderr.write(`${lines.join("\n")}\n`);
  if (json) {
    const name = error instanceof Error ? error.name : "Error";
    io.stdout.write(`${JSON.stringify({ error: { name, message, hints } })}\n`);
  }
}

/** Every command writes to `io` and returns instead of exiting, so runCli decides the exit code. */
function configure(command: Command, io: CliIo): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  command.showHelpAfterError("(add --help for usage and examples)");
  for (const sub of command.commands) configure(sub, io);
}

/** Runs the CLI on this process's arguments and streams, then exits with its code. */
export function main(): void {
  void runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    // Exit even if a library left a timer or socket open; stdout and stderr are synchronous here.
    process.exit(code);
  });
}

if (require.main === module) main();
