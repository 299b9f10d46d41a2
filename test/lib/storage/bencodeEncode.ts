// A minimal bencode encoder for building test torrents (the library only decodes).
export type Encodable =
  | number
  | bigint
  | string
  | Uint8Array
  | Encodable[]
  | { [key: string]: Encodable }
  | Map<string | Uint8Array, Encodable>;

export function bencode(value: Encodable): Buffer {
  if (typeof value === "number" || typeof value === "bigint") return Buffer.from(`i${value}e`);
  if (typeof value === "string") return bencode(Buffer.from(value, "utf8"));
  if (value instanceof Uint8Array) return Buffer.concat([Buffer.from(`${value.length}:`), value]);
  if (Array.isArray(value)) return Buffer.concat([Buffer.from("l"), ...value.map(bencode), Buffer.from("e")]);
  const entries: [Buffer, Encodable][] =
    value instanceof Map
      ? [...value].map(([k, v]) => [typeof k === "string" ? Buffer.from(k, "utf8") : Buffer.from(k), v])
      : Object.entries(value).map(([k, v]) => [Buffer.from(k, "utf8"), v]);
  entries.sort(([a], [b]) => Buffer.compare(a, b));
  return Buffer.concat([Buffer.from("d"), ...entries.flatMap(([k, v]) => [bencode(k), bencode(v)]), Buffer.from("e")]);
}
