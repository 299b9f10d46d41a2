import { SeedpayError, showValue as show } from "../errors/base";

export type InvalidMerkleInputErrorType = InvalidMerkleInputError;
/** A tree, proof or block argument that cannot be what the caller meant (wrong size, index out of range). */
export class InvalidMerkleInputError extends SeedpayError {
  override name = "InvalidMerkleInputError";
  readonly parameter: string;
  readonly value: unknown;
  constructor({
    parameter,
    value,
    reason,
    hint,
  }: {
    parameter: string;
    value: unknown;
    reason: string;
    hint?: string;
  }) {
    super(`Invalid ${parameter} ${show(value)}: ${reason}.`, { metaMessages: hint ? [hint] : undefined });
    this.parameter = parameter;
    this.value = value;
  }
}

export type BencodeDecodeErrorType = BencodeDecodeError;
/** Bytes that are not one well-formed bencoded value; `offset` is where decoding stopped. */
export class BencodeDecodeError extends SeedpayError {
  override name = "BencodeDecodeError";
  readonly offset: number;
  constructor({ offset, reason }: { offset: number; reason: string }) {
    super(`Malformed bencode at byte ${offset}: ${reason}.`, {
      metaMessages: [
        "A .torrent file is one bencoded dictionary; check that the file is complete and not a magnet link.",
      ],
    });
    this.offset = offset;
  }
}

export type InvalidTorrentErrorType = InvalidTorrentError;
/** Well-formed bencode that is not a usable BitTorrent v2 (or hybrid) torrent. */
export class InvalidTorrentError extends SeedpayError {
  override name = "InvalidTorrentError";
  /** Where in the metainfo the problem is, e.g. `info.file tree.a/b.length`. */
  readonly field: string;
  constructor({ field, reason, hint, cause }: { field: string; reason: string; hint?: string; cause?: unknown }) {
    super(`Invalid torrent: ${field} ${reason}.`, { metaMessages: hint ? [hint] : undefined, cause });
    this.field = field;
  }
}
