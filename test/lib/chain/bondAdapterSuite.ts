import { expect } from "chai";
import { hexlify, randomBytes } from "ethers";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BondAdapter, ChallengeEvent, DealState, DealTerms } from "../../../src/chain/bondTypes";
import { EscrowRevertedError, TransactionFailedError } from "../../../src/chain/escrowErrors";
import { dealId } from "../../../src/chain/evm/EvmBond";
import type { TxResult } from "../../../src/chain/types";
import { SeedpayError } from "../../../src/errors/base";
import { buildMerkleTree } from "../../../src/storage/buildMerkleTree";
import { proveAcceptance } from "../../../src/storage/bond/dealFile";
import { proveBlockFromFile } from "../../../src/storage/proveBlock";
import { normalizeAddress } from "../../../src/voucher/normalizeAddress";
import { BTT, until } from "./adapterSuite";

const HOUR = 3600;
const DAY = 24 * HOUR;
const SLASH_REWARD_BPS = 500n;

/**
 * A fresh token (with a blacklist, as TRON USDT has) and StorageBond per test, and the parties
 * around them on one chain. Client and provider hold tokens; addresses are 0x-hex.
 */
export type BondFixture = {
  clientBond: BondAdapter;
  providerBond: BondAdapter;
  /** A third party: slashes for the reward. */
  keeperBond: BondAdapter;
  client: string;
  provider: string;
  keeper: string;
  /** The address as this chain's users write it (base58 on TRON), to prove adapters accept it. */
  nativeAddress(address: string): string;
  tokenBalance(account: string): Promise<bigint>;
  /** Makes the token refuse transfers to or from `account` (as TRON USDT's blacklist does). */
  setBlacklisted(account: string, value: boolean): Promise<void>;
  /** Moves the chain clock forward and mines a block. */
  increaseTime(seconds: number): Promise<void>;
  blockNumber(): Promise<bigint>;
  /** An adapter for this bond whose node is unreachable. */
  unreachable(): Promise<BondAdapter>;
};

/** What each bond operation cost (gas or energy), by adapter. */
export const measuredBondCosts: Record<string, Record<string, bigint>> = {};

/** The refusal a promise ends with, as an EscrowRevertedError (fails the test if it resolves or fails otherwise). */
async function refusal(promise: Promise<unknown>): Promise<EscrowRevertedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have been refused").to.be.instanceOf(EscrowRevertedError);
  return error as EscrowRevertedError;
}

/**
 * The BondAdapter contract, run against every adapter: a behaviour that differs between them is a
 * bug in one of them. Proofs are real BEP 52 proofs of a file on disk, built by src/storage.
 */
export function describeBondAdapter(name: string, setup: () => Promise<BondFixture>): void {
  describe(`${name} (BondAdapter suite)`, function () {
    this.timeout(120_000);
    let dir: string;
    let file: string;
    let piecesRoot: string;
    let fileLength: bigint;
    let salt = 1n;
    const costs = (measuredBondCosts[name] ??= {});
    const record = <T extends TxResult>(op: string, result: T): T => {
      costs[op] ??= result.gasUsed;
      return result;
    };

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "seedpay-bond-suite-"));
      file = path.join(dir, "data.bin");
      // Six blocks, the last one 100 bytes: proofs of the short last block are exercised too.
      writeFileSync(file, randomBytes(5 * 16384 + 100));
      const tree = await buildMerkleTree(file);
      piecesRoot = hexlify(tree.piecesRoot!);
      fileLength = BigInt(tree.length);
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
      // SEEDPAY_PRINT_COSTS=1 prints what each operation cost on this chain (gas or energy).
      if (process.env.SEEDPAY_PRINT_COSTS)
        console.log(`      ${name}: ${JSON.stringify(costs, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    });

    /** Deal terms with the client's and provider's addresses in the chain's own form. */
    const termsOf = (f: BondFixture): DealTerms => ({
      client: f.nativeAddress(f.client),
      provider: f.nativeAddress(f.provider),
      piecesRoot,
      fileLength,
      price: 1000n * BTT,
      bond: 500n * BTT,
      duration: 30 * DAY,
      responseWindow: 6 * HOUR,
      challengeFee: 1n * BTT,
      maxChallenges: 10,
      offerExpiresAt: 4_000_000_000n,
      salt: salt++,
    });
    const idOf = (t: DealTerms): string =>
      dealId({ ...t, client: normalizeAddress(t.client), provider: normalizeAddress(t.provider) });
    const answer = async (index: number) => {
      const proof = await proveBlockFromFile(file, index);
      return { block: proof.block, proof: proof.proof };
    };
    /** The provider accepts with the last block of the file on disk (root and length checked first). */
    const acceptFromFile = async (b: BondAdapter, terms: DealTerms) => {
      const last = await proveAcceptance(file, terms);
      return b.accept(terms, last.block, last.proof);
    };
    /** A deal offered by the client and accepted by the provider. */
    const activeDeal = async (f: BondFixture): Promise<DealTerms> => {
      const terms = termsOf(f);
      await f.clientBond.approve(terms.price + 10n * terms.challengeFee);
      await f.providerBond.approve(terms.bond);
      await f.clientBond.offer(terms);
      await acceptFromFile(f.providerBond, terms);
      return terms;
    };

    it("offers a deal and cancels it: the price goes back, and misuse is refused with the values", async () => {
      const f = await setup();
      expect(f.clientBond.account).to.equal(f.client);
      expect(f.providerBond.account).to.equal(f.provider);
      const terms = termsOf(f);
      const id = idOf(terms);
      expect(f.clientBond.dealId(terms)).to.equal(id);
      expect(await f.clientBond.getDeal(terms)).to.deep.include({ status: "none" });

      const before = await f.tokenBalance(f.client);
      record("approve", await f.clientBond.approve(terms.price));
      const notClient = await refusal(f.providerBond.offer(terms));
      expect(notClient.errorName).to.equal("NotClient");
      expect(notClient.args).to.deep.equal([id, f.provider, f.client]);
      expect(notClient.shortMessage).to.equal(
        `offer refused: only deal ${id}'s client ${f.client} may do this, not ${f.provider}`,
      );

      const offered = record("offer", await f.clientBond.offer(terms));
      expect(offered.dealId).to.equal(id);
      expect(offered.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(offered.blockNumber).to.be.greaterThan(0n);
      expect(offered.gasUsed).to.be.greaterThan(0n);
      expect(await f.clientBond.getDeal(terms)).to.deep.equal({
        status: "offered",
        acceptedAt: 0n,
        withdrawn: 0n,
        earned: 0n,
        challenges: 0n,
        challengedIndex: 0n,
        challengeDeadline: 0n,
      } satisfies DealState);
      expect(await f.tokenBalance(f.client)).to.equal(before - terms.price);
      const again = await refusal(f.clientBond.offer(terms));
      expect(again.errorName).to.equal("DealAlreadyExists");
      expect(again.message).to.contain("Offer with another salt.");

      record("cancel", await f.clientBond.cancel(terms));
      expect((await f.clientBond.getDeal(terms)).status).to.equal("cancelled");
      expect(await f.tokenBalance(f.client)).to.equal(before);
      const late = await refusal(acceptFromFile(f.providerBond, terms));
      expect(late.errorName).to.equal("DealNotInStatus");
      expect(late.args).to.deep.equal([id, 6n, 1n]);
      expect(late.shortMessage).to.equal(`accept refused: deal ${id} is cancelled, not offered`);
    });

    it("runs a deal: accept, earnings, challenges answered with BEP 52 proofs (a wrong one refused), finish", async () => {
      const f = await setup();
      const terms = termsOf(f);
      const id = idOf(terms);
      const clientStart = await f.tokenBalance(f.client);
      const providerStart = await f.tokenBalance(f.provider);
      await f.clientBond.approve(terms.price + 2n * terms.challengeFee);
      await f.providerBond.approve(terms.bond);
      await f.clientBond.offer(terms);
      const accepted = record("accept", await acceptFromFile(f.providerBond, terms));
      const active = await f.providerBond.getDeal(terms);
      expect(active).to.deep.include({ status: "active", withdrawn: 0n, challenges: 0n, challengeDeadline: 0n });
      expect(active.acceptedAt).to.be.greaterThan(0n);
      expect(await f.tokenBalance(f.provider)).to.equal(providerStart - terms.bond);
      expect(accepted.gasUsed).to.be.greaterThan(0n);

      const early = await refusal(f.providerBond.finish(terms));
      expect(early.errorName).to.equal("DealNotOver");
      expect(early.args.slice(0, 2)).to.deep.equal([id, active.acceptedAt + BigInt(terms.duration)]);

      await f.increaseTime(terms.duration / 2);
      record("withdrawEarnings", await f.providerBond.withdrawEarnings(terms));
      const half = await f.providerBond.getDeal(terms);
      // Half the duration passed, plus the seconds the test itself took (well under an hour).
      expect(half.withdrawn).to.be.within(terms.price / 2n, terms.price / 2n + (terms.price * 3600n) / 2592000n);
      expect(await f.tokenBalance(f.provider)).to.equal(providerStart - terms.bond + half.withdrawn);

      const seen: ChallengeEvent[] = [];
      const errors: Error[] = [];
      const unwatch = f.clientBond.watchChallenges({
        fromBlock: await f.blockNumber(),
        pollingInterval: 10,
        onChallenge: (c) => void seen.push(c),
        onError: (e) => void errors.push(e),
      });
      const challenges: TxResult[] = [];
      const deadlines: bigint[] = [];
      try {
        // The file's last block (100 bytes, hashed unpadded) first, then its first.
        challenges.push(record("challenge", await f.clientBond.challenge(terms, 5n)));
        const challenged = await f.providerBond.getDeal(terms);
        expect(challenged).to.deep.include({ status: "challenged", challenges: 1n, challengedIndex: 5n });
        expect(challenged.challengeDeadline - BigInt(terms.responseWindow)).to.be.greaterThan(half.acceptedAt);
        deadlines.push(challenged.challengeDeadline);

        const wrong = await answer(4);
        const invalid = await refusal(f.providerBond.respond(terms, wrong.block, wrong.proof));
        expect(invalid.errorName).to.equal("InvalidProof");
        expect(invalid.args).to.deep.equal([id, 5n]);
        expect(invalid.message).to.contain("does not match the deal's pieces root");
        expect((await f.providerBond.getDeal(terms)).status).to.equal("challenged");

        const right = await answer(5);
        record("respond (100-byte block)", await f.providerBond.respond(terms, right.block, right.proof));
        expect(await f.providerBond.getDeal(terms)).to.deep.include({ status: "active", challenges: 1n });

        const tooSoon = await refusal(f.clientBond.challenge(terms, 0n));
        expect(tooSoon.errorName).to.equal("ChallengeTooSoon");
        expect(tooSoon.args).to.deep.equal([id, challenged.challengeDeadline]);

        await f.increaseTime(terms.responseWindow);
        const outOfRange = await refusal(f.clientBond.challenge(terms, 6n));
        expect(outOfRange.errorName).to.equal("BlockIndexOutOfRange");
        expect(outOfRange.args).to.deep.equal([id, 6n, 6n]);
        challenges.push(await f.clientBond.challenge(terms, 0n));
        deadlines.push((await f.providerBond.getDeal(terms)).challengeDeadline);
        const first = await answer(0);
        record("respond (16 KiB block)", await f.providerBond.respond(terms, first.block, first.proof));
        expect(await f.providerBond.getDeal(terms)).to.deep.include({
          status: "active",
          challenges: 2n,
          challengedIndex: 0n,
        });

        await until(() => seen.length >= 2);
        // Let more polls re-read the same blocks: nothing may be delivered twice.
        await new Promise((r) => setTimeout(r, 250));
      } finally {
        unwatch();
      }
      expect(errors).to.deep.equal([]);
      expect(seen).to.deep.equal(
        challenges.map((tx, i) => ({
          dealId: id,
          index: [5n, 0n][i],
          deadline: deadlines[i],
          txHash: tx.hash,
          blockNumber: tx.blockNumber,
        })),
      );

      await f.increaseTime(terms.duration);
      const beforeFinish = await f.tokenBalance(f.provider);
      record("finish", await f.keeperBond.finish(terms));
      expect(await f.providerBond.getDeal(terms)).to.deep.include({ status: "finished", challenges: 2n });
      expect(await f.tokenBalance(f.provider)).to.equal(
        beforeFinish + terms.bond + terms.price - half.withdrawn + 2n * terms.challengeFee,
      );
      expect(await f.tokenBalance(f.provider)).to.equal(providerStart + terms.price + 2n * terms.challengeFee);
      expect(await f.tokenBalance(f.client)).to.equal(clientStart - terms.price - 2n * terms.challengeFee);
      const done = await refusal(f.providerBond.withdrawEarnings(terms));
      expect(done.args).to.deep.equal([id, 5n, 2n]);
    });

    it("slashes a challenge missed past its deadline: bond to the client, a reward to the keeper from the provider's share", async () => {
      const f = await setup();
      const terms = await activeDeal(f);
      const id = idOf(terms);
      await f.increaseTime(DAY);
      await f.clientBond.challenge(terms, 1n);
      const { challengeDeadline } = await f.clientBond.getDeal(terms);

      const early = await refusal(f.keeperBond.slash(terms));
      expect(early.errorName).to.equal("ResponseWindowNotOver");
      expect(early.args.slice(0, 2)).to.deep.equal([id, challengeDeadline]);

      await f.increaseTime(terms.responseWindow + 1);
      const proof = await answer(1);
      const late = await refusal(f.providerBond.respond(terms, proof.block, proof.proof));
      expect(late.errorName).to.equal("ResponseTooLate");
      expect(late.args.slice(0, 2)).to.deep.equal([id, challengeDeadline]);

      const [client, provider, keeper] = await Promise.all([f.client, f.provider, f.keeper].map(f.tokenBalance));
      record("slash", await f.keeperBond.slash(terms));
      const slashed = await f.clientBond.getDeal(terms);
      expect(slashed).to.deep.include({ status: "slashed", challenges: 1n, challengeDeadline });
      // Earned until the missed challenge was made: about one day's share of the price.
      expect(slashed.earned).to.be.within(terms.price / 30n, terms.price / 30n + (terms.price * 3600n) / 2592000n);
      const reward = (terms.bond * SLASH_REWARD_BPS) / 10_000n;
      expect(await f.tokenBalance(f.keeper)).to.equal(keeper + reward);
      expect(await f.tokenBalance(f.client)).to.equal(
        client + terms.price - slashed.earned + terms.bond + terms.challengeFee,
      );
      expect(await f.tokenBalance(f.provider)).to.equal(provider + slashed.earned - reward);
      expect((await refusal(f.keeperBond.slash(terms))).args).to.deep.equal([id, 4n, 3n]);
    });

    it("keeps a payout the token refuses on the bond, withdrawable to any address form", async () => {
      const f = await setup();
      const terms = termsOf(f);
      await f.clientBond.approve(terms.price);
      await f.clientBond.offer(terms);
      const before = await f.tokenBalance(f.client);
      await f.setBlacklisted(f.client, true);
      await f.clientBond.cancel(terms);
      expect((await f.clientBond.getDeal(terms)).status).to.equal("cancelled");
      expect(await f.tokenBalance(f.client)).to.equal(before);
      await f.setBlacklisted(f.client, false);

      const tooMuch = await refusal(f.clientBond.withdraw(f.nativeAddress(f.client), terms.price + 1n));
      expect(tooMuch.errorName).to.equal("InsufficientBalance");
      expect(tooMuch.args).to.deep.equal([f.client, terms.price, terms.price + 1n]);
      const keeperBefore = await f.tokenBalance(f.keeper);
      record("withdraw", await f.clientBond.withdraw(f.nativeAddress(f.keeper), terms.price / 4n));
      await f.clientBond.withdraw(f.client, terms.price - terms.price / 4n);
      expect(await f.tokenBalance(f.keeper)).to.equal(keeperBefore + terms.price / 4n);
      expect(await f.tokenBalance(f.client)).to.equal(before + terms.price - terms.price / 4n);
      const empty = await refusal(f.clientBond.withdraw(f.client, 1n));
      expect(empty.args).to.deep.equal([f.client, 0n, 1n]);
    });

    it("watches challenges: each once, only from `fromBlock` on, across several deals", async () => {
      const f = await setup();
      const [a, b] = [await activeDeal(f), await activeDeal(f)];
      const from = await f.blockNumber();
      const first = await f.clientBond.challenge(a, 2n);
      const second = await f.clientBond.challenge(b, 3n);
      const watch = async (fromBlock: bigint, count: number): Promise<ChallengeEvent[]> => {
        const seen: ChallengeEvent[] = [];
        const unwatch = f.providerBond.watchChallenges({
          fromBlock,
          pollingInterval: 10,
          onChallenge: async (c) => {
            // A slow handler must not make the watcher deliver the challenge again.
            await new Promise((r) => setTimeout(r, 30));
            seen.push(c);
          },
        });
        try {
          await until(() => seen.length >= count);
          await new Promise((r) => setTimeout(r, 250));
        } finally {
          unwatch();
        }
        return seen;
      };
      const all = await watch(from, 2);
      expect(all.map((c) => [c.dealId, c.index, c.txHash])).to.deep.equal([
        [idOf(a), 2n, first.hash],
        [idOf(b), 3n, second.hash],
      ]);
      // Restarting after the first challenge's block gives only the second, once.
      const rest = await watch(first.blockNumber + 1n, 1);
      expect(rest).to.deep.equal([all[1]]);
    });

    it("reports an unreachable node as a typed error, for writes and reads", async () => {
      const f = await setup();
      const bond = await f.unreachable();
      const terms = termsOf(f);
      const error = await bond.slash(terms).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TransactionFailedError);
      expect((error as Error).message).to.contain("slash failed");
      const read = await bond.getDeal(terms).catch((e: unknown) => e);
      expect(read).to.be.instanceOf(SeedpayError);
    });
  });
}
