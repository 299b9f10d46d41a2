import { TransactionFailedError, TransactionUnconfirmedError } from "../escrowErrors";
import type { TronClient, TronTransaction } from "./sendContractCall";
import { TRANSIENT_CODES, TronHttpError, type RequestOptions } from "./tronHttp";

/** A transaction's info (gettransactioninfobyid) once it is in a block: the fields read here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TransactionInfo = { id: string; blockNumber: number } & Record<string, any>;

/**
 * Blocks past the transaction's block after which a solidity node that has not reached it is
 * taken as stalled: TRON solidifies a block once 19 of the 27 super representatives have built on
 * it (≈ 19 blocks, 57 s), so twice the witness count leaves room for missed slots.
 */
export const SOLIDIFY_BLOCKS = 54;
/**
 * How long a node may fail to answer (or to take the transaction) before the caller is handed its
 * id as unconfirmed: long enough for a dropped connection, short enough for a watchtower to decide.
 */
export const UNANSWERED_LIMIT_MS = 5_000;
/**
 * Milliseconds without the transaction in a block before its signed bytes are broadcast again: a
 * node may answer `result: true` and lose it (a pool evicted it, a balancer sent it to a node that
 * then failed). Two blocks; the same bytes have the same id, so nothing can land twice.
 */
export const REBROADCAST_AFTER_MS = 6_000;
const NO_RETRY = { retries: 0 };
/** How long neither the head nor the solid block may move before the wait for solidification gives up. */
const STALL_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isTransient = (error: unknown) => error instanceof TronHttpError && error.transient;

/**
 * Broadcasts a signed transaction and follows it by its id until it is in a block (and, with
 * `confirm: "solidified"`, until the solidity node's block number has reached that block). It is
 * never rebuilt: a broadcast whose answer was lost is sent again as the same signed bytes (a node
 * that has it answers DUP_TRANSACTION_ERROR), and the wait ends only when the transaction is in a
 * block (the same bytes are broadcast again every `rebroadcastAfterMs` meanwhile, for a node that
 * took them and lost them), or the chain's head has passed its expiration without it (then nothing was spent and
 * the caller may send the action again), or the node has not answered (or not taken the
 * transaction) for `unansweredLimitMs` (TransactionUnconfirmedError with its id: it may still land
 * until its expiration; look it up before acting again).
 */
export async function trackTransaction(
  client: TronClient,
  action: string,
  tx: TronTransaction,
  options: { rebroadcastAfterMs?: number } = {},
): Promise<TransactionInfo> {
  const hash = "0x" + tx.txID;
  const expiration = tx.raw_data.expiration;
  const limit = client.unansweredLimitMs ?? UNANSWERED_LIMIT_MS;
  const state: { accepted: boolean; uncertain: boolean; lastError?: string } = { accepted: false, uncertain: false };
  await broadcast(client, action, tx, state);
  if (!state.accepted) {
    // No node said it took the bytes, and an answer was lost on the way (a gateway's 502, a
    // timeout): it may have reached one. The caller gets its id, never a second transaction.
    const info = await client.http
      .wallet("wallet/gettransactioninfobyid", { value: tx.txID }, NO_RETRY)
      .catch(() => undefined);
    if (!(info && info.blockNumber !== undefined)) {
      throw new TransactionUnconfirmedError(
        action,
        hash,
        new Error(
          `the node did not confirm taking it (${state.lastError ?? "no answer"}); it can land until ` +
            new Date(expiration).toISOString(),
        ),
      );
    }
  }

  let unansweredSince: number | undefined;
  let failures = 0;
  let polls = 0;
  const rebroadcastAfter = options.rebroadcastAfterMs ?? client.rebroadcastAfterMs ?? REBROADCAST_AFTER_MS;
  let lastBroadcast = Date.now();
  for (;;) {
    let failed = false;
    try {
      if (Date.now() - lastBroadcast >= rebroadcastAfter && Date.now() < expiration) {
        lastBroadcast = Date.now();
        // Taken and lost, or never taken: a node that has it answers DUP_TRANSACTION_ERROR. A
        // refusal now (expired, or the state changed) is not final: the chain says how it ended.
        await broadcast(client, action, tx, { accepted: false, uncertain: true }).catch(() => undefined);
      }
      const info = await client.http.wallet("wallet/gettransactioninfobyid", { value: tx.txID }, NO_RETRY);
      unansweredSince = undefined;
      if (info && info.blockNumber !== undefined) {
        if (client.confirm !== "solidified") return info as TransactionInfo;
        const solid = await awaitSolid(client, action, tx, Number(info.blockNumber));
        if (solid) return solid;
        continue; // no longer in that block (a fork dropped it): follow it again
      }
      // The head's time is the chain's clock: once past the expiration, the transaction can no longer be included.
      if (++polls >= 3 || Date.now() >= expiration) {
        const head = await headerOf(client, "wallet/getblock", NO_RETRY);
        if (head.timestamp > expiration) {
          const last = await client.http.wallet("wallet/gettransactioninfobyid", { value: tx.txID }, NO_RETRY);
          if (last && last.blockNumber !== undefined) continue;
          throw new TransactionFailedError(
            action,
            new Error(
              `transaction ${tx.txID} expired at ${new Date(expiration).toISOString()} (the chain's head is block ` +
                `${head.number} at ${new Date(head.timestamp).toISOString()}) without being included: nothing was spent`,
            ),
            ["Sending the action again builds a new transaction; nothing of the expired one can land any more."],
          );
        }
      }
    } catch (error) {
      if (!isTransient(error)) throw error;
      failed = true;
      unansweredSince ??= Date.now();
      if (Date.now() - unansweredSince >= limit) throw new TransactionUnconfirmedError(action, hash, error);
    }
    failures = failed ? failures + 1 : 0;
    await sleep(failed ? Math.max(client.pollingInterval, client.http.backoff(failures)) : client.pollingInterval);
  }
}

/**
 * Sends the signed bytes; `accepted` once a node took them (or already had them), `uncertain`
 * once an answer was lost (the transaction may have reached a node). A definite refusal throws,
 * unless an earlier attempt's answer was lost: then only the chain can say.
 */
async function broadcast(
  client: TronClient,
  action: string,
  tx: TronTransaction,
  state: { accepted: boolean; uncertain: boolean; lastError?: string },
): Promise<void> {
  let sent: { result?: boolean; code?: string; message?: string };
  try {
    // Re-sent as the same bytes on a transient failure (TronHttp's retries): a node that has it says DUP.
    sent = await client.http.wallet("wallet/broadcasttransaction", tx);
  } catch (error) {
    if (!isTransient(error)) throw error;
    state.uncertain = true;
    state.lastError = (error as Error).message;
    return;
  }
  if (sent.result || sent.code === "DUP_TRANSACTION_ERROR") {
    state.accepted = true;
    return;
  }
  if (sent.code && TRANSIENT_CODES.has(sent.code)) {
    state.lastError = `${sent.code}: ${fromHexText(sent.message)}`;
    return;
  }
  const reason = `${sent.code ?? "no code"}: ${fromHexText(sent.message)}`;
  throw new Error(`the node refused transaction ${tx.txID}: ${reason}`);
}

/**
 * Waits until the solidity node's newest block reaches `block`, then reads the transaction there.
 * Undefined when the solid chain does not have it (it was in a block that lost a fork). The deadline
 * comes from the chain: SOLIDIFY_BLOCKS past the block, or heads that stop moving.
 */
async function awaitSolid(
  client: TronClient,
  action: string,
  tx: TronTransaction,
  block: number,
): Promise<TransactionInfo | undefined> {
  let last = { solid: -1, head: -1, since: Date.now() };
  for (;;) {
    try {
      const solid = await headerOf(client, "walletsolidity/getblock", NO_RETRY);
      if (solid.number >= block) {
        const info = await client.http.wallet("walletsolidity/gettransactioninfobyid", { value: tx.txID }, NO_RETRY);
        return info && info.blockNumber !== undefined ? (info as TransactionInfo) : undefined;
      }
      const head = await headerOf(client, "wallet/getblock", NO_RETRY);
      if (solid.number !== last.solid || head.number !== last.head) {
        last = { solid: solid.number, head: head.number, since: Date.now() };
      }
      if (head.number - block > SOLIDIFY_BLOCKS || Date.now() - last.since > STALL_MS) {
        throw new TransactionUnconfirmedError(
          action,
          "0x" + tx.txID,
          new Error(
            `it is in block ${block}, but the solidity node is at block ${solid.number} while the head is ` +
              `${head.number}: do not send it again; look it up once the solidity node follows`,
          ),
        );
      }
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (Date.now() - last.since > STALL_MS) throw new TransactionUnconfirmedError(action, "0x" + tx.txID, error);
    }
    await sleep(client.pollingInterval);
  }
}

/**
 * The newest block's number, time (ms) and id (when the node gave one) from a header-only read of
 * `path` (getblock without detail).
 */
export async function headerOf(
  client: TronClient,
  path: string,
  options: RequestOptions = {},
): Promise<{ number: number; timestamp: number; id?: string }> {
  const block = await client.http.wallet(path, { detail: false }, options);
  const raw = block?.block_header?.raw_data;
  if (!raw) throw new TronHttpError(`/${path} answered no block header`, true);
  return {
    number: Number(raw.number ?? 0),
    timestamp: Number(raw.timestamp ?? 0),
    ...(typeof block.blockID === "string" && { id: block.blockID }),
  };
}

/** java-tron sends messages as hex of UTF-8 text. */
export function fromHexText(value: unknown): string {
  if (typeof value !== "string" || value === "") return "";
  return /^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0 ? Buffer.from(value, "hex").toString("utf8") : value;
}
