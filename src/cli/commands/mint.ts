import { Command, Option } from "commander";
import { Contract } from "ethers";
import { action, addressArg, bttArg, examples } from "../commandKit";
import { readDeployment } from "../deployments";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt } from "../format";
import type { CliIo } from "../output";

type MintOptions = { to?: string; amount: bigint };

const TEST_TOKEN_ABI = [
  "function mint(address to, uint256 amount)",
  "function balanceOf(address) view returns (uint256)",
];

export function mintCommand(io: CliIo): Command {
  return new Command("mint")
    .summary("mint test tokens (only the test token of a `deploy --test-token`)")
    .description(
      "Mints the escrow's test token to an address, for trying seedpay on a development chain. " +
        "Real BTT cannot be minted: this refuses unless the deployment file says the token is a test token.",
    )
    .addOption(new Option("--amount <btt>", "how much to mint, in BTT").argParser(bttArg).makeOptionMandatory())
    .addOption(new Option("--to <address>", "who gets it (default: the wallet)").argParser(addressArg))
    .addHelpText(
      "after",
      examples([
        ["seedpay mint --to 0x7099…79C8 --amount 100", "give a payer 100 test BTT"],
        ["seedpay mint --amount 5 --json", "mint to the wallet, machine-readable"],
      ]),
    )
    .action(
      action<MintOptions>(io, async (s, o) => {
        const wallet = await s.wallet();
        const chain = await s.chain();
        const token = await chain.token();
        const deployment = readDeployment(s.deploymentPath);
        const isTest = deployment?.token.testToken && deployment.token.address.toLowerCase() === token.toLowerCase();
        if (!isTest) {
          throw new CliUsageError(`the escrow's token ${token} is not a test token this CLI deployed`, {
            metaMessages: ["`seedpay mint` only works after `seedpay deploy --test-token` on this --network."],
          });
        }
        const to = o.to ?? wallet.address;
        const contract = new Contract(token, TEST_TOKEN_ABI, wallet);
        await s.txs.send("mint", () => contract.mint(to, o.amount));
        const balance = (await contract.balanceOf(to)) as bigint;
        return {
          json: { token, to, minted: amountJson(o.amount), balance: amountJson(balance), transactions: s.txs.sent },
          text: [`minted ${formatBtt(o.amount)} to ${to}; it now holds ${formatBtt(balance)}`],
        };
      }),
    );
}
