import { Interface } from "ethers";
import type { EventFragment, ParamType } from "ethers";
import { toBase58 } from "../address";
import type { EvmAddress } from "../address";
import type { EvmLog } from "../evm";
import type { TronAbiEntry } from "../protobuf";

/** A decoded contract event, as TronGrid's /v1 event API returns it. */
export interface EventRecord {
  /** Position in the chain's event history; the paging cursor. */
  seq: number;
  block_number: number;
  block_timestamp: number;
  caller_contract_address: string;
  contract_address: string;
  event_index: number;
  event_name: string;
  result: Record<string, string>;
  result_type: Record<string, string>;
  event: string;
  transaction_id: string;
}

export interface EventQuery {
  contract?: EvmAddress;
  txID?: string;
  eventName?: string;
  blockNumber?: number;
  /** Only events of blocks in this range (the solidity node's confirmed / unconfirmed split). */
  minBlockNumber?: number;
  maxBlockNumber?: number;
  minBlockTimestamp?: number;
  maxBlockTimestamp?: number;
  ascending: boolean;
  limit: number;
  /** Cursor from a previous page: the `seq` of its last event. */
  after?: number;
  /** Events of the same block_timestamp in reverse chain order (TronGrid promises no order among them). */
  reverseTies?: boolean;
}

/**
 * TronGrid renders event values as: addresses "0x" + 20-byte hex, integers in decimal, booleans
 * "true"/"false", bytes as hex without 0x (java-tron's event parser), strings as text.
 */
function render(value: unknown, param: ParamType): string {
  if (param.baseType === "address") return String(value).toLowerCase();
  if (param.baseType === "bool") return String(value);
  if (param.baseType.startsWith("bytes")) return String(value).replace(/^0x/, "");
  if (param.baseType === "array" || param.baseType === "tuple")
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return typeof value === "bigint" ? value.toString() : String(value);
}

/** Decodes logs with the ABI each contract was deployed with, and answers event queries. */
export class EventStore {
  private events: EventRecord[] = [];
  /** The next event's `seq`: never reused, so a cursor handed out before a reorg names no other event. */
  private nextSeq = 0;
  private readonly interfaces = new Map<EvmAddress, Interface>();

  registerAbi(address: EvmAddress, abi: TronAbiEntry[]): void {
    // Only events: TRON's ABI drops tuple components, so function entries may not parse.
    const fragments = abi
      .filter((e) => e.type === "Event" && !e.anonymous && e.name)
      .map((e) => ({
        type: "event",
        name: e.name,
        anonymous: false,
        inputs: (e.inputs ?? []).map((i) => ({ name: i.name ?? "", type: i.type, indexed: i.indexed === true })),
      }));
    try {
      this.interfaces.set(address, new Interface(fragments));
    } catch {
      // An ABI ethers cannot read leaves this contract's events undecoded, as TronGrid would.
    }
  }

  record(logs: EvmLog[], tx: { txID: string; blockNumber: number; blockTimestamp: number; caller?: EvmAddress }) {
    logs.forEach((log, index) => {
      const emitter = log.address.toLowerCase() as EvmAddress;
      const iface = this.interfaces.get(emitter);
      if (!iface) return;
      let parsed;
      try {
        parsed = iface.parseLog({ topics: log.topics, data: log.data });
      } catch {
        return;
      }
      if (!parsed) return;
      const fragment: EventFragment = parsed.fragment;
      const result: Record<string, string> = {};
      const resultType: Record<string, string> = {};
      fragment.inputs.forEach((input, i) => {
        const value = render(parsed.args[i], input);
        result[String(i)] = value;
        if (input.name) {
          result[input.name] = value;
          resultType[input.name] = input.type;
        }
      });
      const signature = fragment.inputs.map((i) => `${i.type}${i.indexed ? " indexed" : ""} ${i.name}`.trim());
      this.events.push({
        seq: this.nextSeq++,
        block_number: tx.blockNumber,
        block_timestamp: tx.blockTimestamp,
        caller_contract_address: toBase58(tx.caller ?? emitter),
        contract_address: toBase58(emitter),
        event_index: index,
        event_name: fragment.name,
        result,
        result_type: resultType,
        event: `${fragment.name}(${signature.join(", ")})`,
        transaction_id: tx.txID,
      });
    });
  }

  /** Forgets the events of blocks after `blockNumber` (a reorg dropped them; TronGrid's event service removes them too). */
  dropAfter(blockNumber: number): void {
    this.events = this.events.filter((e) => e.block_number <= blockNumber);
  }

  /** One page of matching events and whether more follow. */
  query(q: EventQuery): { page: EventRecord[]; more: boolean } {
    const contract = q.contract ? toBase58(q.contract) : undefined;
    const matches = this.events.filter(
      (e) =>
        (contract === undefined || e.contract_address === contract) &&
        (q.txID === undefined || e.transaction_id === q.txID) &&
        (q.eventName === undefined || e.event_name === q.eventName) &&
        (q.blockNumber === undefined || e.block_number === q.blockNumber) &&
        (q.minBlockNumber === undefined || e.block_number >= q.minBlockNumber) &&
        (q.maxBlockNumber === undefined || e.block_number <= q.maxBlockNumber) &&
        (q.minBlockTimestamp === undefined || e.block_timestamp >= q.minBlockTimestamp) &&
        (q.maxBlockTimestamp === undefined || e.block_timestamp <= q.maxBlockTimestamp),
    );
    // Chain order (seq) is block_timestamp order; reverseTies turns each run of equal timestamps round.
    if (q.reverseTies) matches.sort((a, b) => a.block_timestamp - b.block_timestamp || b.seq - a.seq);
    if (!q.ascending) matches.reverse();
    // The page after the cursor's event, in this order.
    const start = q.after === undefined ? 0 : matches.findIndex((e) => e.seq === q.after) + 1;
    const rest = start > 0 || q.after === undefined ? matches.slice(start) : this.after(matches, q);
    return { page: rest.slice(0, q.limit), more: rest.length > q.limit };
  }

  /** Events after a cursor whose event no longer matches (filters changed between pages): by chain position. */
  private after(matches: EventRecord[], q: EventQuery): EventRecord[] {
    const after = q.after ?? -1;
    return matches.filter((e) => (q.ascending ? e.seq > after : e.seq < after));
  }
}
