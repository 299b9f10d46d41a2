import path from "node:path";
import { Command, Option } from "commander";
import { action, addressArg, examples, secondsArg } from "../commandKit";
import type { DeploymentFile } from "../deployments";
import { readDeployment, toDeploymentFile, writeDeployment } from "../deployments";
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

/** tronbox.js's fee limit per deployment: 1,000 TRX in sun (deploying ChannelEscrow burns ≈ 200 TRX). */
const DEFAULT_TRON_FEE_LIMIT = 1_000_000_000;

export function deployCommand(io: CliIo): Command {
  return new Command("deploy")
    .summary("deploy the escrow and bond (and a test token) and record them in deployments/<network>.json")
    .description(
      "Deploys ChannelEscrow and StorageBond from the compiled artifacts, for an existing token (--token) or a " +
        "fresh test token anyone can mint (--test-token), on an EVM node (--rpc) or a TRON node (--tron URL, or " +
        "--network development|shasta|nile|mainnet), and writes deployments/<network>.json in the shape TronBox's " +
        "migration and scripts/deploy.ts write (deployments/README.md): chain id, addresses, transactions, blocks, " +
        "runtime code hashes, compiler settings. Later commands find the escrow there. On TRON the fee limit per " +
        "deployment is 1,000 TRX (TRONBOX_FEE_LIMIT, in sun, overrides it, as for TronBox).",
    )
    .addOption(
      new Option("--test-token", "deploy a TestToken (18 decimals, free minting) to escrow").conflicts("token"),
    )
    .addOption(
      new Option("--token <address>", "escrow this existing token (BTT's TRC-20: T… or 0x)").argParser(addressArg),
    )
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
        [
          "SEEDPAY_PRIVATE_KEY=<devnode key #0> seedpay deploy --test-token --network development",
          "on `seedpay devnode` (TRON): writes deployments/development.json",
        ],
        [
          "SEEDPAY_PRIVATE_KEY=… seedpay deploy --network shasta --token TXYZ…",
          "on TRON Shasta through TronGrid (TRON_PRO_API_KEY is sent when set)",
        ],
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
        if (s.target.kind === "tron" && s.network === "mainnet" && o.testToken) {
          throw new CliUsageError("--test-token on TRON mainnet: the escrow there is for BTT", {
            metaMessages: ["Pass --token TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4 (BTT's TRC-20)."],
          });
        }
        const key = s.walletKey();
        const node = await s.node();
        const { chainId, url } = node;
        const file = s.deploymentPath;
        const shown = path.relative(s.io.cwd, file) || file;
        const existing = readDeployment(file);
        if (existing && !o.force && BigInt(existing.chainId) === chainId) {
          if (await node.hasCode(existing.escrow.address)) {
            throw new CliUsageError(
              `${shown} already records escrow ${s.address(existing.escrow.address)}, live on this chain`,
              {
                metaMessages: [
                  "Use it as it is, pass --force to replace the record, or choose another --network NAME.",
                ],
              },
            );
          }
          s.out.note(`${shown} records an escrow this chain does not have (a restarted node?): replacing it`);
        }
        if (o.token) {
          if (!(await node.hasCode(o.token))) {
            throw new CliUsageError(`--token ${s.address(o.token)}: no contract there on chain ${chainId}`);
          }
          const decimals = await node
            .view(o.token, "function decimals() view returns (uint8)")
            .then((r) => Number(r[0]))
            .catch(() => undefined);
          if (decimals !== undefined && decimals !== 18) {
            s.out.warn(`the token has ${decimals} decimals; seedpay shows amounts with BTT's 18`);
          }
        }
        const parameters = {
          token: o.token,
          minDisputeWindow: o.minWindow,
          maxDisputeWindow: o.maxWindow,
          network: s.network,
          txs: s.txs,
        };
        let record: DeploymentFile;
        const tron = await s.tronNode();
        if (tron) {
          s.out.note(`deploying to TRON chain ${chainId} at ${url} from ${s.address(s.walletAddress()!)}`);
          const { deployTronContracts } = await import("../deployTronContracts");
          const feeLimit = Number(s.io.env.TRONBOX_FEE_LIMIT || DEFAULT_TRON_FEE_LIMIT);
          record = await deployTronContracts({ ...parameters, node: tron, privateKey: key, feeLimit });
        } else {
          const wallet = await s.wallet();
          s.out.note(`deploying to chain ${chainId} at ${url} from ${wallet.address}`);
          const { deployContracts, TEST_TOKEN_ARGS } = await import("../deployContracts");
          record = toDeploymentFile(await deployContracts({ ...parameters, deployer: wallet }), TEST_TOKEN_ARGS);
        }
        writeDeployment(file, record);
        const { token, escrow, bond } = record.contracts;
        return {
          json: { deployment: record, file, transactions: s.txs.sent },
          text: [
            `deployed ChannelEscrow at ${escrow.address} (block ${escrow.block})`,
            `  token     ${token.address}${token.txId ? " (test token: `seedpay mint` makes more)" : ""}`,
            ...(bond ? [`  bond      StorageBond at ${bond.address}`] : []),
            `  windows   ${formatDuration(o.minWindow)} .. ${formatDuration(o.maxWindow)}`,
            `  code hash ${escrow.codeHash}`,
            `  compiler  solc ${record.compiler.version}`,
            `  ${s.txs.unit.padEnd(9)} ${formatGas(s.txs.gasUsed)} in ${s.txs.sent.length} transactions`,
            `wrote ${shown}`,
          ],
        };
      }),
    );
}
