/**
 * The parts of bittorrent-protocol's Wire and WebTorrent's Torrent that seedpay touches (both
 * packages are ESM-only JavaScript without types). Underscored members are WebTorrent internals,
 * used in one place only: paidChoker.ts.
 */
import type { EventEmitter } from "node:events";

export interface Wire extends EventEmitter {
  amChoking: boolean;
  peerInterested: boolean;
  destroyed: boolean;
  isSeeder?: boolean;
  extendedHandshake: Record<string, unknown>;
  peerExtendedMapping: Record<string, number>;
  remoteAddress?: string;
  use(extension: ExtensionConstructor): void;
  extended(ext: string | number, payload: Uint8Array | object): void;
  choke(): void;
  unchoke(): void;
  /** Requests received and not yet answered. */
  peerRequests: { piece: number; offset: number; length: number }[];
  piece(index: number, offset: number, block: Uint8Array): void;
  /** BEP 6: refuse one request (only when both ends set the fast bit). */
  reject(index: number, offset: number, length: number): void;
  hasFast: boolean;
  request(index: number, offset: number, length: number, cb: (err: Error | null, block?: Uint8Array) => void): void;
  destroy(): void;
}

/** What `wire.use()` takes: a constructor whose prototype carries the extension's name. */
export interface ExtensionConstructor {
  new (wire: Wire): {
    onHandshake?(infoHash: string, peerId: string, extensions: Record<string, boolean>): void;
    onExtendedHandshake?(handshake: Record<string, unknown>): void;
    onMessage?(payload: Uint8Array): void;
  };
  prototype: { name: string };
}

export interface Torrent extends EventEmitter {
  infoHash: string;
  pieceLength: number;
  lastPieceLength: number;
  length: number;
  pieces: unknown[];
  wires: Wire[];
  done: boolean;
  progress: number;
  downloaded: number;
  uploaded: number;
  torrentFile: Uint8Array;
  magnetURI: string;
  addPeer(peer: string): boolean;
  store: {
    get(
      index: number,
      opts: { offset: number; length: number },
      cb: (err: Error | null, block?: Uint8Array) => void,
    ): void;
  };
  destroy(opts?: unknown, cb?: (err?: Error) => void): void;
  /** WebTorrent's choker, run every 10 s (private). */
  _rechoke(): void;
}

export interface WebTorrentClient extends EventEmitter {
  torrents: Torrent[];
  address(): { address: string; family: string; port: number } | null;
  add(torrentId: unknown, opts: Record<string, unknown>, onTorrent?: (torrent: Torrent) => void): Torrent;
  seed(input: unknown, opts: Record<string, unknown>, onSeed?: (torrent: Torrent) => void): Torrent;
  destroy(cb?: (err?: Error) => void): void;
  /** Limits the client's upload rate in bytes per second (-1: no limit). */
  throttleUpload?(rate: number): void;
}
