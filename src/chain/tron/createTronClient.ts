import { TronWeb } from "tronweb";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import { hex41, type TronClient, type TronTransaction } from "./sendContractCall";

/** How a TRON adapter reaches its node and signs (the options TronChain and TronBond share). */
export type TronClientParameters = {
  /** The node's URL (full node, solidity node and event API on one host, as TronGrid and the devnode serve them). */
  fullHost: string;
  /** 64 hex characters, with or without 0x. */
  privateKey: string;
  /** Fee limit = energy estimate × this × the energy price; default 1.3. */
  feeLimitMargin?: number;
  /** Wait until a transaction is in a block ("included", default) or in a solidified block. */
  confirm?: "included" | "solidified";
  /** Milliseconds between polls for a transaction's outcome; default 250. */
  pollingInterval?: number;
  /**
   * Signs a built transaction; default: TronWeb with `privateKey`. Lets a wallet or an HSM sign;
   * the node refuses a signature that is not the owner's (SIGERROR).
   */
  sign?: (transaction: TronTransaction) => Promise<TronTransaction>;
};

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
  const tronWeb = new TronWeb({ fullHost: parameters.fullHost, privateKey });
  const derived = tronWeb.address.fromPrivateKey(privateKey);
  if (!derived) throw new Error(`${adapter}: privateKey is not a valid secp256k1 key`);
  const account = normalizeAddress(derived);
  const feeLimitMargin = parameters.feeLimitMargin ?? 1.3;
  if (!(feeLimitMargin > 0)) throw new Error(`${adapter}: feeLimitMargin must be positive, not ${feeLimitMargin}`);
  const client: TronClient = {
    tronWeb,
    owner: hex41(account),
    feeLimitMargin,
    confirm: parameters.confirm ?? "included",
    pollingInterval: parameters.pollingInterval ?? 250,
    sign: parameters.sign ?? ((tx) => tronWeb.trx.sign(tx as never, privateKey) as Promise<TronTransaction>),
  };
  return { tronWeb, account, client };
}
