import { Command, Option } from "commander";
import { action, addressArg, bttArg, examples } from "../commandKit";
import { connectBond } from "../connectBond";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt } from "../format";
import type { CliIo } from "../output";
import type { Session } from "../session";
import { bondOption } from "./bondOptions";

type WithdrawOptions = { bond?: string; amount?: bigint; to?: string };

/** `seedpay bond withdraw`: payouts the token refused, kept in the StorageBond. */
export function bondWithdrawCommand(io: CliIo): Command {
  return new Command("withdraw")
    .summary("withdraw payouts the token refused, kept on the wallet's balance in the bond")
    .description(
      "A payout the token refused (a blacklisted recipient) is kept on the recipient's balance in the StorageBond; " +
        "this moves it to a wallet. Earnings of a running deal are `bond withdraw-earnings`.",
    )
    .addOption(bondOption())
    .addOption(new Option("--amount <btt>", "how much (default: everything)").argParser(bttArg))
    .addOption(new Option("--to <address>", "where to (default: the wallet)").argParser(addressArg))
    .addHelpText(
      "after",
      examples([
        ["seedpay bond withdraw", "everything kept for the wallet"],
        ["seedpay --network shasta bond withdraw --amount 5 --to TPjjv…", "part of it, elsewhere, on TRON Shasta"],
      ]),
    )
    .action(
      action<WithdrawOptions>(io, async (s, o) => {
        const b = await connectBond(s, o.bond, true);
        const balance = await bondBalance(s, b.bond, b.account);
        if (balance === 0n) {
          throw new CliUsageError(`${s.address(b.account)} has nothing kept in the StorageBond to withdraw`, {
            metaMessages: [
              "Only payouts the token refused are kept there; earnings are `seedpay bond withdraw-earnings`.",
            ],
          });
        }
        const amount = o.amount ?? balance;
        if (amount > balance) {
          throw new CliUsageError(
            `${s.address(b.account)} has ${formatBtt(balance)} in the StorageBond; cannot withdraw ${formatBtt(amount)}`,
          );
        }
        const to = o.to ?? b.account;
        await b.withdraw(to, amount);
        return {
          json: {
            to: s.address(to),
            withdrawn: amountJson(amount),
            left: amountJson(balance - amount),
            transactions: s.txs.sent,
          },
          text: [
            `withdrew ${formatBtt(amount)} from the StorageBond to ${s.address(to)}; ${formatBtt(balance - amount)} left`,
          ],
        };
      }),
    );
}

async function bondBalance(s: Session, bond: string, account: string): Promise<bigint> {
  const [balance] = await (await s.node()).view(bond, "function balanceOf(address) view returns (uint256)", [account]);
  return balance as bigint;
}
