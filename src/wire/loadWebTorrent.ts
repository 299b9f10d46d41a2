/**
 * Loads WebTorrent (ESM-only) from this CommonJS package and creates clients fit for seedpay:
 * TCP peers only, no DHT, tracker, LSD, PEX, UPnP/NAT-PMP or uTP (peers are added by address),
 * and no WebRTC (webrtc-polyfill is replaced by a local stub in package.json's overrides).
 */
import type { WebTorrentClient } from "./torrentTypes";

// TypeScript compiles `import()` to `require()` under "module": "commonjs", which cannot load
// ESM; a Function body is left alone, so this is a real dynamic import.
export const importEsm = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<unknown>;

type WebTorrentConstructor = new (options: Record<string, unknown>) => WebTorrentClient;

let loaded: Promise<WebTorrentConstructor> | undefined;

export function loadWebTorrent(): Promise<WebTorrentConstructor> {
  loaded ??= importEsm("webtorrent").then((m) => (m as { default: WebTorrentConstructor }).default);
  return loaded;
}

export type CreateClientOptions = {
  /** TCP port to listen on; 0 picks a free one. */
  port?: number;
  /** Upload slots (WebTorrent's default is 10). */
  uploads?: number;
};

/** A WebTorrent client for loopback or explicit peers: nothing announced, nothing discovered. */
export async function createTorrentClient(options: CreateClientOptions = {}): Promise<WebTorrentClient> {
  const WebTorrent = await loadWebTorrent();
  const client = new WebTorrent({
    dht: false,
    tracker: false,
    lsd: false,
    utPex: false,
    natUpnp: false,
    natPmp: false,
    webSeeds: false,
    utp: false,
    torrentPort: options.port ?? 0,
    ...(options.uploads === undefined ? {} : { uploads: options.uploads }),
  });
  // A client listens lazily; wait so `address()` is known before peers are told where to connect.
  await new Promise<void>((resolve, reject) => {
    if (client.address()) return resolve();
    client.once("listening", () => resolve());
    client.once("error", reject);
  });
  return client;
}
