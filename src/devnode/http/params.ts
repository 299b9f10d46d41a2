import { parseAddress } from "../address";
import type { EvmAddress } from "../address";

/** Request parameters: the query string merged with the JSON body (java-tron reads both). */
export type Params = Record<string, unknown>;

export type Handler = (params: Params) => Promise<unknown>;

/** A request java-tron would answer with `{"Error": "..."}` (HTTP 200). */
export class HandlerError extends Error {}

export function address(params: Params, field: string): EvmAddress {
  const parsed = parseAddress(params[field]);
  if (!parsed)
    throw new HandlerError(`${field}: ${JSON.stringify(params[field])} is not a TRON address (41… hex or T… base58)`);
  return parsed;
}

export function optionalAddress(params: Params, field: string): EvmAddress | undefined {
  return params[field] === undefined || params[field] === "" ? undefined : address(params, field);
}

/** An integer parameter (JSON number, or a decimal string from a query). */
export function integer(params: Params, field: string, fallback?: number): number {
  const value = params[field];
  if (value === undefined || value === "") {
    if (fallback !== undefined) return fallback;
    throw new HandlerError(`${field} is required`);
  }
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new HandlerError(`${field}: ${JSON.stringify(value)} is not an integer`);
  return n;
}

export function hexString(params: Params, field: string): string {
  const value = params[field];
  if (value === undefined || value === "") return "";
  if (typeof value !== "string" || !/^(0x)?([0-9a-fA-F]{2})*$/.test(value)) {
    throw new HandlerError(`${field} is not hex`);
  }
  return value.replace(/^0x/, "").toLowerCase();
}

export function flag(params: Params, field: string): boolean {
  return params[field] === true || params[field] === "true";
}

/** java-tron prints bytes fields (messages) as hex unless `visible` is set. */
export const utf8Hex = (text: string) => Buffer.from(text, "utf8").toString("hex");
