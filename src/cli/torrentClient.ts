/**
 * The WebTorrent client of `seedpay seed` and `seedpay get`: peer discovery as a real user
 * expects it (DHT, trackers, local service discovery and peer exchange on by default, each with a
 * flag to turn it off), TCP peers on a chosen port. The library's `createTorrentClient` turns all
 * discovery off, which suits tests and embedders that add peers by address, not people.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { loadWebTorrent } from "../wire/loadWebTorrent";
import type { WebTorrentClient, Wire } from "../wire/torrentTypes";
import { portArg } from "./commandKit";
import { CliUsageError } from "./errors";

/** The discovery and listening flags both commands take (commander's `--no-x` sets `x: false`). */
export type TorrentNetworkOptions = {
  port: number;
  dht: boolean;
  tracker: boolean;
  lsd: boolean;
  pex: boolean;
  /** Bytes per second this client uploads at most (`seedpay seed --upload-limit`); unlimited without. */
  uploadLimit?: number;
};

export function addTorrentNetworkOptions(command: Command, defaultPort: number): Command {
  return command
    .addOption(
      new Option("--port <port>", "TCP port to take peer connections on (0 picks a free one)")
        .argParser(portArg)
        .default(defaultPort),
    )
    .option("--no-dht", "do not use the BitTorrent DHT (BEP 5) to find peers or announce")
    .option("--no-tracker", "do not contact trackers")
    .option("--no-lsd", "no local service discovery (BEP 14) on the LAN")
    .option("--no-pex", "no peer exchange (BEP 11)");
}

/** `--peer 127.0.0.1:6881` (repeatable): a peer to connect to directly. */
export function peerArg(value: string, previous: string[] = []): string[] {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(value.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new InvalidArgumentError("Expected host:port, e.g. 127.0.0.1:6881 or [::1]:6881.");
  }
  return [...previous, value.trim()];
}

/** A WebTorrent client listening on `options.port`; refuses with a clear error when the port is taken. */
export async function startTorrentClient(options: TorrentNetworkOptions): Promise<WebTorrentClient> {
  let WebTorrent: Awaited<ReturnType<typeof loadWebTorrent>>;
  try {
    WebTorrent = await loadWebTorrent();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code !== "ERR_MODULE_NOT_FOUND" || !e.message?.includes("Cannot find package 'webtorrent'")) throw error;
    // An optional peer dependency of the package: an install for the escrow alone does not pull it in.
    throw new CliUsageError("`seedpay seed` and `seedpay get` need WebTorrent, which is not installed", {
      metaMessages: ["Install it beside seedpay: npm install webtorrent@3.0.21"],
    });
  }
  const client = new WebTorrent({
    dht: options.dht,
    tracker: options.tracker,
    lsd: options.lsd,
    utPex: options.pex,
    // No NAT traversal, WebRTC or uTP here: uTP's native module is optional and WebRTC is stubbed out.
    natUpnp: false,
    natPmp: false,
    webSeeds: true,
    utp: false,
    torrentPort: options.port,
    ...(options.uploadLimit !== undefined && { uploadLimit: options.uploadLimit }),
  });
  await new Promise<void>((resolve, reject) => {
    if (client.address()) return resolve();
    client.once("listening", () => resolve());
    client.once("error", (error: Error & { code?: string }) => {
      client.destroy();
      if (error.code === "EADDRINUSE") {
        reject(
          new CliUsageError(`port ${options.port} is already in use: another client listens there`, {
            metaMessages: ["Pass another port with --port N, or --port 0 to pick a free one."],
          }),
        );
      } else reject(error);
    });
  });
  return client;
}

/** Stops the client and its connections; never rejects (a shutdown must go on to the claim). */
export function stopTorrentClient(client: WebTorrentClient): Promise<void> {
  return new Promise<void>((resolve) => client.destroy(() => resolve()));
}

/** "127.0.0.1:6881", without the IPv4-mapped prefix. */
export function peerAddress(wire: Wire): string {
  const { remoteAddress, remotePort } = wire as { remoteAddress?: string; remotePort?: number };
  if (!remoteAddress) return "?";
  const host = remoteAddress.replace(/^::ffff:/, "");
  return remotePort ? `${host.includes(":") ? `[${host}]` : host}:${remotePort}` : host;
}
