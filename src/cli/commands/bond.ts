import { readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { hexlify } from "ethers";
import { Command, InvalidArgumentError, Option } from "commander";
import type { DealTerms } from "../../chain/bondTypes";
import type { TxResult } from "../../chain/types";
import type { EvmBond } from "../../chain/evm/EvmBond";
import { buildMerkleTree } from "../../storage/buildMerkleTree";
import { proveBlockFromFile } from "../../storage/proveBlock";
import { startResponder } from "../../storage/bond/startResponder";
import { action, addressArg, bttArg, countArg, examples, secondsArg } from "../commandKit";
import { readDeployment } from "../deployments";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, formatGas } from "../format";
import type { CliIo } from "../output";
import type { Session } from "../session";

/** Terms as stored in a terms file: amounts and big integers as decimal strings. */
type TermsJson = Record<keyof DealTerms, string | number>;

function termsToJson(t: DealTerms): TermsJson {
  return {
    client: t.client,
    provider: t.provider,
    piecesRoot: t.piecesRoot,
    fileLength: t.fileLength.toString(),
    price: t.price.toString(),
    bond: t.bond.toString(),
    duration: t.duration,
    responseWindow: t.responseWindow,
    challengeFee: t.challengeFee.toString(),
    maxChallenges: t.maxChallenges,
    salt: t.salt.toString(),
  };
}

function readTerms(s: Session, file: string): DealTerms {
  let j: TermsJson;
  try {
    j = JSON.parse(readFileSync(path.resolve(s.out.io.cwd, file), "utf8")) as TermsJson;
    return {
      client: String(j.client),
      provider: String(j.provider),
      piecesRoot: String(j.piecesRoot),
      fileLength: BigInt(j.fileLength),
      price: BigInt(j.price),
      bond: BigInt(j.bond),
      duration: Number(j.duration),
      responseWindow: Number(j.responseWindow),
      challengeFee: BigInt(j.challengeFee),
      maxChallenges: Number(j.maxChallenges),
      salt: BigInt(j.salt),
    };
  } catch (error) {
    throw new CliUsageError(`${file} is not a deal terms file: ${(error as Error).message}`, {
      metaMessages: ["`seedpay bond offer --terms-out FILE` writes one."],
    });
  }
}

/** The StorageBond: --bond, env SEEDPAY_BOND, or the deployment file's `bond`. */
async function bondOf(s: Session, flag: string | undefined): Promise<EvmBond> {
  const address = flag ?? s.out.io.env.SEEDPAY_BOND ?? readDeployment(s.deploymentPath)?.bond?.address;
  if (!address) {
    throw new CliUsageError("no StorageBond address", {
      metaMessages: ["Pass --bond ADDRESS, set SEEDPAY_BOND, or deploy with `seedpay deploy` (it records one)."],
    });
  }
  const { EvmBond } = await import("../../chain/evm/EvmBond");
  return EvmBond.connect({ signer: await s.wallet(), bond: address });
}

const indexArg = (value: string): bigint => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("Expected a block index: 0, 1, 2, ...");
  return BigInt(value);
};

type Common = { bond?: string; terms: string };
const bondOption = () =>
  new Option("--bond <address>", "StorageBond address (env SEEDPAY_BOND; default: deployment file)");
const termsOption = () =>
  new Option("--terms <file>", "the deal's terms file (from `bond offer --terms-out`)").makeOptionMandatory();

/** One deal action: loads the terms and the bond, sends, reports. */
function dealAction(
  io: CliIo,
  name: string,
  summary: string,
  run: (bond: EvmBond, terms: DealTerms, o: Common & Record<string, unknown>) => Promise<TxResult>,
  extra: (c: Command) => Command = (c) => c,
): Command {
  return extra(new Command(name).summary(summary).addOption(bondOption()).addOption(termsOption())).action(
    action<Common & Record<string, unknown>>(io, async (s, o) => {
      const terms = readTerms(s, o.terms);
      const bond = await bondOf(s, o.bond);
      const tx = await s.txs.track(name, () => run(bond, terms, o));
      const state = await bond.getDeal(terms);
      return {
        json: { dealId: bond.dealId(terms), state: { ...state, earned: amountJson(state.earned) }, tx: tx.hash },
        text: [`${name}: deal ${bond.dealId(terms)} is now ${state.status} (gas ${formatGas(tx.gasUsed)})`],
      };
    }),
  );
}

export function bondCommand(io: CliIo): Command {
  const bond = new Command("bond")
    .summary("storage bonds: BEP 52 roots and proofs, deals, challenges and answers")
    .description(
      "Bonded storage deals: a client pays a provider to hold a file (identified by its BitTorrent v2 pieces root);\n" +
        "the provider posts a bond it loses if it cannot prove a challenged 16 KiB block in time.",
    );

  bond.addCommand(
    new Command("root")
      .summary("print a file's BEP 52 pieces root (64 hex characters, last line)")
      .argument("<file>")
      .action(
        action(io, async (s, _o, [file]) => {
          const tree = await buildMerkleTree(path.resolve(s.out.io.cwd, file));
          if (!tree.piecesRoot) throw new CliUsageError(`${file} is empty: an empty file has no pieces root`);
          const root = tree.piecesRoot.toString("hex");
          return {
            json: { file, length: tree.length, blocks: tree.blockCount, depth: tree.depth, piecesRoot: `0x${root}` },
            text: [`${file}: ${tree.length} bytes, ${tree.blockCount} blocks, depth ${tree.depth}`, root],
          };
        }),
      ),
  );

  bond.addCommand(
    new Command("proof")
      .summary("print the BEP 52 proof of one 16 KiB block as JSON")
      .argument("<file>")
      .argument("<index>", "block index", indexArg)
      .action(
        action(io, async (s, _o, [file, index]) => {
          const p = await proveBlockFromFile(path.resolve(s.out.io.cwd, file), Number(index));
          const json = {
            index: p.index,
            piecesRoot: hexlify(p.piecesRoot),
            fileLength: p.length,
            block: hexlify(p.block),
            proof: p.proof.map((h) => hexlify(h)),
          };
          return { json, text: [JSON.stringify(json)] };
        }),
      ),
  );

  type OfferOptions = {
    bond?: string;
    provider: string;
    file: string;
    price: bigint;
    collateral: bigint;
    duration: number;
    responseWindow: number;
    challengeFee: bigint;
    maxChallenges: number;
    termsOut: string;
  };
  bond.addCommand(
    new Command("offer")
      .summary("offer a deal for a file (client): the price is escrowed now")
      .addOption(bondOption())
      .addOption(new Option("--provider <address>", "who stores the file").argParser(addressArg).makeOptionMandatory())
      .addOption(
        new Option("--file <path>", "the file (its pieces root and length go into the terms)").makeOptionMandatory(),
      )
      .addOption(
        new Option("--price <btt>", "paid to the provider over the deal").argParser(bttArg).makeOptionMandatory(),
      )
      .addOption(
        new Option("--collateral <btt>", "the bond the provider posts").argParser(bttArg).makeOptionMandatory(),
      )
      .addOption(new Option("--duration <seconds>", "deal length").argParser(secondsArg).default(30 * 24 * 3600))
      .addOption(
        new Option("--response-window <seconds>", "time to answer a challenge")
          .argParser(secondsArg)
          .default(24 * 3600),
      )
      .addOption(
        new Option("--challenge-fee <btt>", "paid per challenge to the answering provider")
          .argParser(bttArg)
          .default(10n ** 17n),
      )
      .addOption(new Option("--max-challenges <n>", "challenges allowed over the deal").argParser(countArg).default(30))
      .addOption(
        new Option(
          "--terms-out <file>",
          "where to write the deal's terms (every later action needs them)",
        ).makeOptionMandatory(),
      )
      .addHelpText(
        "after",
        examples([
          [
            "seedpay bond offer --provider 0x3C44… --file movie.mkv --price 100 --collateral 50 --terms-out deal.json",
            "offer a 30-day deal",
          ],
        ]),
      )
      .action(
        action<OfferOptions>(io, async (s, o) => {
          const tree = await buildMerkleTree(path.resolve(s.out.io.cwd, o.file));
          if (!tree.piecesRoot) throw new CliUsageError(`${o.file} is empty: an empty file cannot be bonded`);
          const wallet = await s.wallet();
          const terms: DealTerms = {
            client: wallet.address,
            provider: o.provider,
            piecesRoot: hexlify(tree.piecesRoot),
            fileLength: BigInt(tree.length),
            price: o.price,
            bond: o.collateral,
            duration: o.duration,
            responseWindow: o.responseWindow,
            challengeFee: o.challengeFee,
            maxChallenges: o.maxChallenges,
            salt: randomBytes(8).readBigUInt64BE(),
          };
          const b = await bondOf(s, o.bond);
          await s.txs.track("approve", () => b.approve(o.price));
          const tx = await s.txs.track("offer", () => b.offer(terms));
          writeFileSync(path.resolve(s.out.io.cwd, o.termsOut), `${JSON.stringify(termsToJson(terms), null, 2)}\n`);
          return {
            json: { dealId: tx.dealId, terms: termsToJson(terms), termsFile: o.termsOut },
            text: [
              `offered deal ${tx.dealId} for ${o.file} (root ${terms.piecesRoot}) to ${o.provider}`,
              `  price ${formatBtt(o.price)}, bond ${formatBtt(o.collateral)}; terms written to ${o.termsOut}`,
            ],
          };
        }),
      ),
  );

  bond.addCommand(
    dealAction(io, "accept", "accept a deal (provider): the bond is posted now", async (b, t) => {
      await b.approve(t.bond);
      return b.accept(t);
    }),
  );
  bond.addCommand(dealAction(io, "cancel", "withdraw an offer not yet accepted (client)", (b, t) => b.cancel(t)));
  bond.addCommand(
    dealAction(
      io,
      "challenge",
      "challenge a block (client); default: a random block",
      async (b, t, o) => {
        if (t.challengeFee > 0n) await b.approve(t.challengeFee);
        const blocks = (t.fileLength + 16383n) / 16384n;
        const index = (o.index as bigint | undefined) ?? randomBytes(8).readBigUInt64BE() % blocks;
        return b.challenge(t, index);
      },
      (c) => c.addOption(new Option("--index <n>", "the block to challenge").argParser(indexArg)),
    ),
  );
  bond.addCommand(dealAction(io, "slash", "slash a deal whose challenge was missed (anyone)", (b, t) => b.slash(t)));
  bond.addCommand(dealAction(io, "finish", "pay out a deal after its end (anyone)", (b, t) => b.finish(t)));
  bond.addCommand(
    dealAction(io, "withdraw-earnings", "withdraw the price earned so far (provider)", (b, t) => b.withdrawEarnings(t)),
  );

  type RespondOptions = Common & { file: string; watch?: boolean; interval: number };
  bond.addCommand(
    new Command("respond")
      .summary("answer the open challenge from the file on disk; --watch keeps answering")
      .addOption(bondOption())
      .addOption(termsOption())
      .addOption(new Option("--file <path>", "the stored file").makeOptionMandatory())
      .option("--watch", "keep running, answering every challenge as it comes")
      .addOption(new Option("--interval <ms>", "polling interval").argParser(Number).default(2000))
      .action(
        action<RespondOptions>(io, async (s, o) => {
          const terms = readTerms(s, o.terms);
          const b = await bondOf(s, o.bond);
          const answered: string[] = [];
          const errors: Error[] = [];
          await new Promise<void>((resolve) => {
            const stop = startResponder({
              bond: b,
              deals: [{ terms, path: path.resolve(s.out.io.cwd, o.file) }],
              pollingInterval: o.interval,
              onAnswered: (a) => {
                answered.push(`${a.index}`);
                s.out.note(`answered the challenge of block ${a.index} (gas ${formatGas(a.tx.gasUsed)})`);
                if (!o.watch) {
                  stop();
                  resolve();
                }
              },
              onError: (e) => {
                errors.push(e);
                s.out.note(`could not answer yet: ${e.message.split("\n")[0]}`);
              },
            });
            if (!o.watch) {
              // Without --watch: answer what is open now, or say there is nothing to answer.
              void b.getDeal(terms).then((state) => {
                if (state.status !== "challenged") {
                  stop();
                  resolve();
                }
              });
            } else {
              process.once("SIGINT", () => {
                stop();
                resolve();
              });
            }
          });
          const state = await b.getDeal(terms);
          return {
            json: { answered, status: state.status, errors: errors.map((e) => e.message) },
            text: [
              answered.length
                ? `answered ${answered.length} challenge(s); deal is ${state.status}`
                : `nothing to answer: deal is ${state.status}`,
            ],
          };
        }),
      ),
  );

  bond.addCommand(
    new Command("status")
      .summary("a deal's state")
      .addOption(bondOption())
      .addOption(termsOption())
      .action(
        action<Common>(io, async (s, o) => {
          const terms = readTerms(s, o.terms);
          const b = await bondOf(s, o.bond);
          const st = await b.getDeal(terms);
          return {
            json: {
              dealId: b.dealId(terms),
              ...st,
              earned: amountJson(st.earned),
              withdrawn: amountJson(st.withdrawn),
            },
            text: [
              `deal ${b.dealId(terms)}: ${st.status}`,
              `  earned ${formatBtt(st.earned)} of ${formatBtt(terms.price)}, withdrawn ${formatBtt(st.withdrawn)}`,
              `  challenges ${st.challenges} of ${terms.maxChallenges}` +
                (st.status === "challenged"
                  ? `; block ${st.challengedIndex} must be answered by ${new Date(Number(st.challengeDeadline) * 1000).toISOString()}`
                  : ""),
            ],
          };
        }),
      ),
  );
  return bond;
}
