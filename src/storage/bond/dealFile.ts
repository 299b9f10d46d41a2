import { open } from "node:fs/promises";
import { hexlify } from "ethers";
import type { DealTerms } from "../../chain/bondTypes";
import { dealId } from "../../chain/evm/EvmBond";
import { SeedpayError } from "../../errors/base";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import { buildMerkleTree } from "../buildMerkleTree";
import { BLOCK_SIZE } from "../constants";
import { proveBlock, type BlockProof } from "../proveBlock";

export type WrongFileErrorType = WrongFileError;
/**
 * A file on disk that is not the one a deal was made for: its pieces root or its length differs
 * from the terms'. Nothing was sent. A wrong length in an offer is a trap (some block of the deal
 * could never be proven), so a provider must not accept it; the contract refuses it too.
 */
export class WrongFileError extends SeedpayError {
  override name = "WrongFileError";
}

/** A deal's file, checked against its terms: its leaf hashes, for proofs of any block. */
export type DealFile = { path: string; terms: DealTerms; leaves: Buffer; blockCount: number };

/**
 * Hashes the file at `path` (streaming) and checks that its BEP 52 pieces root and its length are
 * the deal's, before anything is sent: throws WrongFileError with both values otherwise.
 */
export async function checkDealFile(
  path: string,
  terms: DealTerms,
  /** How to name the file in errors (default: `path`), e.g. as the user typed it. */
  name = path,
): Promise<DealFile> {
  const tree = await buildMerkleTree(path, { keepLeaves: true });
  const id = dealId({ ...terms, client: normalizeAddress(terms.client), provider: normalizeAddress(terms.provider) });
  const root = tree.piecesRoot ? hexlify(tree.piecesRoot) : "(none: the file is empty)";
  if (root !== terms.piecesRoot.toLowerCase() || !tree.leaves) {
    throw new WrongFileError(`${name} is not the file of deal ${id}: its pieces root is ${root}`, {
      metaMessages: [
        `The deal's pieces root is ${terms.piecesRoot}.`,
        "Use the exact file the deal was offered for (`seedpay bond root FILE` prints its root); nothing was sent.",
      ],
    });
  }
  if (BigInt(tree.length) !== terms.fileLength) {
    throw new WrongFileError(
      `${name} is ${tree.length} bytes but deal ${id} says ${terms.fileLength}: the terms' length is wrong`,
      {
        metaMessages: [
          "The pieces root matches, but a root does not commit to the length: with this length some block",
          "could never be proven and the bond could be slashed. Do not accept; ask the client for terms with",
          `fileLength ${tree.length}. Nothing was sent (the contract would refuse the acceptance too).`,
        ],
      },
    );
  }
  return { path, terms, leaves: tree.leaves, blockCount: tree.blockCount };
}

/** Proof of block `index` of a checked deal file: reads the one block and proves it from the leaves. */
export async function proveDealBlock(file: DealFile, index: number): Promise<BlockProof> {
  const length = Number(file.terms.fileLength);
  const block = Buffer.alloc(Math.min(BLOCK_SIZE, length - index * BLOCK_SIZE));
  const handle = await open(file.path, "r");
  try {
    let filled = 0;
    while (filled < block.length) {
      const { bytesRead } = await handle.read(block, filled, block.length - filled, index * BLOCK_SIZE + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return proveBlock(file.leaves, block, index);
}

/**
 * What `accept` needs besides the terms: the file's last block and its proof, after checking that
 * the file at `path` has the deal's root and length (WrongFileError otherwise, before anything is sent).
 */
export async function proveAcceptance(path: string, terms: DealTerms, name = path): Promise<BlockProof> {
  const file = await checkDealFile(path, terms, name);
  return proveDealBlock(file, file.blockCount - 1);
}
