/**
 * The sp_pay message set, version 1, as bencoded dictionaries: `t` names the type, `v` the
 * version. Amounts are decimal strings of token base units (bencode integers would come back as
 * JS numbers from most decoders, losing precision above 2^53); addresses, ids and signatures are
 * raw bytes. Decoding is strict: a message is either fully valid or a WireMessageError.
 */
import { getAddress, hexlify } from "ethers";
import { decodeBencode, type BencodeDict, type BencodeValue } from "../storage/bencode";
import { BencodeDecodeError } from "../storage/errors";
import type { ChannelKey } from "../voucher/typedData";
import { encodeBencode, type WireValue } from "./bencodeEncode";
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from "./constants";
import { WireMessageError } from "./errors";

/** Terms a seller advertises in its extended handshake, under the extension's name. */
export type Terms = {
  chainId: bigint;
  escrow: string;
  token: string;
  payee: string;
  /** Price of one MiB of piece data (base units); a piece costs ceil(bytes × price / 2^20). */
  pricePerMiB: bigint;
  /** Shortest dispute window (seconds) the seller accepts on a channel. */
  minDisputeWindow: number;
  /** Most unpaid value the seller serves ahead of vouchers. */
  creditLimit: bigint;
  /**
   * Present when the seller sells its upload slots by auction (bidding rounds): a buyer then
   * sends `bid`s and pays each round's clearing price instead of `pricePerMiB` (which such a
   * seller sets to 0: data outside a paid slot is free).
   */
  auction?: AuctionTerms;
};

/** A seller's auction, as advertised in its terms. */
export type AuctionTerms = {
  /** Paid upload slots per round (k). */
  slots: number;
  /** Lowest price per MiB it sells a slot at (base units). */
  reservePerMiB: bigint;
  /** Length of a round in ms. */
  roundMs: number;
};

/** Most rounds one `bid` may stand for; the seller may accept fewer (its `maxBidRounds`). */
export const MAX_BID_ROUNDS = 255;
/** Bounds on an advertised auction: a round shorter than 100 ms would be all overhead. */
export const MIN_ROUND_MS = 100;
export const MAX_SLOTS = 1024;

export type WireMessage =
  /** Buyer → seller: the channel that pays for what follows. */
  | { type: "channel"; key: ChannelKey }
  /** Seller → buyer: checked on-chain; `paid` is the best voucher the seller already holds. */
  | { type: "accepted"; channelId: string; deposit: bigint; paid: bigint }
  /** Seller → buyer: a channel or voucher refused, with the reason. */
  | { type: "refused"; of: "channel" | "voucher" | "bid"; reason: string; detail: string }
  | { type: "voucher"; channelId: string; amount: bigint; signature: string }
  /** Seller → buyer: the voucher for `amount` is durable. */
  | { type: "ack"; channelId: string; amount: bigint }
  /** Seller → buyer: value reserved for requests served or accepted so far, and the best voucher held. */
  | { type: "owed"; channelId: string; amount: bigint; paid: bigint }
  /**
   * Buyer → seller: the channel's deposit was topped up on-chain. The seller re-reads the deposit
   * from the chain (the message carries no amount to trust) and answers `accepted` with it.
   */
  | { type: "topup"; channelId: string }
  /** Buyer → seller: the channel's bid per MiB for the next `rounds` rounds (replaces its earlier bid). */
  | { type: "bid"; channelId: string; pricePerMiB: bigint; rounds: number }
  /**
   * Seller → buyer (each bidder, every round): round `round` started; the buyer won a paid slot or
   * not; every winner pays `clearingPricePerMiB` for pieces whose first block follows this message.
   */
  | { type: "round"; round: number; won: boolean; clearingPricePerMiB: bigint; slotMs: number };

export type WireMessageType = WireMessage["type"];

const MAX_TEXT = 256;
// uint256 has at most 78 decimal digits.
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

export function encodeMessage(message: WireMessage): Buffer {
  const body = toDict(message);
  const bytes = encodeBencode({ ...body, t: message.type, v: PROTOCOL_VERSION });
  if (bytes.length > MAX_MESSAGE_BYTES) throw new RangeError(`${message.type} message of ${bytes.length} bytes`);
  return bytes;
}

function toDict(m: WireMessage): { [key: string]: WireValue } {
  switch (m.type) {
    case "channel":
      return {
        payer: addressBytes(m.key.payer),
        payee: addressBytes(m.key.payee),
        signer: addressBytes(m.key.signer),
        window: m.key.disputeWindow,
        salt: m.key.salt.toString(),
      };
    case "accepted":
      return { id: hexBytes(m.channelId, 32), deposit: m.deposit.toString(), paid: m.paid.toString() };
    case "refused":
      return { of: m.of, reason: m.reason.slice(0, 64), detail: m.detail.slice(0, MAX_TEXT) };
    case "voucher":
      return { id: hexBytes(m.channelId, 32), amount: m.amount.toString(), sig: signatureBytes(m.signature) };
    case "ack":
      return { id: hexBytes(m.channelId, 32), amount: m.amount.toString() };
    case "owed":
      return { id: hexBytes(m.channelId, 32), amount: m.amount.toString(), paid: m.paid.toString() };
    case "topup":
      return { id: hexBytes(m.channelId, 32) };
    case "bid":
      return { id: hexBytes(m.channelId, 32), price: m.pricePerMiB.toString(), rounds: m.rounds };
    case "round":
      return { n: m.round, won: m.won ? 1 : 0, price: m.clearingPricePerMiB.toString(), ms: m.slotMs };
  }
}

/** Decodes one message; throws WireMessageError saying what was wrong. */
export function decodeMessage(bytes: Uint8Array): WireMessage {
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new WireMessageError("too-large", `${bytes.length} bytes, the limit is ${MAX_MESSAGE_BYTES}`);
  }
  const dict = decodeDict(bytes);
  const version = int(dict, "v", 0, 0xffff);
  if (version !== PROTOCOL_VERSION) {
    throw new WireMessageError("unsupported-version", `version ${version}; this peer speaks ${PROTOCOL_VERSION}`);
  }
  const type = text(dict, "t", 16);
  switch (type) {
    case "channel":
      return {
        type,
        key: {
          payer: address(dict, "payer"),
          payee: address(dict, "payee"),
          signer: address(dict, "signer"),
          disputeWindow: int(dict, "window", 0, 0xffffffff),
          salt: decimal(dict, "salt", 2n ** 64n - 1n),
        },
      };
    case "accepted":
      return { type, channelId: hex(dict, "id", 32), deposit: decimal(dict, "deposit"), paid: decimal(dict, "paid") };
    case "refused": {
      const of = text(dict, "of", 16);
      if (of !== "channel" && of !== "voucher" && of !== "bid")
        throw new WireMessageError("bad-field", `refused.of ${of}`);
      return { type, of, reason: text(dict, "reason", 64), detail: text(dict, "detail", MAX_TEXT) };
    }
    case "voucher":
      return { type, channelId: hex(dict, "id", 32), amount: decimal(dict, "amount"), signature: signature(dict) };
    case "ack":
      return { type, channelId: hex(dict, "id", 32), amount: decimal(dict, "amount") };
    case "owed":
      return { type, channelId: hex(dict, "id", 32), amount: decimal(dict, "amount"), paid: decimal(dict, "paid") };
    case "topup":
      return { type, channelId: hex(dict, "id", 32) };
    case "bid":
      return {
        type,
        channelId: hex(dict, "id", 32),
        pricePerMiB: decimal(dict, "price"),
        rounds: int(dict, "rounds", 1, MAX_BID_ROUNDS),
      };
    case "round":
      return {
        type,
        round: int(dict, "n", 0, Number.MAX_SAFE_INTEGER),
        won: int(dict, "won", 0, 1) === 1,
        clearingPricePerMiB: decimal(dict, "price"),
        slotMs: int(dict, "ms", 1, 0xffffffff),
      };
    default:
      throw new WireMessageError("unknown-type", `type ${JSON.stringify(type)}`);
  }
}

/** The terms as they sit in the extended handshake. */
export function encodeTerms(terms: Terms): { [key: string]: WireValue } {
  return {
    v: PROTOCOL_VERSION,
    chain: terms.chainId.toString(),
    escrow: addressBytes(terms.escrow),
    token: addressBytes(terms.token),
    payee: addressBytes(terms.payee),
    price: terms.pricePerMiB.toString(),
    window: terms.minDisputeWindow,
    credit: terms.creditLimit.toString(),
    ...(terms.auction && {
      auction: {
        slots: terms.auction.slots,
        reserve: terms.auction.reservePerMiB.toString(),
        round: terms.auction.roundMs,
      },
    }),
  };
}

/**
 * Reads the terms from a peer's extended handshake value (as bittorrent-protocol decoded it, or
 * as raw bencode), or throws WireMessageError.
 */
export function decodeTerms(raw: unknown): Terms {
  const dict = fromLooseValue(raw);
  if (!(dict instanceof Map)) throw new WireMessageError("malformed", "terms are not a dictionary");
  const version = int(dict, "v", 0, 0xffff);
  if (version !== PROTOCOL_VERSION) {
    throw new WireMessageError("unsupported-version", `terms version ${version}; this peer speaks ${PROTOCOL_VERSION}`);
  }
  return {
    chainId: decimal(dict, "chain"),
    escrow: address(dict, "escrow"),
    token: address(dict, "token"),
    payee: address(dict, "payee"),
    pricePerMiB: decimal(dict, "price"),
    minDisputeWindow: int(dict, "window", 0, 0xffffffff),
    creditLimit: decimal(dict, "credit"),
    ...(dict.has("auction") ? { auction: auctionTerms(field(dict, "auction")) } : {}),
  };
}

/** The optional `auction` dictionary of the terms: strict like the rest (an old peer ignores the key). */
function auctionTerms(value: BencodeValue): AuctionTerms {
  if (!(value instanceof Map)) throw new WireMessageError("bad-field", "auction must be a dictionary");
  return {
    slots: int(value, "slots", 0, MAX_SLOTS),
    reservePerMiB: decimal(value, "reserve"),
    roundMs: int(value, "round", MIN_ROUND_MS, 0xffffffff),
  };
}

function decodeDict(bytes: Uint8Array): BencodeDict {
  let value: BencodeValue;
  try {
    value = decodeBencode(bytes);
  } catch (error) {
    if (error instanceof BencodeDecodeError) throw new WireMessageError("malformed", error.shortMessage);
    throw error;
  }
  if (!(value instanceof Map)) throw new WireMessageError("malformed", "a message must be a dictionary");
  return value;
}

/**
 * bittorrent-protocol hands the handshake over already decoded by the `bencode` package (plain
 * objects, Uint8Arrays, numbers): re-encode and decode it strictly, so one reader checks both.
 */
function fromLooseValue(raw: unknown): BencodeValue {
  const loose = (v: unknown): WireValue => {
    if (typeof v === "number" || typeof v === "string" || v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map(loose);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, loose(x)]));
    }
    throw new WireMessageError("malformed", `unexpected ${typeof v} in terms`);
  };
  try {
    return decodeBencode(encodeBencode(loose(raw)));
  } catch (error) {
    if (error instanceof WireMessageError) throw error;
    throw new WireMessageError("malformed", (error as Error).message);
  }
}

function field(dict: BencodeDict, key: string): BencodeValue {
  const value = dict.get(key);
  if (value === undefined) throw new WireMessageError("bad-field", `missing field ${key}`);
  return value;
}

function bytesField(dict: BencodeDict, key: string): Buffer {
  const value = field(dict, key);
  if (!Buffer.isBuffer(value)) throw new WireMessageError("bad-field", `${key} must be a byte string`);
  return value;
}

function text(dict: BencodeDict, key: string, max: number): string {
  const value = bytesField(dict, key);
  if (value.length > max) throw new WireMessageError("bad-field", `${key} is ${value.length} bytes, at most ${max}`);
  return value.toString("utf8");
}

function int(dict: BencodeDict, key: string, min: number, max: number): number {
  const value = field(dict, key);
  if (typeof value !== "bigint" || value < BigInt(min) || value > BigInt(max)) {
    throw new WireMessageError("bad-field", `${key} must be an integer in [${min}, ${max}]`);
  }
  return Number(value);
}

function decimal(dict: BencodeDict, key: string, max = 2n ** 256n - 1n): bigint {
  const digits = text(dict, key, 78);
  if (!DECIMAL.test(digits)) throw new WireMessageError("bad-field", `${key} must be a decimal string of base units`);
  const value = BigInt(digits);
  if (value > max) throw new WireMessageError("bad-field", `${key} ${digits} is above ${max}`);
  return value;
}

function hex(dict: BencodeDict, key: string, length: number): string {
  const value = bytesField(dict, key);
  if (value.length !== length)
    throw new WireMessageError("bad-field", `${key} must be ${length} bytes, got ${value.length}`);
  return hexlify(value);
}

/** 64 bytes (EIP-2098 compact, as Payer signs) or 65 (r, s, v). */
function signature(dict: BencodeDict): string {
  const value = bytesField(dict, "sig");
  if (value.length !== 64 && value.length !== 65) {
    throw new WireMessageError("bad-field", `sig must be 64 or 65 bytes, got ${value.length}`);
  }
  return hexlify(value);
}

function signatureBytes(value: string): Buffer {
  const bytes = Buffer.from(value.replace(/^0x/, ""), "hex");
  if (bytes.length !== 64 && bytes.length !== 65)
    throw new RangeError(`a signature is 64 or 65 bytes, got ${JSON.stringify(value)}`);
  return bytes;
}

function address(dict: BencodeDict, key: string): string {
  return getAddress(hex(dict, key, 20));
}

function hexBytes(value: string, length: number): Buffer {
  const bytes = Buffer.from(value.replace(/^0x/, ""), "hex");
  if (bytes.length !== length) throw new RangeError(`expected ${length} bytes of hex, got ${JSON.stringify(value)}`);
  return bytes;
}

function addressBytes(value: string): Buffer {
  return hexBytes(getAddress(value), 20);
}
