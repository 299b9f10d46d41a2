import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { decodeBencode } from "../storage/bencode";
import { CliUsageError } from "./errors";

/** What `seedpay get` hands WebTorrent: a magnet link, an info hash, or a .torrent file's bytes. */
export type TorrentInput =
  | { kind: "magnet"; id: string; shown: string }
  | { kind: "infohash"; id: string; shown: string }
  | { kind: "file"; id: Buffer; shown: string };

const HEX_INFOHASH = /^[0-9a-fA-F]{40}$/;
const BASE32_INFOHASH = /^[A-Za-z2-7]{32}$/;

/**
 * Reads TORRENT as the user typed it: a magnet link (`magnet:?xt=urn:btih:…`), a bare info hash
 * (40 hex digits or 32 base32 characters), or a path to a .torrent file, checked to be a bencoded
 * dictionary with an `info` dictionary. Anything else fails here, before any network or chain work.
 */
export function readTorrentInput(text: string, cwd: string): TorrentInput {
  const trimmed = text.trim();
  if (/^magnet:/i.test(trimmed)) {
    if (!/[?&]xt=urn:bt(ih|mh):[0-9a-z]+/i.test(trimmed)) {
      throw new CliUsageError(`the magnet link has no BitTorrent info hash (xt=urn:btih:…)`, {
        metaMessages: [
          "Copy the whole link, e.g. magnet:?xt=urn:btih:<40 hex digits>&dn=name (quote it in the shell).",
        ],
      });
    }
    return { kind: "magnet", id: trimmed, shown: trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed };
  }
  if (HEX_INFOHASH.test(trimmed) || BASE32_INFOHASH.test(trimmed)) {
    return { kind: "infohash", id: trimmed.toLowerCase(), shown: trimmed.toLowerCase() };
  }
  const file = path.resolve(cwd, trimmed);
  let bytes: Buffer;
  try {
    if (statSync(file).isDirectory()) throw Object.assign(new Error("directory"), { code: "EISDIR" });
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : code;
    throw new CliUsageError(`cannot read the torrent ${JSON.stringify(text)}: ${why}`, {
      metaMessages: [
        "TORRENT is a .torrent file, a magnet link (magnet:?xt=urn:btih:…, quoted) or an info hash (40 hex digits).",
        "`seedpay seed` prints all three for what it seeds.",
      ],
    });
  }
  if (!isTorrentFile(bytes)) {
    throw new CliUsageError(
      `${JSON.stringify(text)} is not a .torrent file (no bencoded dictionary with an info dictionary)`,
      {
        metaMessages: ["Check the file (a download cut short?), or pass the magnet link or the info hash instead."],
      },
    );
  }
  return { kind: "file", id: bytes, shown: trimmed };
}

function isTorrentFile(bytes: Buffer): boolean {
  try {
    const value = decodeBencode(bytes);
    if (!(value instanceof Map)) return false;
    const info = value.get("info");
    return info instanceof Map && typeof info.get("piece length") === "bigint" && Buffer.isBuffer(info.get("pieces"));
  } catch {
    return false;
  }
}
