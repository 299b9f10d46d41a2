import type { Interface, Result } from "ethers";
import type { TronWeb } from "tronweb";
import { SeedpayError } from "../../errors/base";
import { normalizeAddress } from "../../voucher/normalizeAddress";
import {
  decodeEscrowError,
  EscrowRevertedError,
  toSeedpayError,
  TransactionFailedError,
  TransactionUnconfirmedError,
} from "../escrowErrors";
import type { TxResult } from "../types";

/** A transaction as the node builds it and TronWeb signs it (the fields read here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TronTransaction = { txID: string; raw_data: { expiration: number }; signature?: string[] } & Record<
  string,
  any
>;

/** What sending needs: a node, an owner, and how to price, sign and confirm. */
export type TronClient = {
  tronWeb: TronWeb;
  /** The owner (signer) of transactions, `41…` hex. */
  owner: string;
  /** Fee limit = energy estimate × margin × energy price. */
  feeLimitMargin: number;
  confirm: "included" | "solidified";
  pollingInterval: number;
  sign: (transaction: TronTransaction) => Promise<TronTransaction>;
  /** Sun per energy and the chain's largest fee limit, read from the chain parameters once. */
  prices?: { energy: number; maxFeeLimit: number };
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
};

/** How long the node may fail to answer while a sent transaction's outcome is awaited. */
const UNANSWERED_LIMIT_MS = 5_000;

/** Milliseconds a transaction's outcome is awaited past its expiration before giving up. */
const EXPIRY_GRACE_MS = 10_000;

/**
 * A constant call through /wallet/triggerconstantcontract (straight to the HTTP API: TronWeb's
 * wrapper drops `constant_result`, the revert data, when a call reverts). Returns the decoded
 * output and the energy the call used; a revert becomes EscrowRevertedError when it decodes.
 */
export async function constantCall(
  client: TronClient,
  action: string,
  method: string,
  iface: Interface,
  contract: string,
  args: unknown[],
): Promise<{ output: Result; energy: number; selector: string; parameter: string }> {
  const fragment = iface.getFunction(method)!;
  const selector = fragment.format("sighash");
  const parameter = iface.encodeFunctionData(fragment, args).slice(10);
  const answer = await post(client, "wallet/triggerconstantcontract", {
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
 * error), sets the fee limit from the estimate, builds, signs, broadcasts and waits for one
 * contract call. Every failure becomes a SeedpayError naming `action`.
 */
export async function sendContractCall(client: TronClient, p: SendContractCallParameters): Promise<TxResult> {
  const { action, iface, contract, args, onEstimate, method = action } = p;
  try {
    const estimate = await constantCall(client, action, method, iface, contract, args);
    onEstimate?.(estimate.output);
    const feeLimit = await feeLimitFor(client, estimate.energy);
    const built = await post(client, "wallet/triggersmartcontract", {
      owner_address: client.owner,
      contract_address: hex41(contract),
      function_selector: estimate.selector,
      parameter: estimate.parameter,
      call_value: 0,
      fee_limit: feeLimit,
    });
    if (!built.transaction || built.result?.result !== true) {
      const reason = fromHexText(built.result?.message) || JSON.stringify(built);
      throw new Error(`the node would not build the transaction: ${reason}`);
    }
    const signed = await client.sign(built.transaction as TronTransaction);
    const sent = (await client.tronWeb.trx.sendRawTransaction(signed as never)) as {
      result?: boolean;
      code?: string;
      message?: string;
    };
    // A duplicate means an earlier attempt of this very transaction reached the node: wait for it.
    if (!sent.result && sent.code !== "DUP_TRANSACTION_ERROR") {
      const reason = `${sent.code ?? "no code"}: ${fromHexText(sent.message)}`;
      throw new Error(`the node refused transaction ${signed.txID}: ${reason}`);
    }
    return await waitForOutcome(client, action, signed, feeLimit);
  } catch (error) {
    throw toTronError(client, action, error);
  }
}

/** Polls for a transaction's info until it is in a block (or solidified, if asked), then reads its result. */
async function waitForOutcome(client: TronClient, action: string, tx: TronTransaction, feeLimit: number) {
  const solid = client.confirm === "solidified";
  const path = solid ? "walletsolidity/gettransactioninfobyid" : "wallet/gettransactioninfobyid";
  const deadline = Date.now() + Math.max(tx.raw_data.expiration - Date.now(), 60_000) + EXPIRY_GRACE_MS;
  let unansweredSince: number | undefined;
  for (;;) {
    let info;
    try {
      info = await post(client, path, { value: tx.txID });
      unansweredSince = undefined;
    } catch (error) {
      // Broadcast, but the node stopped answering. A short outage is ridden out; a long one leaves
      // the outcome unknown (it may still be in a block), which the caller must be told as such.
      unansweredSince ??= Date.now();
      if (Date.now() - unansweredSince >= UNANSWERED_LIMIT_MS || Date.now() > deadline) {
        throw new TransactionUnconfirmedError(action, "0x" + tx.txID, toTronError(client, action, error));
      }
      await new Promise((r) => setTimeout(r, client.pollingInterval));
      continue;
    }
    if (info && Object.keys(info).length > 0) return outcome(client, action, tx.txID, info, feeLimit);
    if (Date.now() > deadline) {
      throw new Error(
        `transaction ${tx.txID} was not ${solid ? "solidified" : "included in a block"} before it expired; ` +
          "check the node and retry (a retry builds a new transaction)",
      );
    }
    await new Promise((r) => setTimeout(r, client.pollingInterval));
  }
}

/** Reads a transaction's receipt: SUCCESS → TxResult; REVERT with escrow data → EscrowRevertedError; else TransactionFailedError. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function outcome(client: TronClient, action: string, txID: string, info: any, feeLimit: number): TxResult {
  const result: string = info.receipt?.result ?? (info.result === "FAILED" ? "FAILED" : "SUCCESS");
  const energy = BigInt(info.receipt?.energy_usage_total ?? 0);
  if (result === "SUCCESS") return { hash: "0x" + txID, blockNumber: BigInt(info.blockNumber), gasUsed: energy };
  const decoded = result === "REVERT" ? decodeEscrowError("0x" + String(info.contractResult?.[0] ?? "")) : undefined;
  if (decoded) throw new EscrowRevertedError(action, decoded, new Error(`transaction ${txID} reverted`));
  if (result === "OUT_OF_ENERGY") {
    throw new TransactionFailedError(
      action,
      new Error(
        `transaction ${txID} ran out of energy: it used ${energy} energy under a fee limit of ${feeLimit} sun; ` +
          `raise feeLimitMargin (now ${client.feeLimitMargin}), or fund the account with TRX if its balance ` +
          "caps the limit, and retry",
      ),
    );
  }
  const message = fromHexText(info.resMessage) || "no message";
  throw new TransactionFailedError(
    action,
    new Error(`transaction ${txID} failed in block ${info.blockNumber}: ${result}: ${message}`),
  );
}

/** Fee limit in sun for an energy estimate: estimate × margin × sun per energy, capped at the chain's maximum. */
export async function feeLimitFor(client: TronClient, energy: number): Promise<number> {
  if (!client.prices) {
    const parameters = await client.tronWeb.trx.getChainParameters();
    const value = (key: string) => parameters.find((p) => p.key === key)?.value;
    client.prices = {
      energy: Number(value("getEnergyFee") ?? 100),
      maxFeeLimit: Number(value("getMaxFeeLimit") ?? 15e9),
    };
  }
  const limit = Math.ceil(Math.max(energy, 1) * client.feeLimitMargin) * client.prices.energy;
  return Math.min(limit, client.prices.maxFeeLimit);
}

/** Turns a failure into a SeedpayError; a connection failure names the node. */
export function toTronError(client: TronClient, action: string, error: unknown): SeedpayError {
  if (error instanceof SeedpayError) return error;
  if (
    error instanceof Error &&
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|socket hang up|Network Error/.test(error.message)
  ) {
    const host = String(client.tronWeb.fullNode.host);
    return new TransactionFailedError(
      action,
      new Error(`the TRON node at ${host} is unreachable (${error.message})`, { cause: error }),
    );
  }
  return toSeedpayError(action, error);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(client: TronClient, path: string, body: Record<string, unknown>): Promise<any> {
  return client.tronWeb.fullNode.request(path, body, "post");
}

/** `41…` hex for the HTTP API from any address form. */
export function hex41(address: string): string {
  return "41" + normalizeAddress(address).slice(2).toLowerCase();
}

/** java-tron sends messages as hex of UTF-8 text. */
function fromHexText(value: unknown): string {
  if (typeof value !== "string" || value === "") return "";
  return /^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0 ? Buffer.from(value, "hex").toString("utf8") : value;
}
