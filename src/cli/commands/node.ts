import { Command, Option } from "commander";
import { action, countArg, examples, portArg, untilInterrupted } from "../commandKit";
import { startEmbeddedChain } from "../embeddedChain";
import type { CliIo } from "../output";

type NodeOptions = { port: number; host: string; accounts: number; log?: boolean };

export function nodeCommand(io: CliIo): Command {
  return new Command("node")
    .summary("run the embedded development chain (Hardhat Network, TRON Shasta's chain id) over JSON-RPC")
    .description(
      "Starts a local chain in this process, with TRON Shasta's chain id (2494104990) so TIP-712 vouchers " +
        "use Shasta's domain, and serves it over JSON-RPC until Ctrl-C. Prints its funded accounts: Hardhat's " +
        "well-known test keys, public knowledge, for this local chain only. Every start is a new, empty chain.",
    )
    .addOption(new Option("--port <port>", "TCP port (0 picks a free one)").argParser(portArg).default(8545))
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .addOption(new Option("--accounts <n>", "how many funded accounts to print").argParser(countArg).default(10))
    .option("--log", "log every JSON-RPC request")
    .addHelpText(
      "after",
      examples([
        ["seedpay node", "serve http://127.0.0.1:8545 until Ctrl-C"],
        ["seedpay node --port 0 --json", "a free port; one JSON line with the URL and accounts"],
      ]),
    )
    .action(
      action<NodeOptions>(io, async (s, o) => {
        const node = await startEmbeddedChain({ host: o.host, port: o.port, logging: o.log === true });
        const accounts = node.accounts.slice(0, o.accounts);
        if (s.out.json) {
          s.out.result({ text: [], json: { url: node.url, chainId: node.chainId.toString(), accounts } });
        } else {
          s.out.result({
            json: {},
            text: [
              `embedded chain (Hardhat Network): chain id ${node.chainId} (TRON Shasta's), listening on ${node.url}`,
              "",
              "Funded accounts, 10000 ETH for gas each. Hardhat's well-known test keys: public, for this local chain only.",
              ...accounts.map((a, i) => `  #${String(i).padEnd(2)} ${a.address}  ${a.privateKey}`),
              "",
              node.url === "http://127.0.0.1:8545"
                ? "Other shells find it by default."
                : `In other shells: export SEEDPAY_RPC=${node.url}`,
              "Every start is a new, empty chain: deploy again (seedpay deploy --test-token). Stop with Ctrl-C.",
            ],
          });
        }
        await untilInterrupted();
        await node.close();
        s.out.note("embedded chain stopped");
      }),
    );
}
