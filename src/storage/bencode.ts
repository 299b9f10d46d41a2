import { BencodeDecodeError } from "./errors";

/**
 * A decoded bencode value. Strings stay bytes (torrents hold binary hashes in them);
 * integers are bigints (bencode integers are unbounded). Dictionary keys are byte strings
 * too, kept as latin1 JS strings (one char per byte, so binary keys such as the pieces
 * roots of `piece layers` survive); use `keyToUtf8` for names.
 */
export type BencodeValue = bigint | Buffer | BencodeValue[] | BencodeDict;
export type BencodeDict = Map<string, BencodeValue>;

// Deeper nesting than any real torrent; bounds recursion on hostile input.
const MAX_DEPTH = 256;

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_D = 0x64;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_L = 0x6c;

/** Decodes exactly one bencoded value spanning all of `bytes`. */
export function decodeBencode(bytes: Uint8Array): BencodeValue {
  const { value, end } = decodeBencodePrefix(bytes, 0);
  if (end !== bytes.length) fail(end, `${bytes.length - end} bytes after the end of the value`);
  return value;
}

/** Decodes the one value starting at `offset`; `end` is the offset just past it. */
export function decodeBencodePrefix(bytes: Uint8Array, offset: number): { value: BencodeValue; end: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new Decoder(buffer, offset);
  const value = decoder.value(0);
  return { value, end: decoder.pos };
}

/**
 * Byte range [start, end) of the value under `key` in the dictionary at the start of `bytes`,
 * or undefined: the info hash is the hash of the info dictionary exactly as encoded.
 */
export function dictValueSpan(bytes: Uint8Array, key: string): { start: number; end: number } | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] !== CH_D) fail(0, "expected a dictionary");
  const decoder = new Decoder(buffer, 1);
  while (buffer[decoder.pos] !== CH_E) {
    const name = decoder.string(decoder.pos).toString("latin1");
    const start = decoder.pos;
    decoder.value(1);
    if (name === key) return { start, end: decoder.pos };
  }
  return undefined;
}

/** A dictionary key (latin1, one char per byte) read as the UTF-8 text it encodes. */
export function keyToUtf8(key: string): string {
  return Buffer.from(key, "latin1").toString("utf8");
}

class Decoder {
  constructor(
    private readonly bytes: Buffer,
    public pos: number,
  ) {}

  value(depth: number): BencodeValue {
    if (depth > MAX_DEPTH) fail(this.pos, `nested deeper than ${MAX_DEPTH} levels`);
    const at = this.pos;
    const c = this.bytes[at];
    if (c === undefined) fail(at, "unexpected end of input");
    if (c === CH_I) return this.integer();
    if (c >= CH_0 && c <= CH_9) return this.string(at);
    if (c === CH_L) {
      this.pos++;
      const list: BencodeValue[] = [];
      while (this.peek() !== CH_E) list.push(this.value(depth + 1));
      this.pos++;
      return list;
    }
    if (c === CH_D) {
      this.pos++;
      const dict: BencodeDict = new Map();
      while (this.peek() !== CH_E) {
        const keyAt = this.pos;
        const first = this.bytes[keyAt];
        if (first < CH_0 || first > CH_9) fail(keyAt, "dictionary key is not a string");
        const key = this.string(keyAt).toString("latin1");
        // Re-encoding (and so the info hash) would not round-trip through a duplicate key.
        if (dict.has(key)) fail(keyAt, `duplicate dictionary key ${JSON.stringify(keyToUtf8(key))}`);
        dict.set(key, this.value(depth + 1));
      }
      this.pos++;
      return dict;
    }
    return fail(at, `unexpected byte 0x${c.toString(16).padStart(2, "0")}`);
  }

  string(at: number): Buffer {
    const colon = this.bytes.indexOf(CH_COLON, at);
    if (colon < 0) fail(at, "string length without ':'");
    const digits = this.bytes.toString("latin1", at, colon);
    if (!/^(0|[1-9][0-9]*)$/.test(digits)) fail(at, `invalid string length ${JSON.stringify(digits)}`);
    const length = Number(digits);
    const start = colon + 1;
    if (!Number.isSafeInteger(length) || start + length > this.bytes.length) {
      fail(at, `string of ${digits} bytes runs past the end of the input`);
    }
    this.pos = start + length;
    return this.bytes.subarray(start, start + length);
  }

  private integer(): bigint {
    const at = this.pos;
    const end = this.bytes.indexOf(CH_E, at + 1);
    if (end < 0) fail(at, "integer without 'e'");
    const digits = this.bytes.toString("latin1", at + 1, end);
    // Canonical form only: no leading zeros, no "-0", no "+", no empty integer.
    if (!/^(0|-?[1-9][0-9]*)$/.test(digits)) fail(at, `invalid integer ${JSON.stringify(digits)}`);
    this.pos = end + 1;
    return BigInt(digits);
  }

  private peek(): number {
    const c = this.bytes[this.pos];
    if (c === undefined) fail(this.pos, "unexpected end of input inside a list or dictionary");
    return c;
  }
}

function fail(offset: number, reason: string): never {
  throw new BencodeDecodeError({ offset, reason });
}
