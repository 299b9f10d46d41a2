import type { Interface, Result } from "ethers";
import type { TronWeb } from "tronweb";
import { SeedpayError } from "../../errors/base";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import { decodeEscrowError, EscrowRevertedError, toSeedpayError, TransactionFailedError } from "../escrowErrors";
import type { TxFee, TxResult } from "../types";
import { buildContractCall, refBlockOf } from "./buildContractCall";
import { chainPrices, feeLimitOf, type ChainPrices } from "./chainPrices";
import { fromHexText, trackTransaction, type TransactionInfo } from "./trackTransaction";
import { TronHttpError, type TronHttp } from "./tronHttp";

export { feeLimitFor } from "./chainPrices";

/** A transaction as the node builds it and TronWeb signs it (the fields read here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TronTransaction = { txID: string; raw_data: { expiration: number }; signature?: string[] } & Record<
  string,
  any
>;

/** What sending needs: a node, an owner, and how to price, sign and confirm. */
export type TronClient = {
  /** Signs and converts addresses; requests go through `http`. */
  tronWeb: TronWeb;
  /** Every request: the connection's hosts, API key and retry policy. */
  http: TronHttp;
  /** The owner (signer) of transactions, `41…` hex. */
  owner: string;
  /** Fee limit = energy estimate × margin × energy price. */
  feeLimitMargin: number;
  confirm: "included" | "solidified";
  pollingInterval: number;
  /** Milliseconds the chain's prices are trusted before they are read again. */
  priceTtlMs?: number;
  /** Milliseconds an outcome is awaited from a node that does not answer; default: past the expiration. */
  unansweredLimitMs?: number;
  /** Milliseconds without the transaction in a block before it is broadcast again; default 6000. */
  rebroadcastAfterMs?: number;
  sign: (transaction: TronTransaction) => Promise<TronTransaction>;
  /** Sun per energy and per byte of bandwidth, and the chain's largest fee limit, as last read. */
  prices?: ChainPrices;
};

export type SendContractCallParameters = {
  /** Names the operation in errors ("claim refused: …"). */
  action: string;
  iface: Interface;
  /** The contract, any address form. */
  contract: string;
  /** The function's name in `iface`, and its arguments (addresses 0x-hex). */
  method?: string;
  args: unknown[];
  /** Receives what the function returns, from the estimating constant call. */
  onEstimate?: (output: Result) => void;
  /** Receives what the function returned in the executed transaction (its contractResult). */
  onResult?: (output: Result) => void;
  /** This send's fee limit margin and re-broadcast pace, over the client's (a claim near its deadline). */
  feeLimitMargin?: number;
  rebroadcastAfterMs?: number;
};

/**
 * Which state a read sees: the head's ("head", the full node), or the newest solidified block's
 * ("solidified", the solidity node: final, about 19 blocks or a minute behind the head on TRON).
 */
export type ReadAt = "head" | "solidified";

/**
 * A constant call through /wallet/triggerconstantcontract, or /walletsolidity/… when `at` is
 * "solidified" (straight to the HTTP API: TronWeb's wrapper drops `constant_result`, the revert
 * data, when a call reverts). Returns the decoded output and the energy the call used; a revert
 * becomes EscrowRevertedError when it decodes.
 */
export async function constantCall(
  client: TronClient,
  action: string,
  method: string,
  iface: Interface,
  contract: string,
  args: unknown[],
  at: ReadAt = "head",
): Promise<{ output: Result; energy: number; selector: string; parameter: string }> {
  const fragment = iface.getFunction(method)!;
  const selector = fragment.format("sighash");
  const parameter = iface.encodeFunctionData(fragment, args).slice(10);
  const path = at === "solidified" ? "walletsolidity/triggerconstantcontract" : "wallet/triggerconstantcontract";
  const answer = await post(client, path, {
    owner_address: client.owner,
    contract_address: hex41(contract),
    function_selector: selector,
    parameter,
    call_value: 0,
  });
  const returned = "0x" + String(answer.constant_result?.[0] ?? "").replace(/^0x/, "");
  if (answer.transaction?.ret?.[0]?.ret === "FAILED" || answer.result?.result !== true) {
    const decoded = decodeEscrowError(returned);
    if (decoded) throw new EscrowRevertedError(action, decoded);
    const reason = fromHexText(answer.result?.message) || answer.result?.code || "no reason given";
    throw new Error(`the call to ${method} failed: ${reason}`);
  }
  const output = iface.decodeFunctionResult(fragment, returned);
  // energy_used already includes energy_penalty, the dynamic-energy surcharge java-tron adds to
  // popular contracts (TRON's API reference for triggerconstantcontract), so the fee limit follows it.
  return { output, energy: Number(answer.energy_used ?? 0), selector, parameter };
}

/**
 * Estimates (a constant call, so a refused call costs nothing and is reported with its decoded
 * error), sets the fee limit from the estimate and the chain's current energy price, builds (here:
 * buildContractCall), signs, broadcasts and follows the transaction by its id (trackTransaction: never rebuilt). Every
 * failure becomes a SeedpayError naming `action`. The result carries the energy and bandwidth it
 * burnt.
 */
export async function sendContractCall(client: TronClient, p: SendContractCallParameters): Promise<TxResult> {
  const { action, iface, contract, args, onEstimate, onResult, method = action } = p;
  try {
    // One round trip before the broadcast: the estimate, the prices (cached, see chainPrices) and
    // the head the transaction refers to are read at once, and the transaction is built here
    // (buildContractCall) rather than by the node, which only echoes these fields back.
    const [estimate, prices, ref] = await Promise.all([
      constantCall(client, action, method, iface, contract, args),
      chainPrices(client),
      refBlockOf(client),
    ]);
    onEstimate?.(estimate.output);
    const feeLimit = feeLimitOf(prices, estimate.energy, p.feeLimitMargin ?? client.feeLimitMargin);
    const built = buildContractCall(client, ref, {
      contract: hex41(contract),
      data: iface.getFunction(method)!.selector.slice(2) + estimate.parameter,
      feeLimit,
    });
    const signed = await client.sign(built);
    const info = await trackTransaction(client, action, signed, { rebroadcastAfterMs: p.rebroadcastAfterMs });
    const result = await outcome(client, action, signed.txID, info, feeLimit);
    if (onResult) {
      const fragment = iface.getFunction(method)!;
      onResult(iface.decodeFunctionResult(fragment, "0x" + String(info.contractResult?.[0] ?? "")));
    }
    return result;
  } catch (error) {
    throw toTronError(client, action, error);
  }
}

/** What a transaction burnt, from its info: energy and bandwidth, free or paid in sun. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function feeOf(info: any, bandwidthPrice: number): TxFee {
  const receipt = info.receipt ?? {};
  const energySun = BigInt(receipt.energy_fee ?? 0);
  const bandwidthSun = BigInt(receipt.net_fee ?? 0);
  // java-tron reports bytes paid from free or staked bandwidth as net_usage, and bytes it burnt TRX for only as net_fee.
  const bandwidth = BigInt(receipt.net_usage ?? 0) + bandwidthSun / BigInt(Math.max(1, bandwidthPrice));
  const total = BigInt(info.fee ?? 0);
  return {
    energy: BigInt(receipt.energy_usage_total ?? 0),
    energySun,
    bandwidth,
    bandwidthSun,
    totalSun: total > energySun + bandwidthSun ? total : energySun + bandwidthSun,
  };
}

/** Reads a transaction's receipt: SUCCESS → TxResult; REVERT with escrow data → EscrowRevertedError; else TransactionFailedError. */
async function outcome(
  client: TronClient,
  action: string,
  txID: string,
  info: TransactionInfo,
  feeLimit: number,
): Promise<TxResult> {
  const result: string = info.receipt?.result ?? (info.result === "FAILED" ? "FAILED" : "SUCCESS");
  const fee = feeOf(info, client.prices?.bandwidth ?? 1000);
  if (result === "SUCCESS") {
    return { hash: "0x" + txID, blockNumber: BigInt(info.blockNumber), gasUsed: fee.energy, fee };
  }
  const decoded = result === "REVERT" ? decodeEscrowError("0x" + String(info.contractResult?.[0] ?? "")) : undefined;
  if (decoded) throw new EscrowRevertedError(action, decoded, new Error(`transaction ${txID} reverted`));
  if (result === "OUT_OF_ENERGY") {
    // A rise in the energy price is the usual cause on a long-running process: read it again
    // now, so that whatever is sent next is priced from the chain as it is.
    const before = client.prices?.energy;
    const now = (await chainPrices(client, true).catch(() => undefined))?.energy;
    const price =
      now !== undefined && before !== undefined && now !== before
        ? `the energy price changed from ${before} to ${now} sun since the fee limit was set (read again: ` +
          "the next attempt uses it); "
        : "";
    throw new TransactionFailedError(
      action,
      new Error(
        `transaction ${txID} ran out of energy: it used ${fee.energy} energy under a fee limit of ${feeLimit} sun ` +
          `and burnt ${fee.totalSun} sun; ${price}retry, or raise feeLimitMargin (now ${client.feeLimitMargin}), ` +
          "or fund the account with TRX if its balance caps the limit",
      ),
    );
  }
  const message = fromHexText(info.resMessage) || "no message";
  throw new TransactionFailedError(
    action,
    new Error(`transaction ${txID} failed in block ${info.blockNumber}: ${result}: ${message}`),
  );
}

/** Turns a failure into a SeedpayError; a connection failure names the node. */
export function toTronError(client: TronClient, action: string, error: unknown): SeedpayError {
  if (error instanceof SeedpayError) return error;
  // TronHttp's errors already name the node and say what it answered.
  if (error instanceof TronHttpError) return new TransactionFailedError(action, error);
  return toSeedpayError(action, error);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(client: TronClient, path: string, body: Record<string, unknown>): Promise<any> {
  return client.http.wallet(path, body);
}

/** `41…` hex for the HTTP API from any address form. */
export function hex41(address: string): string {
  return "41" + normalizeAddress(address).slice(2).toLowerCase();
}
