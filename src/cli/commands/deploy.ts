import path from "node:path";
import { Command, Option } from "commander";
import { Contract } from "ethers";
import { action, addressArg, examples, secondsArg } from "../commandKit";
import { deployContracts } from "../deployContracts";
import { readDeployment, writeDeployment } from "../deployments";
import { CliUsageError } from "../errors";
import { formatDuration, formatGas } from "../format";
import type { CliIo } from "../output";

type DeployOptions = {
  testToken?: boolean;
  token?: string;
  minWindow: number;
  maxWindow: number;
  force?: boolean;
};

export function deployCommand(io: CliIo): Command {
  return new Command("deploy")
    .summary("deploy the escrow (and a test token) and record it in deployments/<network>.json")
    .description(
      "Deploys ChannelEscrow from the compiled artifacts, for an existing token (--token) or a fresh test " +
        "token anyone can mint (--test-token), and writes deployments/<network>.json: chain id, addresses, " +
        "transaction hashes, block, runtime code hash and compiler settings. Later commands find the escrow there.",
    )
    .addOption(
      new Option("--test-token", "deploy a TestToken (18 decimals, free minting) to escrow").conflicts("token"),
    )
    .addOption(new Option("--token <address>", "escrow this existing token (BTT's TRC-20)").argParser(addressArg))
    .addOption(
      new Option("--min-window <seconds>", "shortest dispute window a channel may have")
        .argParser(secondsArg)
        .default(3600),
    )
    .addOption(
      new Option("--max-window <seconds>", "longest dispute window a channel may have")
        .argParser(secondsArg)
        .default(2592000),
    )
    .option("--force", "overwrite a deployment file whose escrow is still live on this chain")
    .addHelpText(
      "after",
      examples([
        ["seedpay node", "in another terminal: the embedded chain"],
        ["SEEDPAY_PRIVATE_KEY=0xac09…ff80 seedpay deploy --test-token", "deploy a test token and the escrow to it"],
        ["seedpay deploy --network shasta --rpc https://… --token 0x…", "deploy for an existing token"],
      ]),
    )
    .action(
      action<DeployOptions>(io, async (s, o) => {
        if (!o.testToken && !o.token) {
          throw new CliUsageError("choose the token: --test-token (deploy one) or --token ADDRESS (an existing one)");
        }
        if (o.maxWindow < o.minWindow) {
          throw new CliUsageError(`--max-window ${o.maxWindow} is below --min-window ${o.minWindow}`);
        }
        const wallet = await s.wallet();
        const { provider, chainId, url } = await s.node();
        const file = s.deploymentPath;
        const shown = path.relative(s.io.cwd, file) || file;
        const existing = readDeployment(file);
        if (existing && !o.force && BigInt(existing.chainId) === chainId) {
          if ((await provider.getCode(existing.escrow.address)) !== "0x") {
            throw new CliUsageError(`${shown} already records escrow ${existing.escrow.address}, live on this chain`, {
              metaMessages: ["Use it as it is, pass --force to replace the record, or choose another --network NAME."],
            });
          }
          s.out.note(`${shown} records an escrow this chain does not have (a restarted node?): replacing it`);
        }
        if (o.token) {
          if ((await provider.getCode(o.token)) === "0x")
            throw new CliUsageError(`--token ${o.token}: no contract there`);
          const decimals = await new Contract(o.token, ["function decimals() view returns (uint8)"], provider)
            .decimals()
            .catch(() => undefined);
          if (decimals !== undefined && Number(decimals) !== 18) {
            s.out.warn(`the token has ${decimals} decimals; seedpay shows amounts with BTT's 18`);
          }
        }
        s.out.note(`deploying to chain ${chainId} at ${url} from ${wallet.address}`);
        const record = await deployContracts({
          deployer: wallet,
          token: o.token,
          minDisputeWindow: o.minWindow,
          maxDisputeWindow: o.maxWindow,
          network: s.network,
          txs: s.txs,
        });
        writeDeployment(file, record);
        return {
          json: { deployment: record, file, transactions: s.txs.sent },
          text: [
            `deployed ChannelEscrow at ${record.escrow.address} (block ${record.escrow.blockNumber})`,
            `  token     ${record.token.address}${record.token.testToken ? " (test token: `seedpay mint` makes more)" : ""}`,
            ...(record.bond ? [`  bond      StorageBond at ${record.bond.address}`] : []),
            `  windows   ${formatDuration(o.minWindow)} .. ${formatDuration(o.maxWindow)}`,
            `  code hash ${record.escrow.codeHash}`,
            `  compiler  solc ${record.compiler.version}`,
            `  gas       ${formatGas(s.txs.gasUsed)} in ${s.txs.sent.length} transactions`,
            `wrote ${shown}`,
          ],
        };
      }),
    );
}
