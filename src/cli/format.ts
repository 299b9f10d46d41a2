import { formatUnits, parseUnits } from "ethers";

/** BTT (TRC-20) has 18 decimals; amounts are typed and shown in BTT, kept in base units. */
export const BTT_DECIMALS = 18;

/** "1.5", "10", "0.000000000000000001": BTT without a trailing ".0". */
export function bttString(amount: bigint): string {
  const text = formatUnits(amount, BTT_DECIMALS);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

/** "1.5 BTT". */
export function formatBtt(amount: bigint): string {
  return `${bttString(amount)} BTT`;
}

/** An amount in `--json` output: BTT for people, base units for programs. */
export function amountJson(amount: bigint): { btt: string; baseUnits: string } {
  return { btt: bttString(amount), baseUnits: amount.toString() };
}

/** "69,122". */
export function formatGas(gas: bigint): string {
  return gas.toLocaleString("en-US");
}

/**
 * Parses an amount typed in BTT ("10", "0.25"). Returns undefined when `text` is not a plain
 * decimal with at most 18 decimals (no sign, no exponent, no thousands separators).
 */
export function parseBtt(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (!/^(\d+\.?\d*|\.\d+)$/.test(trimmed)) return undefined;
  const [, fraction = ""] = trimmed.split(".");
  if (fraction.length > BTT_DECIMALS) return undefined;
  return parseUnits(trimmed.startsWith(".") ? `0${trimmed}` : trimmed.replace(/\.$/, ""), BTT_DECIMALS);
}

/** "0x1a2b3c4d": a channel id's first 4 bytes, which `--channel` accepts as a prefix. */
export function shortId(id: string): string {
  return id.slice(0, 10);
}

/** shortId, plus as many hex digits as it takes to tell `id` from every other id `among`. */
export function uniqueShortId(id: string, among: readonly string[]): string {
  let length = 10;
  while (length < id.length && among.some((other) => other !== id && other.startsWith(id.slice(0, length)))) length++;
  return id.slice(0, length);
}

/** "0x7099…79C8". */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** "5h 59m", "42s", "29d 23h". */
export function formatDuration(seconds: bigint | number): string {
  const s = Math.floor(Number(seconds));
  if (s <= 0) return "0s";
  const units: [string, number][] = [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  // The two largest units, the second left out when zero: "1h", "5h 59m", "29d 23h".
  const first = units.findIndex(([, size]) => s >= size);
  const [unit, size] = units[first];
  const rest = s % size;
  const text = `${Math.floor(s / size)}${unit}`;
  if (first === units.length - 1) return text;
  const [unit2, size2] = units[first + 1];
  const second = Math.floor(rest / size2);
  return second === 0 ? text : `${text} ${second}${unit2}`;
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
