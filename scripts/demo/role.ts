/** What both demo roles share: the terms of trade, connecting to the chain, and logging. */
import { Writable } from "node:stream";
import { Wallet } from "ethers";
import { EvmChain } from "../../src/chain/evm/EvmChain";
import { connectNode } from "../../src/cli/connectNode";
import { formatBtt, formatGas } from "../../src/cli/format";
import { Output } from "../../src/cli/output";
import { TxLog } from "../../src/cli/progressChain";
import { SqliteStore } from "../../src/store/sqliteStore";

const BTT = 10n ** 18n;

/** 256 KiB pieces at 1 BTT per MiB: 0.25 BTT a piece. */
export const PIECE_BYTES = 256 * 1024;
export const PRICE_PER_MIB = BTT;
/** The seeder serves at most four pieces ahead of the vouchers it holds. */
export const CREDIT_LIMIT = BTT;
export const DISPUTE_WINDOW = 3600;

export const ROLE = process.env.SEEDPAY_DEMO_ROLE ?? "role";

export function log(line: string): void {
  process.stdout.write(`${`[${ROLE}]`.padEnd(12)}${line}\n`);
}

export { formatBtt as btt, formatGas as gas };

export type RoleEnvironment = { chain: EvmChain; store: SqliteStore; chainId: bigint; wallet: Wallet };

/** The role's chain adapter and store, from the same variables the CLI reads. */
export async function connectRole(): Promise<RoleEnvironment> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${ROLE}: ${name} is not set`);
    return value;
  };
  const { provider, chainId } = await connectNode(env("SEEDPAY_RPC"));
  const wallet = new Wallet(env("SEEDPAY_PRIVATE_KEY"), provider);
  const chain = await EvmChain.connect({ signer: wallet, escrow: env("SEEDPAY_ESCROW") });
  return { chain, store: new SqliteStore(env("SEEDPAY_DB")), chainId, wallet };
}

/** A transaction log that prints nothing: the roles print their own lines. */
export function quietTxLog(): TxLog {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return new TxLog(new Output({ stdout: sink, stderr: sink, stdin: process.stdin, env: {}, cwd: "." }, false));
}
