import { Command, Option } from "commander";
import { Contract, Interface } from "ethers";
import { action, addressArg, bttArg, examples } from "../commandKit";
import { readDeployment } from "../deployments";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt } from "../format";
import type { CliIo } from "../output";
import type { Session } from "../session";

type MintOptions = { to?: string; amount: bigint };

const TEST_TOKEN_ABI = [
  "function mint(address to, uint256 amount)",
  "function balanceOf(address) view returns (uint256)",
];

export function mintCommand(io: CliIo): Command {
  return new Command("mint")
    .summary("mint test tokens (only the test token of a `deploy --test-token` or a testnet migration)")
    .description(
      "Mints the escrow's test token to an address, for trying seedpay on a development chain or a TRON testnet. " +
        "Real BTT cannot be minted: this refuses unless the deployment file says the token was deployed with " +
        "the escrow (`seedpay deploy --test-token`, or TronBox's migration / scripts/deploy.ts without a token).",
    )
    .addOption(new Option("--amount <btt>", "how much to mint, in BTT").argParser(bttArg).makeOptionMandatory())
    .addOption(new Option("--to <address>", "who gets it (default: the wallet)").argParser(addressArg))
    .addHelpText(
      "after",
      examples([
        ["seedpay mint --to 0x7099…79C8 --amount 100", "give a payer 100 test BTT"],
        ["seedpay mint --amount 5 --json", "mint to the wallet, machine-readable"],
        ["seedpay mint --network development --to TJRab…Ffs4 --amount 100", "on the TRON devnode"],
      ]),
    )
    .action(
      action<MintOptions>(io, async (s, o) => {
        const chain = await s.chain();
        const token = await chain.token();
        const deployment = readDeployment(s.deploymentPath);
        const isTest = deployment?.token.testToken && deployment.token.address.toLowerCase() === token.toLowerCase();
        if (!isTest) {
          throw new CliUsageError(`the escrow's token ${s.address(token)} is not a test token deployed with it`, {
            metaMessages: ["`seedpay mint` only works after `seedpay deploy --test-token` on this --network."],
          });
        }
        const to = o.to ?? chain.account;
        const balance = await mint(s, token, to, o.amount);
        return {
          json: {
            token: s.address(token),
            to: s.address(to),
            minted: amountJson(o.amount),
            balance: amountJson(balance),
            transactions: s.txs.sent,
          },
          text: [`minted ${formatBtt(o.amount)} to ${s.address(to)}; it now holds ${formatBtt(balance)}`],
        };
      }),
    );
}

/** Sends TestToken.mint and returns the new balance of `to`. */
async function mint(s: Session, token: string, to: string, amount: bigint): Promise<bigint> {
  const tron = await s.tronNode();
  if (!tron) {
    const contract = new Contract(token, TEST_TOKEN_ABI, await s.wallet());
    await s.txs.send("mint", () => contract.mint(to, amount));
    return (await contract.balanceOf(to)) as bigint;
  }
  const { hex41 } = await import("../tronNode");
  const { sendContractCall } = await import("../../chain/tron/sendContractCall");
  const key = s.walletKey().slice(2);
  const owner = hex41(s.walletAddress()!);
  const client = tron.client(owner, (tx) => tron.tronWeb.trx.sign(tx as never, key) as never);
  await s.txs.track("mint", () =>
    sendContractCall(client, {
      action: "mint",
      iface: new Interface(TEST_TOKEN_ABI),
      contract: token,
      args: [to, amount],
    }),
  );
  return (await tron.view(token, "function balanceOf(address) view returns (uint256)", [to]))[0] as bigint;
}
