import { open } from "node:fs/promises";
import path from "node:path";
import { hexlify } from "ethers";
import { Command, Option } from "commander";
import type { DealTerms } from "../../chain/bondTypes";
import { buildMerkleTree } from "../../storage/buildMerkleTree";
import { proveBlock } from "../../storage/proveBlock";
import { startResponder } from "../../storage/bond/startResponder";
import { action, examples, untilInterrupted } from "../commandKit";
import { connectBond } from "../connectBond";
import { readTerms } from "../dealTerms";
import { CliUsageError } from "../errors";
import { formatGas } from "../format";
import type { CliIo } from "../output";
import { bondOption, termsOption, type Common } from "./bondOptions";

const BLOCK_SIZE = 16384;

type RespondOptions = Common & { file: string; watch?: boolean; interval: number };

/** `seedpay bond respond`: the provider answers challenges from the stored file. */
export function bondRespondCommand(io: CliIo): Command {
  return new Command("respond")
    .summary("answer the open challenge from the file on disk (provider); --watch keeps answering")
    .description(
      "Proves the challenged block from the stored file and sends the answer. The file is checked against the " +
        "deal's pieces root first: a wrong file is refused before anything is sent. With --watch, keeps running " +
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
            await checkFile(o.file, file, terms, id);
            return {
              json: { dealId: id, answered: [], status: state.status, transactions: [] },
              text: [`nothing to answer: deal ${id} is ${state.status}`],
            };
          }
          const proof = await proveFromFile(o.file, file, terms, id, state.challengedIndex);
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
        await checkFile(o.file, file, terms, id);
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

/** Refuses a file that is not the deal's (another pieces root), before anything is sent. */
async function checkFile(shown: string, file: string, terms: DealTerms, id: string): Promise<void> {
  const tree = await buildMerkleTree(file);
  const root = tree.piecesRoot ? hexlify(tree.piecesRoot) : "(none: the file is empty)";
  if (root !== terms.piecesRoot.toLowerCase()) throw wrongFile(shown, id, root, terms.piecesRoot);
}

/** The proof of block `index` from the file, in one pass over it; refuses a file that is not the deal's. */
async function proveFromFile(
  shown: string,
  file: string,
  terms: DealTerms,
  id: string,
  index: bigint,
): Promise<{ block: Uint8Array; proof: Uint8Array[] }> {
  const tree = await buildMerkleTree(file, { keepLeaves: true });
  const root = tree.piecesRoot ? hexlify(tree.piecesRoot) : "(none: the file is empty)";
  if (root !== terms.piecesRoot.toLowerCase() || !tree.leaves) throw wrongFile(shown, id, root, terms.piecesRoot);
  const handle = await open(file, "r");
  try {
    const block = Buffer.alloc(BLOCK_SIZE);
    const { bytesRead } = await handle.read(block, 0, BLOCK_SIZE, Number(index) * BLOCK_SIZE);
    return proveBlock(tree.leaves, block.subarray(0, bytesRead), Number(index));
  } finally {
    await handle.close();
  }
}

function wrongFile(shown: string, id: string, root: string, expected: string): CliUsageError {
  return new CliUsageError(
    `${shown} is not the file of deal ${id}: its pieces root is ${root}, the deal's ${expected}`,
    {
      metaMessages: [
        "Answer from the exact file the deal was offered for (`seedpay bond root FILE` prints its root);",
        "nothing was sent. The challenge stays open until its deadline (`seedpay bond status`).",
      ],
    },
  );
}
