import { Command, Option } from "commander";
import { action, countArg, examples, portArg, untilInterrupted } from "../commandKit";
import { requireHardhat } from "../embeddedChain";
import type { CliIo } from "../output";

type DevnodeOptions = { port: number; host: string; accounts: number; blockTime?: number };

export function devnodeCommand(io: CliIo): Command {
  return new Command("devnode")
    .summary("run the local TRON development node (TronWeb/TronBox HTTP API) until Ctrl-C")
    .description(
      "Serves the part of TRON's HTTP API that TronWeb 6 and TronBox 4 use (wallet/, walletsolidity/, TronGrid's\n" +
        "events, TRE's /admin/accounts-json) over an in-process EVM with TRON Shasta's chain id. Real TRON\n" +
        "transactions: signatures, expiry and duplicates are checked; receipts report energy priced with\n" +
        "java-tron's table. Every start is a new, empty chain. Limits: docs/devnode.md.",
    )
    .addOption(new Option("--port <port>", "TCP port (0 picks a free one)").argParser(portArg).default(9090))
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .addOption(new Option("--accounts <n>", "funded development accounts").argParser(countArg).default(10))
    .addOption(
      new Option("--block-time <ms>", "mine a block every ms (default: one block per transaction)").argParser(Number),
    )
    .addHelpText(
      "after",
      examples([
        ["seedpay devnode", "serve http://127.0.0.1:9090 (TronBox's development network) until Ctrl-C"],
        ["seedpay devnode --block-time 3000", "blocks every 3 s, as on TRON"],
        [
          "SEEDPAY_PRIVATE_KEY=<key #0> seedpay --network development deploy --test-token",
          "in another terminal: deploy to it (or npx tronbox migrate --network development)",
        ],
      ]),
    )
    .action(
      action<DevnodeOptions>(io, async (s, o) => {
        requireHardhat("seedpay devnode");
        const { startDevnode } = await import("../../devnode");
        const node = await startDevnode({ port: o.port, host: o.host, accounts: o.accounts, blockTime: o.blockTime });
        const isDefault = node.url === "http://127.0.0.1:9090";
        // tronbox.js reads the development node's URL from TRONBOX_DEVELOPMENT_URL, not from a flag.
        const tronbox = `${isDefault ? "" : `TRONBOX_DEVELOPMENT_URL=${node.url} `}npx tronbox migrate --network development`;
        s.out.result({
          json: { url: node.url, accounts: node.accounts },
          text: [
            `TRON development node on ${node.url} (chain id 2494104990, Shasta's; TronWeb fullHost: ${node.url})`,
            "",
            "Funded accounts, 1,000,000 TRX each. Well-known development keys: public, for this local node only.",
            ...node.accounts.map((a, i) => `  #${String(i).padEnd(2)} ${a.address}  ${a.privateKey}`),
            "",
            isDefault
              ? "The CLI finds it with --network development; deploy with `seedpay --network development deploy --test-token`"
              : `The CLI finds it with --tron ${node.url} (or TRONBOX_DEVELOPMENT_URL=${node.url} and --network development);`,
            `or \`${tronbox}\`. Every start is a new, empty chain. Stop with Ctrl-C.`,
          ],
        });
        await untilInterrupted();
        await node.close();
        s.out.note("development node stopped");
      }),
    );
}
