/* eslint-disable @typescript-eslint/no-require-imports */
import type { Command } from "commander";
import type { CliIo } from "./output";

/**
 * Every `seedpay` command: its name, its one-line summary (what `seedpay --help` lists) and how to
 * load it. A run loads only the command it runs, so `seedpay --help` starts without ethers or
 * TronWeb (bench/cli.json). The summaries repeat each command's own `.summary()`; a test
 * (test/lib/cli/commandTable.test.ts) fails when they drift apart.
 */
export type CommandEntry = {
  name: string;
  summary: string;
  /** What the help lists after the name: the command's own "[options] [voucher]". */
  term: string;
  load: () => (io: CliIo) => Command;
};

export const COMMANDS: CommandEntry[] = [
  {
    name: "node",
    summary: "run the embedded development chain (Hardhat Network, TRON Shasta's chain id) over JSON-RPC",
    term: "[options]",
    load: () => (require("./commands/node") as typeof import("./commands/node")).nodeCommand,
  },
  {
    name: "devnode",
    summary: "run the local TRON development node (TronWeb/TronBox HTTP API) until Ctrl-C",
    term: "[options]",
    load: () => (require("./commands/devnode") as typeof import("./commands/devnode")).devnodeCommand,
  },
  {
    name: "deploy",
    summary: "deploy the escrow and bond (and a test token) and record them in deployments/<network>.json",
    term: "[options]",
    load: () => (require("./commands/deploy") as typeof import("./commands/deploy")).deployCommand,
  },
  {
    name: "mint",
    summary: "mint test tokens (only the test token of a `deploy --test-token` or a testnet migration)",
    term: "[options]",
    load: () => (require("./commands/mint") as typeof import("./commands/mint")).mintCommand,
  },
  {
    name: "open",
    summary: "payer: open a channel to a payee with a deposit",
    term: "[options]",
    load: () => (require("./commands/open") as typeof import("./commands/open")).openCommand,
  },
  {
    name: "top-up",
    summary: "payer: add to an open channel's deposit",
    term: "[options]",
    load: () => (require("./commands/topUp") as typeof import("./commands/topUp")).topUpCommand,
  },
  {
    name: "pay",
    summary: "payer: sign a voucher (prints its JSON for the payee's `receive`)",
    term: "[options]",
    load: () => (require("./commands/pay") as typeof import("./commands/pay")).payCommand,
  },
  {
    name: "receive",
    summary: "payee: check a voucher and record it durably (accepting its channel if new)",
    term: "[options] [voucher]",
    load: () => (require("./commands/receive") as typeof import("./commands/receive")).receiveCommand,
  },
  {
    name: "claim",
    summary: "payee: claim vouchers without closing (one channel, or all in one transaction)",
    term: "[options]",
    load: () => (require("./commands/claim") as typeof import("./commands/claim")).claimCommand,
  },
  {
    name: "close",
    summary: "close a channel at once: the payee with its best voucher, or the payer with the payee's consent",
    term: "[options]",
    load: () => (require("./commands/close") as typeof import("./commands/close")).closeCommand,
  },
  {
    name: "consent",
    summary: "payee: sign a consent for the payer to close a channel at once (prints its JSON)",
    term: "[options]",
    load: () => (require("./commands/consent") as typeof import("./commands/consent")).consentCommand,
  },
  {
    name: "start-close",
    summary: "payer: start a unilateral close (the dispute window starts)",
    term: "[options]",
    load: () => (require("./commands/startClose") as typeof import("./commands/startClose")).startCloseCommand,
  },
  {
    name: "settle",
    summary: "after the dispute window: settle a closing channel (refunds the payer)",
    term: "[options]",
    load: () => (require("./commands/settle") as typeof import("./commands/settle")).settleCommand,
  },
  {
    name: "withdraw",
    summary: "move the wallet's balance in the escrow (claims, kept refunds) to a wallet",
    term: "[options]",
    load: () => (require("./commands/withdraw") as typeof import("./commands/withdraw")).withdrawCommand,
  },
  {
    name: "status",
    summary: "channels in the store with their on-chain state, balances, windows and unclaimed amounts",
    term: "[options]",
    load: () => (require("./commands/status") as typeof import("./commands/status")).statusCommand,
  },
  {
    name: "watch",
    summary: "watchtower: answer every unilateral close with the best stored voucher, until Ctrl-C",
    term: "[options]",
    load: () => (require("./commands/watch") as typeof import("./commands/watch")).watchCommand,
  },
  {
    name: "seed",
    summary:
      "seller: seed a file or directory and sell its pieces per MiB (or upload slots by --auction), until Ctrl-C",
    term: "[options] <file>",
    load: () => (require("./commands/seed") as typeof import("./commands/seed")).seedCommand,
  },
  {
    name: "get",
    summary: "buyer: download a torrent, paying sellers within --max-price per verified piece",
    term: "[options] <torrent>",
    load: () => (require("./commands/get") as typeof import("./commands/get")).getCommand,
  },
  {
    name: "bond",
    summary: "storage bonds: BEP 52 roots and proofs, deals, challenges and answers",
    term: "",
    load: () => (require("./commands/bond") as typeof import("./commands/bond")).bondCommand,
  },
  {
    name: "authorize-close",
    summary: "payer: let a relayer close a channel with the payee's consent (prints the JSON it submits)",
    term: "[options]",
    load: () =>
      (require("./commands/authorizeClose") as typeof import("./commands/authorizeClose")).authorizeCloseCommand,
  },
];

/** Global options that take a value: the word after them is not a command name. */
const VALUE_OPTIONS = new Set([
  "--rpc",
  "--tron",
  "--escrow",
  "--network",
  "--deployments",
  "--db",
  "--key-file",
  "--signer-key-file",
]);

/**
 * The command a run's arguments name (`seedpay --db x open ...` → "open"; `seedpay help open` →
 * "open"), as commander will dispatch it; undefined for `seedpay --help`, `--version` or nothing.
 */
export function commandNamed(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") return argv[i + 1];
    if (word.startsWith("-")) {
      if (VALUE_OPTIONS.has(word)) i++;
      continue;
    }
    return word === "help" ? argv[i + 1] : word;
  }
  return undefined;
}
