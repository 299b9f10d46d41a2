import { TronWeb } from "tronweb";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import { hex41, type TronClient, type TronTransaction } from "./sendContractCall";
import { connectionHeaders, type TronConnection } from "./tronConnection";
import { TronHttp, tronHttp } from "./tronHttp";

/** How a TRON adapter reaches its node and signs (the options TronChain and TronBond share). */
export type TronClientParameters = {
  /**
   * The node's URL (full node, solidity node and event API on one host, as TronGrid and the devnode
   * serve them). Shorthand for `connection: { fullNode }`; give one of the two.
   */
  fullHost?: string;
  /**
   * Full node, solidity node, event server, API key and request budget; every request the adapter
   * makes goes through it. Pass a TronHttp to share one (and its request count) between adapters.
   */
  connection?: TronConnection | TronHttp;
  /** 64 hex characters, with or without 0x. */
  privateKey: string;
  /** Fee limit = energy estimate × this × the energy price; default 1.3. */
  feeLimitMargin?: number;
  /**
   * Wait until a transaction is in a block ("included", default) or in a solidified block (its
   * receipt then read from the solidity node). Reads stay on the head either way; TronChain's
   * reads take `{ at: "solidified" }` for the final state.
   */
  confirm?: "included" | "solidified";
  /** Milliseconds between polls for a transaction's outcome; default 1000 (TRON makes a block every 3 s). */
  pollingInterval?: number;
  /**
   * Milliseconds the chain's energy price is trusted before it is read again; default 600,000.
   * Committee proposals change it (210 → 100 sun in 2025) only at a maintenance period (every 6 h),
   * and an OUT_OF_ENERGY result re-reads it at once.
   */
  priceTtlMs?: number;
  /**
   * Milliseconds a sent transaction is followed while the node does not answer (or does not take
   * it); default 5,000. Then TransactionUnconfirmedError carries its id: it may still land until
   * its expiration (60 s after it was built), and is never rebuilt behind the caller's back.
   */
  unansweredLimitMs?: number;
  /**
   * Milliseconds a sent transaction may stay out of a block before its same signed bytes are
   * broadcast again; default 6,000 (a node may take a transaction and lose it).
   */
  rebroadcastAfterMs?: number;
  /**
   * Signs a built transaction; default: TronWeb with `privateKey`. Lets a wallet or an HSM sign;
   * the node refuses a signature that is not the owner's (SIGERROR).
   */
  sign?: (transaction: TronTransaction) => Promise<TronTransaction>;
};

/** The TronHttp of an adapter's parameters: `connection`, or `fullHost` alone. */
export function connectionOf(adapter: string, parameters: Pick<TronClientParameters, "fullHost" | "connection">) {
  if (parameters.connection !== undefined) return tronHttp(parameters.connection, adapter);
  if (parameters.fullHost === undefined) {
    throw new Error(`${adapter}: give the node as fullHost (one URL) or connection ({ fullNode, apiKey, … })`);
  }
  return new TronHttp({ fullNode: parameters.fullHost }, adapter);
}

/**
 * A TronWeb instance, the signing account (0x-hex, as every adapter reports addresses) and the
 * client sendContractCall needs. `adapter` names the caller in errors about the parameters.
 */
export function createTronClient(
  adapter: string,
  parameters: TronClientParameters,
): { tronWeb: TronWeb; account: string; client: TronClient } {
  const privateKey = parameters.privateKey.replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new Error(`${adapter}: privateKey must be 64 hex characters (with or without 0x)`);
  }
  const http = connectionOf(adapter, parameters);
  const c = http.connection;
  // TronWeb only signs and converts addresses here; it gets the same hosts and key all the same,
  // so code that reaches through `adapter.tronWeb` is not sent unkeyed.
  const tronWeb = new TronWeb({
    fullNode: c.fullNode,
    solidityNode: c.solidityNode,
    eventServer: c.eventServer,
    headers: connectionHeaders(c),
    privateKey,
  });
  const derived = tronWeb.address.fromPrivateKey(privateKey);
  if (!derived) throw new Error(`${adapter}: privateKey is not a valid secp256k1 key`);
  const account = normalizeAddress(derived);
  const feeLimitMargin = parameters.feeLimitMargin ?? 1.3;
  if (!(feeLimitMargin > 0)) throw new Error(`${adapter}: feeLimitMargin must be positive, not ${feeLimitMargin}`);
  const priceTtlMs = parameters.priceTtlMs ?? 600_000;
  if (!(priceTtlMs >= 0)) throw new Error(`${adapter}: priceTtlMs must be ≥ 0, not ${priceTtlMs}`);
  const client: TronClient = {
    tronWeb,
    http,
    owner: hex41(account),
    feeLimitMargin,
    confirm: parameters.confirm ?? "included",
    pollingInterval: parameters.pollingInterval ?? 1000,
    priceTtlMs,
    unansweredLimitMs: parameters.unansweredLimitMs,
    rebroadcastAfterMs: parameters.rebroadcastAfterMs,
    sign: parameters.sign ?? ((tx) => tronWeb.trx.sign(tx as never, privateKey) as Promise<TronTransaction>),
  };
  return { tronWeb, account, client };
}
