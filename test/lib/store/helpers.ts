import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ChannelKey } from "../../../src/voucher/typedData";
import type { ChannelRole, UpsertChannelParameters } from "../../../src/store";

export const SHASTA = 2494104990;
export const ESCROW = "0x" + "e5".repeat(20);
export const PAYER = "0x" + "a1".repeat(20);
export const PAYEE = "0x" + "b2".repeat(20);
export const SIGNER = "0x" + "c3".repeat(20);
/** Above 2^64 and 2^128: amounts must survive as decimal text. */
export const BIG = 2n ** 200n + 12345n;
export const MAX_UINT256 = 2n ** 256n - 1n;

let salt = 1n;
/** A key with a salt never used before in this process. */
export function makeKey(overrides: Partial<ChannelKey> = {}): ChannelKey {
  return { payer: PAYER, payee: PAYEE, signer: SIGNER, disputeWindow: 86_400, salt: salt++, ...overrides };
}

export function channelParams(
  role: ChannelRole,
  overrides: Partial<UpsertChannelParameters> = {},
): UpsertChannelParameters {
  return { chainId: SHASTA, escrow: ESCROW, role, key: makeKey(), status: "open", deposit: 1_000n, ...overrides };
}

/** A well-formed 65-byte signature whose bytes encode `n` (the store does not verify signatures). */
export function sig(n: bigint | number): string {
  return "0x" + BigInt(n).toString(16).padStart(130, "0");
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  const now = () => t;
  now.advance = (ms = 1) => {
    t += ms;
  };
  return now;
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = "seedpay-store-"): {
  dir: string;
  file: (name: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
