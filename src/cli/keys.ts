import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parsePrivateKey } from "../voucher/parsePrivateKey";
import { CliUsageError, InvalidKeyError, MissingKeyError } from "./errors";
import type { Output } from "./output";

export type KeyOptions = { keyFile?: string; signerKeyFile?: string };

/** The wallet key (pays for and signs transactions): `--key-file`, else SEEDPAY_PRIVATE_KEY. */
export function loadWalletKey(out: Output, options: KeyOptions, command: string): string {
  const key = findWalletKey(out, options);
  if (key === undefined) throw new MissingKeyError("wallet", command);
  return key;
}

/** The wallet key if one is configured (commands that only read use it to show balances). */
export function findWalletKey(out: Output, options: KeyOptions): string | undefined {
  if (options.keyFile) return readKeyFile(out, options.keyFile, "--key-file");
  const env = out.io.env.SEEDPAY_PRIVATE_KEY;
  return env ? parseKey(env, "SEEDPAY_PRIVATE_KEY") : undefined;
}

/**
 * The voucher signer's hot key: `--signer-key-file`, else SEEDPAY_SIGNER_KEY, else the wallet key
 * with a warning (a torrent client should not keep its wallet key hot).
 */
export function loadSignerKey(out: Output, options: KeyOptions, command: string): string {
  if (options.signerKeyFile) return readKeyFile(out, options.signerKeyFile, "--signer-key-file");
  const env = out.io.env.SEEDPAY_SIGNER_KEY;
  if (env) return parseKey(env, "SEEDPAY_SIGNER_KEY");
  const wallet = findWalletKey(out, options);
  if (wallet === undefined) throw new MissingKeyError("signer", command);
  out.warn(
    "no voucher signer key (SEEDPAY_SIGNER_KEY / --signer-key-file): using the wallet key as the channel's signer. " +
      "A torrent client should sign vouchers with a separate hot key.",
  );
  return wallet;
}

function readKeyFile(out: Output, file: string, flag: string): string {
  const resolved = path.resolve(out.io.cwd, file);
  let text: string;
  try {
    text = readFileSync(resolved, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new CliUsageError(`${flag} ${file}: cannot read the key file (${code})`);
  }
  try {
    if ((statSync(resolved).mode & 0o077) !== 0) {
      out.warn(`key file ${file} is readable by other users: chmod 600 ${file}`);
    }
  } catch {
    // the file was just read; a failed stat only loses the warning
  }
  return parseKey(text, `${flag} ${file}`);
}

/** 0x-prefixed lowercase hex of a valid secp256k1 private key. */
function parseKey(text: string, source: string): string {
  const hex = text.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new InvalidKeyError(source);
  try {
    parsePrivateKey(hex); // rejects 0 and values at or above the curve order
  } catch {
    throw new InvalidKeyError(source);
  }
  return `0x${hex.toLowerCase()}`;
}
