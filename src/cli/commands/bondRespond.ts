import path from "node:path";
import { Command, Option } from "commander";
import type { DealTerms } from "../../chain/bondTypes";
import { checkDealFile, proveDealBlock, WrongFileError, type DealFile } from "../../storage/bond/dealFile";
import { startResponder } from "../../storage/bond/startResponder";
import { action, examples, untilInterrupted } from "../commandKit";
import { connectBond } from "../connectBond";
import { readTerms } from "../dealTerms";
import { CliUsageError } from "../errors";
import { formatGas } from "../format";
import type { CliIo } from "../output";
import { bondOption, termsOption, type Common } from "./bondOptions";

type RespondOptions = Common & { file: string; watch?: boolean; interval: number };

/** `seedpay bond respond`: the provider answers challenges from the stored file. */
export function bondRespondCommand(io: CliIo): Command {
  return new Command("respond")
    .summary("answer the open challenge from the file on disk (provider); --watch keeps answering")
    .description(
      "Proves the challenged block from the stored file and sends the answer. The file is checked against the " +
        "deal's pieces root and length first: a wrong file is refused before anything is sent. With --watch, keeps running " +
        "(until Ctrl-C) and answers every challenge on the deal as it comes, including one open at start.",
    )
    .addOption(bondOption())
    .addOption(termsOption())
    .addOption(new Option("--file <path>", "the stored file").makeOptionMandatory())
    .option("--watch", "keep running, answering every challenge as it comes")
    .addOption(new Option("--interval <ms>", "polling interval").argParser(Number).default(2000))
    .addHelpText(
      "after",
      examples([
        ["seedpay bond respond --terms deal.json --file movie.mkv", "answer the open challenge, if any"],
        ["seedpay bond respond --terms deal.json --file movie.mkv --watch", "answer every challenge until Ctrl-C"],
      ]),
    )
    .action(
      action<RespondOptions>(io, async (s, o) => {
        const terms = readTerms(s.io.cwd, o.terms);
        const file = path.resolve(s.io.cwd, o.file);
        const b = await connectBond(s, o.bond, true);
        const id = b.dealId(terms);
        if (!o.watch) {
          const state = await b.getDeal(terms);
          if (state.status !== "challenged") {
            await checkFile(o.file, file, terms);
            return {
              json: { dealId: id, answered: [], status: state.status, transactions: [] },
              text: [`nothing to answer: deal ${id} is ${state.status}`],
            };
          }
          const proof = await proveDealBlock(await checkFile(o.file, file, terms), Number(state.challengedIndex));
          await b.respond(terms, proof.block, proof.proof);
          const after = await b.getDeal(terms);
          return {
            json: {
              dealId: id,
              answered: [state.challengedIndex.toString()],
              status: after.status,
              transactions: s.txs.sent,
            },
            text: [`answered the challenge of block ${state.challengedIndex}; deal ${id} is ${after.status}`],
          };
        }
        // A wrong file would only show at the first challenge, when the window is already running.
        await checkFile(o.file, file, terms);
        const answered: string[] = [];
        const errors: string[] = [];
        const stop = startResponder({
          bond: b,
          deals: [{ terms, path: file }],
          pollingInterval: o.interval,
          onAnswered: (a) => {
            answered.push(a.index.toString());
            s.out.note(`answered the challenge of block ${a.index} (${s.txs.unit} ${formatGas(a.tx.gasUsed)})`);
          },
          onError: (e) => {
            errors.push(e.message);
            s.out.note(`could not answer yet (retrying): ${e.message.split("\n")[0]}`);
          },
        });
        s.out.note(`watching deal ${id} for challenges (Ctrl-C stops)`);
        await untilInterrupted();
        stop();
        const state = await b.getDeal(terms);
        return {
          json: { dealId: id, answered, status: state.status, errors, transactions: s.txs.sent },
          text: [`answered ${answered.length} challenge(s); deal ${id} is ${state.status}`],
        };
      }),
    );
}

/** Refuses a file that is not the deal's (another root or length), before anything is sent. */
async function checkFile(shown: string, file: string, terms: DealTerms): Promise<DealFile> {
  try {
    return await checkDealFile(file, terms, shown);
  } catch (error) {
    if (!(error instanceof WrongFileError)) throw error;
    throw new CliUsageError(error.shortMessage, {
      metaMessages: [
        ...error.metaMessages,
        "The challenge stays open until its deadline (`seedpay bond status`); answer it from the right file.",
      ],
    });
  }
}
