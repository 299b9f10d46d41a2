import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { decodeBencode, dictValueSpan, keyToUtf8, type BencodeDict, type BencodeValue } from "./bencode";
import { HASH_SIZE } from "./constants";
import { InvalidTorrentError } from "./errors";
import { isValidPieceLength, pieceCountOf, piecesRootFromPieceLayer } from "./pieceLayer";
import { sha256 } from "./sha256";

export type TorrentFile = {
  /** Path inside the torrent as in the `file tree` (UTF-8 components); a single-file torrent's file is [name]. */
  path: string[];
  length: number;
  /** The file's BEP 52 merkle root; undefined for an empty file. */
  piecesRoot: Buffer | undefined;
  /**
   * The file's `piece layers` entry (one 32-byte hash per piece, concatenated), checked against
   * `piecesRoot`; undefined when the file fits in one piece or the torrent carries no layers
   * (metadata fetched from a magnet link has none).
   */
  pieceLayer: Buffer | undefined;
  /** BEP 47 attributes (`x` executable, `h` hidden, ...), if any. */
  attr: string | undefined;
};

export type Torrent = {
  name: string;
  pieceLength: number;
  /** Also a valid v1 torrent (`pieces` present beside the v2 `file tree`). */
  hybrid: boolean;
  /** Files in `file tree` order (bencode's sorted key order), directories flattened. */
  files: TorrentFile[];
  /** `piece layers` as given, keyed by the pieces root in lowercase hex. */
  pieceLayers: Map<string, Buffer>;
  /** SHA-256 of the info dictionary as encoded. */
  infoHashV2: Buffer;
  /** SHA-1 of the info dictionary, for hybrid torrents; undefined for v2-only ones. */
  infoHashV1: Buffer | undefined;
};

export type ParseTorrentReturnType = Torrent;

/** Reads a v2 or hybrid .torrent's files, pieces roots and piece layers. Throws on v1-only torrents. */
export function parseTorrent(bytes: Uint8Array): ParseTorrentReturnType {
  const root = asDict(decodeBencode(bytes), "the metainfo");
  const info = asDict(root.get("info"), "info");
  const metaVersion = info.get("meta version");
  if (metaVersion !== 2n) {
    throw new InvalidTorrentError({
      field: "info.meta version",
      reason:
        metaVersion === undefined ? "is missing: this is a BitTorrent v1 torrent" : `is ${show(metaVersion)}, not 2`,
      hint: "Storage bonds need BEP 52 pieces roots: create the torrent as v2 or hybrid (e.g. libtorrent 2.0, qBittorrent 4.4+).",
    });
  }
  const name = asBytes(info.get("name"), "info.name").toString("utf8");
  const pieceLength = asLength(info.get("piece length"), "info.piece length");
  if (!isValidPieceLength(pieceLength)) {
    throw new InvalidTorrentError({
      field: "info.piece length",
      reason: `is ${pieceLength}, not a power of two of at least 16384`,
    });
  }
  const files: TorrentFile[] = [];
  walkFileTree(asDict(info.get("file tree"), "info.file tree"), [], files);
  if (files.length === 0) throw new InvalidTorrentError({ field: "info.file tree", reason: "lists no file" });

  const pieceLayers = readPieceLayers(root.get("piece layers"));
  for (const file of files) {
    if (file.piecesRoot === undefined || file.length <= pieceLength) continue;
    const layer = pieceLayers.get(file.piecesRoot.toString("hex"));
    if (layer === undefined) continue;
    const field = `piece layers[${file.piecesRoot.toString("hex")}]`;
    const pieces = pieceCountOf(file.length, pieceLength);
    if (layer.length !== pieces * HASH_SIZE) {
      throw new InvalidTorrentError({
        field,
        reason: `holds ${layer.length} bytes; ${file.path.join("/")} (${file.length} bytes) has ${pieces} pieces of ${pieceLength}, so ${pieces * HASH_SIZE}`,
      });
    }
    if (!piecesRootFromPieceLayer(layer, pieceLength).equals(file.piecesRoot)) {
      throw new InvalidTorrentError({ field, reason: `does not hash to the pieces root of ${file.path.join("/")}` });
    }
    file.pieceLayer = layer;
  }

  const span = dictValueSpan(bytes, "info");
  if (span === undefined) throw new InvalidTorrentError({ field: "info", reason: "is missing" });
  const infoBytes = bytes.subarray(span.start, span.end);
  return {
    name,
    pieceLength,
    hybrid: info.has("pieces"),
    files,
    pieceLayers,
    infoHashV2: sha256(infoBytes),
    infoHashV1: info.has("pieces") ? createHash("sha1").update(infoBytes).digest() : undefined,
  };
}

/** `parseTorrent` of the .torrent file at `path`. */
export async function readTorrentFile(path: string): Promise<Torrent> {
  return parseTorrent(await readFile(path));
}

function walkFileTree(directory: BencodeDict, path: string[], files: TorrentFile[]): void {
  for (const [key, child] of directory) {
    const name = keyToUtf8(key);
    const childPath = [...path, name];
    const field = `info.file tree/${childPath.join("/")}`;
    if (name === "" || name === "." || name === ".." || name.includes("/")) {
      throw new InvalidTorrentError({ field, reason: `has the path component ${JSON.stringify(name)}` });
    }
    const node = asDict(child, field);
    const entry = node.get("");
    if (entry === undefined) {
      walkFileTree(node, childPath, files);
      continue;
    }
    if (node.size !== 1) throw new InvalidTorrentError({ field, reason: "is both a file and a directory" });
    const file = asDict(entry, field);
    const length = asLength(file.get("length"), `${field}.length`);
    const rootValue = file.get("pieces root");
    let piecesRoot: Buffer | undefined;
    // BEP 52: empty files have no pieces root; one present anyway carries no information.
    if (length > 0) {
      piecesRoot = asBytes(rootValue, `${field}.pieces root`);
      if (piecesRoot.length !== HASH_SIZE) {
        throw new InvalidTorrentError({
          field: `${field}.pieces root`,
          reason: `is ${piecesRoot.length} bytes, not 32`,
        });
      }
      piecesRoot = Buffer.from(piecesRoot);
    }
    const attr = file.get("attr");
    files.push({
      path: childPath,
      length,
      piecesRoot,
      pieceLayer: undefined,
      attr: attr === undefined ? undefined : asBytes(attr, `${field}.attr`).toString("latin1"),
    });
  }
}

function readPieceLayers(value: BencodeValue | undefined): Map<string, Buffer> {
  const layers = new Map<string, Buffer>();
  if (value === undefined) return layers;
  for (const [key, layer] of asDict(value, "piece layers")) {
    const hex = Buffer.from(key, "latin1").toString("hex");
    layers.set(hex, Buffer.from(asBytes(layer, `piece layers[${hex}]`)));
  }
  return layers;
}

function asDict(value: BencodeValue | undefined, field: string): BencodeDict {
  if (value instanceof Map) return value;
  throw new InvalidTorrentError({
    field,
    reason: value === undefined ? "is missing" : `is ${show(value)}, not a dictionary`,
  });
}

function asBytes(value: BencodeValue | undefined, field: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  throw new InvalidTorrentError({
    field,
    reason: value === undefined ? "is missing" : `is ${show(value)}, not a string`,
  });
}

function asLength(value: BencodeValue | undefined, field: string): number {
  if (typeof value === "bigint" && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new InvalidTorrentError({
    field,
    reason: value === undefined ? "is missing" : `is ${show(value)}, not a non-negative integer below 2^53`,
  });
}

function show(value: BencodeValue): string {
  if (typeof value === "bigint") return `the integer ${value}`;
  if (Buffer.isBuffer(value)) return `a ${value.length}-byte string`;
  if (Array.isArray(value)) return "a list";
  return "a dictionary";
}
