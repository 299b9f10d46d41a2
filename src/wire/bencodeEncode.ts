/**
 * The bencode encoder for extension messages. Integers must be safe JS integers (amounts travel
 * as decimal strings, see messages.ts); dictionary keys are sorted as BEP 3 requires.
 */
export type WireValue = number | string | Uint8Array | WireValue[] | { [key: string]: WireValue | undefined };

export function encodeBencode(value: WireValue): Buffer {
  const parts: Buffer[] = [];
  write(value, parts);
  return Buffer.concat(parts);
}

function write(value: WireValue, out: Buffer[]): void {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError(`bencode integers must be safe integers, got ${value}`);
    out.push(Buffer.from(`i${value}e`));
  } else if (typeof value === "string") {
    writeBytes(Buffer.from(value, "utf8"), out);
  } else if (value instanceof Uint8Array) {
    writeBytes(value, out);
  } else if (Array.isArray(value)) {
    out.push(Buffer.from("l"));
    for (const item of value) write(item, out);
    out.push(Buffer.from("e"));
  } else {
    out.push(Buffer.from("d"));
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const key of keys) {
      writeBytes(Buffer.from(key, "utf8"), out);
      write(value[key]!, out);
    }
    out.push(Buffer.from("e"));
  }
}

function writeBytes(bytes: Uint8Array, out: Buffer[]): void {
  out.push(Buffer.from(`${bytes.length}:`), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
