import { randomBytes } from "node:crypto";
import path from "node:path";
import { hexlify } from "ethers";
import { Command, InvalidArgumentError, Option } from "commander";
import type { DealState, DealTerms } from "../../chain/bondTypes";
import type { TxResult } from "../../chain/types";
import { buildMerkleTree } from "../../storage/buildMerkleTree";
import { proveBlockFromFile } from "../../storage/proveBlock";
import { proveAcceptance } from "../../storage/bond/dealFile";
import { action, addressArg, bttArg, countArg, examples, secondsArg } from "../commandKit";
import { warnChallengeFee } from "../bondAnswerCost";
import { connectBond } from "../connectBond";
import { readTerms, termsToJson, writeTerms } from "../dealTerms";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, formatGas } from "../format";
import type { CliIo } from "../output";
import type { ProgressBond } from "../progressBond";
import type { Session } from "../session";
import { bondOption, termsOption, type Common } from "./bondOptions";
import { bondRespondCommand } from "./bondRespond";
import { bondWithdrawCommand } from "./bondWithdraw";

const BLOCK_SIZE = 16384;

/** StorageBond.MIN_RESPONSE_WINDOW: the contract refuses shorter windows. */
const MIN_RESPONSE_WINDOW = 15 * 60;

const windowArg = (value: string): number => {
  const seconds = secondsArg(value);
  if (seconds < MIN_RESPONSE_WINDOW) {
    throw new InvalidArgumentError(
      `At least ${MIN_RESPONSE_WINDOW} seconds (15 minutes): a provider must see a solidified challenge, prove and answer.`,
    );
  }
  return seconds;
};

const indexArg = (value: string): bigint => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("Expected a block index: 0, 1, 2, ...");
  return BigInt(value);
};

/** A deal's state in `--json` output: amounts as {btt, baseUnits}, the rest as strings. */
function stateJson(state: DealState): Record<string, unknown> {
  return { ...state, earned: amountJson(state.earned), withdrawn: amountJson(state.withdrawn) };
}

/** One deal action: loads the terms and the bond, sends (reported on stderr), reports the new state. */
function dealAction(
  io: CliIo,
  name: string,
  summary: string,
  run: (bond: ProgressBond, terms: DealTerms, o: Common & Record<string, unknown>, s: Session) => Promise<TxResult>,
  extra: (c: Command) => Command = (c) => c,
): Command {
  return extra(new Command(name).summary(summary).addOption(bondOption()).addOption(termsOption())).action(
    action<Common & Record<string, unknown>>(io, async (s, o) => {
      const terms = readTerms(s.io.cwd, o.terms);
      const bond = await connectBond(s, o.bond, true);
      const tx = await run(bond, terms, o, s);
      const state = await bond.getDeal(terms);
      const id = bond.dealId(terms);
      return {
        json: { dealId: id, state: stateJson(state), tx: tx.hash, transactions: s.txs.sent },
        text: [`${name}: deal ${id} is now ${state.status} (${s.txs.unit} ${formatGas(tx.gasUsed)})`],
      };
    }),
  );
}

export function bondCommand(io: CliIo): Command {
  const bond = new Command("bond")
    .summary("storage bonds: BEP 52 roots and proofs, deals, challenges and answers")
    .description(
      "Bonded storage deals: a client pays a provider to hold a file (identified by its BitTorrent v2 pieces " +
        "root); the provider posts a bond it loses if it cannot prove a challenged 16 KiB block in time. Runs on " +
        "EVM (--rpc) and TRON (--tron / --network), like the channel commands; the StorageBond is --bond, " +
        "SEEDPAY_BOND or the deployment file's `bond` (written by `seedpay deploy`).",
    )
    .addHelpText(
      "after",
      examples([
        ["seedpay bond root movie.mkv", "the file's pieces root"],
        [
          "seedpay --network development bond offer --provider TPjjv… --file movie.mkv --price 100 --collateral 50 --terms-out deal.json",
          "offer a deal on the TRON devnode (addresses in any form)",
        ],
        ["seedpay --network development bond status --terms deal.json", "the deal's state"],
      ]),
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
    offerValidFor: number;
    termsOut: string;
  };
  bond.addCommand(
    new Command("offer")
      .summary("offer a deal for a file (client): the price is escrowed now")
      .addOption(bondOption())
      .addOption(
        new Option("--provider <address>", "who stores the file (0x, or T… on TRON)")
          .argParser(addressArg)
          .makeOptionMandatory(),
      )
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
        new Option("--response-window <seconds>", "time to answer a challenge (at least 900: 15 minutes)")
          .argParser(windowArg)
          .default(24 * 3600),
      )
      .addOption(
        new Option("--challenge-fee <btt>", "paid per challenge to the answering provider")
          .argParser(bttArg)
          // A description, not the bigint: commander would JSON.stringify it for --help and throw.
          .default(10n ** 17n, "0.1"),
      )
      .addOption(
        new Option("--offer-valid-for <seconds>", "how long the provider may accept (then only cancel works)")
          .argParser(secondsArg)
          .default(7 * 24 * 3600),
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
          [
            "seedpay --network shasta bond offer --provider TPjjv… --file movie.mkv --price 100 --collateral 50 --terms-out deal.json",
            "the same on TRON Shasta",
          ],
        ]),
      )
      .action(
        action<OfferOptions>(io, async (s, o) => {
          const tree = await buildMerkleTree(path.resolve(s.out.io.cwd, o.file));
          if (!tree.piecesRoot) throw new CliUsageError(`${o.file} is empty: an empty file cannot be bonded`);
          const b = await connectBond(s, o.bond, true);
          const terms: DealTerms = {
            client: b.account,
            provider: o.provider,
            piecesRoot: hexlify(tree.piecesRoot),
            fileLength: BigInt(tree.length),
            price: o.price,
            bond: o.collateral,
            duration: o.duration,
            responseWindow: o.responseWindow,
            challengeFee: o.challengeFee,
            maxChallenges: o.maxChallenges,
            // The wall clock: a chain whose clock runs ahead shortens the offer by the difference.
            offerExpiresAt: BigInt(Math.floor(Date.now() / 1000) + o.offerValidFor),
            salt: randomBytes(8).readBigUInt64BE(),
          };
          const show = (a: string): string => s.address(a);
          await b.approve(o.price);
          const tx = await b.offer(terms);
          writeTerms(s.io.cwd, o.termsOut, terms, show);
          return {
            json: {
              dealId: tx.dealId,
              terms: termsToJson(terms, show),
              termsFile: o.termsOut,
              transactions: s.txs.sent,
            },
            text: [
              `offered deal ${tx.dealId} for ${o.file} (root ${terms.piecesRoot}) to ${show(o.provider)}`,
              `  price ${formatBtt(o.price)}, bond ${formatBtt(o.collateral)}; terms written to ${o.termsOut}`,
              `  the offer expires ${new Date(Number(terms.offerExpiresAt) * 1000).toISOString()}`,
              `the provider accepts with: seedpay bond accept --terms ${o.termsOut} --file FILE`,
            ],
          };
        }),
      ),
  );

  bond.addCommand(
    dealAction(
      io,
      "accept",
      "accept a deal (provider) from the stored file: its root and length are checked, then the bond is posted",
      async (b, t, o, s) => {
        // Before anything is sent: a file whose root or length is not the terms' is refused here.
        const last = await proveAcceptance(path.resolve(s.io.cwd, o.file as string), t, o.file as string);
        await warnChallengeFee(s, t);
        await b.approve(t.bond);
        return b.accept(t, last.block, last.proof);
      },
      (c) =>
        c
          .addOption(
            new Option(
              "--file <path>",
              "the file to store: must have the terms' pieces root and length",
            ).makeOptionMandatory(),
          )
          .addHelpText(
            "after",
            examples([["seedpay bond accept --terms deal.json --file movie.mkv", "check the file, post the bond"]]),
          ),
    ),
  );
  bond.addCommand(dealAction(io, "cancel", "withdraw an offer not yet accepted (client)", (b, t) => b.cancel(t)));
  bond.addCommand(
    dealAction(
      io,
      "challenge",
      "challenge a block (client); default: a random block",
      async (b, t, o) => {
        if (t.challengeFee > 0n) await b.approve(t.challengeFee);
        const blocks = (t.fileLength + BigInt(BLOCK_SIZE - 1)) / BigInt(BLOCK_SIZE);
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

  bond.addCommand(bondRespondCommand(io));
  bond.addCommand(bondWithdrawCommand(io));

  bond.addCommand(
    new Command("status")
      .summary("a deal's state (needs no key)")
      .addOption(bondOption())
      .addOption(termsOption())
      .action(
        action<Common>(io, async (s, o) => {
          const terms = readTerms(s.io.cwd, o.terms);
          const b = await connectBond(s, o.bond, false);
          const st = await b.getDeal(terms);
          const id = b.dealId(terms);
          const endsAt = st.acceptedAt === 0n ? undefined : st.acceptedAt + BigInt(terms.duration);
          const iso = (seconds: bigint): string => new Date(Number(seconds) * 1000).toISOString();
          return {
            json: {
              dealId: id,
              bond: s.address(b.bond),
              client: s.address(terms.client),
              provider: s.address(terms.provider),
              ...stateJson(st),
              endsAt: endsAt?.toString() ?? null,
            },
            text: [
              `deal ${id}: ${st.status}` + (endsAt === undefined ? "" : `, ends ${iso(endsAt)}`),
              `  client ${s.address(terms.client)}, provider ${s.address(terms.provider)}`,
              `  earned ${formatBtt(st.earned)} of ${formatBtt(terms.price)}, withdrawn ${formatBtt(st.withdrawn)}`,
              `  challenges ${st.challenges} of ${terms.maxChallenges}` +
                (st.status === "challenged"
                  ? `; block ${st.challengedIndex} must be answered by ${iso(st.challengeDeadline)}`
                  : ""),
            ],
          };
        }),
      ),
  );
  return bond;
}
