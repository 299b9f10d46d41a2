import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DealTerms } from "../chain/bondTypes";
import { normalizeAddress } from "../voucher/normalizeAddress";
import type { AddressFormat } from "./channelJson";
import { CliUsageError } from "./errors";

/** Terms as a terms file holds them: addresses in the chain's form, big integers as decimal strings. */
export type TermsJson = Record<keyof DealTerms, string | number>;

export function termsToJson(t: DealTerms, format: AddressFormat): TermsJson {
  return {
    client: format(t.client),
    provider: format(t.provider),
    piecesRoot: t.piecesRoot,
    fileLength: t.fileLength.toString(),
    price: t.price.toString(),
    bond: t.bond.toString(),
    duration: t.duration,
    responseWindow: t.responseWindow,
    challengeFee: t.challengeFee.toString(),
    maxChallenges: t.maxChallenges,
    offerExpiresAt: t.offerExpiresAt.toString(),
    salt: t.salt.toString(),
  };
}

export function writeTerms(cwd: string, file: string, terms: DealTerms, format: AddressFormat): void {
  writeFileSync(path.resolve(cwd, file), `${JSON.stringify(termsToJson(terms, format), null, 2)}\n`);
}

/**
 * Reads a terms file. Addresses may be in any form (0x, TRON base58 or 41-hex: a deal offered on
 * TRON is written in base58, and people copy addresses from explorers); they come back as 0x-hex.
 */
export function readTerms(cwd: string, file: string): DealTerms {
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, file), "utf8");
  } catch (error) {
    throw invalid(file, `cannot read it (${(error as { code?: string }).code ?? "unreadable"})`);
  }
  let j: Partial<TermsJson>;
  try {
    j = JSON.parse(text) as Partial<TermsJson>;
  } catch {
    throw invalid(file, "it is not JSON");
  }
  if (typeof j !== "object" || j === null) throw invalid(file, "expected a JSON object");
  const address = (field: "client" | "provider"): string => {
    try {
      return normalizeAddress(String(j[field]));
    } catch {
      throw invalid(file, `"${field}" must be an address (0x, or TRON base58 T…)`);
    }
  };
  const integer = (field: keyof DealTerms, bits: number): bigint => {
    const value = j[field];
    if ((typeof value !== "string" && typeof value !== "number") || !/^\d{1,78}$/.test(String(value))) {
      throw invalid(file, `"${field}" must be a whole number`);
    }
    const n = BigInt(value);
    if (n >= 1n << BigInt(bits)) throw invalid(file, `"${field}" does not fit in ${bits} bits`);
    return n;
  };
  const root = j.piecesRoot;
  if (typeof root !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(root)) {
    throw invalid(file, '"piecesRoot" must be 0x + 64 hex digits');
  }
  return {
    client: address("client"),
    provider: address("provider"),
    piecesRoot: root.toLowerCase(),
    fileLength: integer("fileLength", 64),
    price: integer("price", 256),
    bond: integer("bond", 256),
    duration: Number(integer("duration", 32)),
    responseWindow: Number(integer("responseWindow", 32)),
    challengeFee: integer("challengeFee", 256),
    maxChallenges: Number(integer("maxChallenges", 16)),
    offerExpiresAt: integer("offerExpiresAt", 64),
    salt: integer("salt", 64),
  };
}

function invalid(file: string, reason: string): CliUsageError {
  return new CliUsageError(`${file} is not a deal terms file: ${reason}`, {
    metaMessages: ["`seedpay bond offer --terms-out FILE` writes one; the client gives it to the provider."],
  });
}
