import { Command, Option } from "commander";
import { action, addressArg, bttArg, examples } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt } from "../format";
import type { CliIo } from "../output";

type WithdrawOptions = { amount?: bigint; to?: string };

export function withdrawCommand(io: CliIo): Command {
  return new Command("withdraw")
    .summary("move the wallet's balance in the escrow (claims, kept refunds) to a wallet")
    .description("Withdraws from what the escrow holds for the wallet: claimed vouchers, and refunds it could not pay.")
    .addOption(new Option("--amount <btt>", "how much (default: everything)").argParser(bttArg))
    .addOption(new Option("--to <address>", "where to (default: the wallet)").argParser(addressArg))
    .addHelpText(
      "after",
      examples([
        ["seedpay withdraw", "withdraw everything to the wallet"],
        ["seedpay withdraw --amount 1.5 --to 0x9965…A4dc", "part of it, elsewhere"],
        ["seedpay withdraw --network shasta", "on TRON Shasta (addresses T…)"],
      ]),
    )
    .action(
      action<WithdrawOptions>(io, async (s, o) => {
        const chain = await s.chain();
        const balance = await chain.escrowBalance(chain.account);
        const amount = o.amount ?? balance;
        if (balance === 0n)
          throw new CliUsageError(`${s.address(chain.account)} has nothing in the escrow to withdraw`);
        if (amount > balance) {
          throw new CliUsageError(
            `${s.address(chain.account)} has ${formatBtt(balance)} in the escrow; cannot withdraw ${formatBtt(amount)}`,
          );
        }
        const to = o.to ?? chain.account;
        await chain.withdraw(to, amount);
        return {
          json: {
            to: s.address(to),
            withdrawn: amountJson(amount),
            escrowBalance: amountJson(balance - amount),
            transactions: s.txs.sent,
          },
          text: [
            `withdrew ${formatBtt(amount)} to ${s.address(to)}; ${formatBtt(balance - amount)} left in the escrow`,
          ],
        };
      }),
    );
}
