import { hexlify, randomBytes } from "ethers";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { BondAdapter, DealTerms } from "../../../src/chain/bondTypes";
import { proveAcceptance } from "../../../src/storage/bond/dealFile";
import { buildMerkleTree } from "../../../src/storage/buildMerkleTree";

const HOUR = 3600;

/**
 * Writes a random 5-blocks-and-a-bit file to `dir`, and has `client` offer and `provider` accept
 * a 30-day deal on it (6 h to answer a challenge) through any BondAdapter, EVM or TRON.
 */
export async function openDeal(
  dir: string,
  client: BondAdapter,
  provider: BondAdapter,
  parties: { client: string; provider: string },
): Promise<{ terms: DealTerms; file: string }> {
  const file = path.join(dir, "data.bin");
  writeFileSync(file, randomBytes(5 * 16384 + 100));
  const tree = await buildMerkleTree(file);
  const terms: DealTerms = {
    client: parties.client,
    provider: parties.provider,
    piecesRoot: hexlify(tree.piecesRoot!),
    fileLength: BigInt(tree.length),
    price: 10n ** 21n,
    bond: 5n * 10n ** 20n,
    duration: 30 * 24 * HOUR,
    responseWindow: 6 * HOUR,
    challengeFee: 10n ** 18n,
    maxChallenges: 10,
    offerExpiresAt: 4_000_000_000n,
    salt: 1n,
  };
  await client.approve(10n ** 22n);
  await provider.approve(10n ** 22n);
  await client.offer(terms);
  const last = await proveAcceptance(file, terms);
  await provider.accept(terms, last.block, last.proof);
  return { terms, file };
}
