import { readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { SellerSession } from "../../wire/sellerSession";
import type { Wire } from "../../wire/torrentTypes";
import { action, examples, untilInterrupted } from "../commandKit";
import { CliUsageError } from "../errors";
import { amountJson, formatBtt, formatDuration, formatGas, shortId, toJson } from "../format";
import { addSellerMarketOptions, checkSellerFlags, sellerPayments, type SellerMarketOptions } from "../marketOptions";
import type { CliIo } from "../output";
import { peerOf, RoundLog } from "../roundLog";
import type { CliTorrent } from "../sellerChannels";
import {
  addTorrentNetworkOptions,
  peerAddress,
  startTorrentClient,
  stopTorrentClient,
  type TorrentNetworkOptions,
} from "../torrentClient";

type SeedOptions = SellerMarketOptions &
  TorrentNetworkOptions & {
    pieceLength?: number;
    torrentFile?: string;
    announce: string[];
    claimEvery: number;
    claim: boolean;
  };

/** Each piece is paid with one voucher (a signature and a disk write on both sides): not smaller than this by default. */
const MIN_DEFAULT_PIECE = 256 * 1024;

const pieceLengthArg = (value: string): number => {
  const kib = Number(value);
  if (!/^\d+$/.test(value) || kib < 16 || kib > 16384 || (kib & (kib - 1)) !== 0) {
    throw new InvalidArgumentError("Expected KiB as a power of two from 16 to 16384, e.g. 256.");
  }
  return kib * 1024;
};

const claimEveryArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 10 || Number(value) > 30 * 86400) {
    throw new InvalidArgumentError("Expected seconds from 10 to 2592000, e.g. 3600.");
  }
  return Number(value);
};

const uploadLimitArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 16 || Number(value) > 10_000_000) {
    throw new InvalidArgumentError("Expected KiB per second from 16 to 10000000, e.g. 1024.");
  }
  return Number(value) * 1024;
};

const urlArg = (value: string, previous: string[]): string[] => {
  if (!/^(udp|https?|wss?):\/\/\S+$/.test(value)) {
    throw new InvalidArgumentError("Expected a tracker URL: udp://, http://, https://, ws:// or wss://.");
  }
  return [...previous, value];
};

/**
 * `seedpay seed FILE --price P`: seeds a file or directory over BitTorrent and sells its pieces
 * through the sp_pay extension, as the wallet's payee. Runs until Ctrl-C / SIGTERM, claiming
 * what it holds every --claim-every seconds and at shutdown.
 */
export function seedCommand(io: CliIo): Command {
  const command = new Command("seed")
    .summary(
      "seller: seed a file or directory and sell its pieces per MiB (or upload slots by --auction), until Ctrl-C",
    )
    .argument("<file>", "the file or directory to seed")
    .description(
      "Seeds FILE (or a directory) with WebTorrent and sells its pieces through seedpay's sp_pay BitTorrent " +
        "extension: buyers open a channel to this wallet and pay --price BTT per MiB by voucher; each voucher " +
        "is written to the store (--db) before it is acknowledged. Peers that do not pay are ordinary " +
        "BitTorrent peers and share one optimistic upload slot. Prints what to share on stdout (the magnet link, " +
        "the info hash and the .torrent it writes; with --json one JSON line, and one more when it stops) and " +
        "runs until Ctrl-C or SIGTERM. It claims the vouchers it holds every --claim-every seconds and when it " +
        "stops (--no-claim leaves that to `seedpay claim` or a watchtower), then says what it received and claimed. " +
        "With --auction it sells --slots upload slots instead, every --round seconds, to the highest bids (`seedpay " +
        "get --budget`) at or above --reserve; every winner pays the round's clearing price (the highest losing " +
        "bid, or the reserve) per MiB it receives while it holds the slot, and data is free outside a paid slot. " +
        "Each round with a bid is logged on stderr (and with --json as a line on stdout).",
    );
  addSellerMarketOptions(command);
  addTorrentNetworkOptions(command, 6881);
  return command
    .addOption(
      new Option(
        "--piece-length <KiB>",
        "piece size in KiB, a power of two (default: BitTorrent's usual size for FILE, at least 256 KiB)",
      ).argParser(pieceLengthArg),
    )
    .addOption(
      new Option(
        "--upload-limit <KiB/s>",
        "upload at most this fast, shared by every connection (default: unlimited); with --auction, what the slots divide",
      ).argParser(uploadLimitArg),
    )
    .option("--torrent-file <path>", "where to write the .torrent (default: ./<name>.torrent)")
    .option(
      "--announce <url>",
      "a tracker to list in the torrent and announce to (repeatable; default: public ones)",
      urlArg,
      [],
    )
    .addOption(
      new Option("--claim-every <seconds>", "claim every voucher held this often, in one transaction")
        .argParser(claimEveryArg)
        .default(3600),
    )
    .option(
      "--no-claim",
      "never claim (not at the interval, not at shutdown): leave it to `seedpay claim` or a watchtower",
    )
    .addHelpText(
      "after",
      examples([
        ["seedpay seed movie.mkv --price 0.5", "sell at 0.5 BTT per MiB on port 6881, DHT and trackers on"],
        [
          "seedpay seed movie.mkv --auction --slots 2 --reserve 0.1 --round 10",
          "sell 2 upload slots every 10 s by auction, at 0.1 BTT per MiB or more",
        ],
        [
          "seedpay --db seller.db seed ./album --price 1 --port 0 --no-dht --no-tracker --no-lsd --json",
          "a directory, on loopback only (buyers connect with `seedpay get --peer`), JSON lines on stdout",
        ],
      ]),
    )
    .action(
      action<SeedOptions>(io, async (s, o, args) => {
        checkSellerFlags(o); // before anything is started
        const file = path.resolve(s.io.cwd, args[0]);
        const bytes = sizeOf(file, args[0]);
        s.walletKey(); // a missing key fails here, before anything is started
        const chain = await s.chain();
        const store = s.store();
        const { Payee } = await import("../../channel/payee");
        const { attachPayments } = await import("../../wire/attachPayments");
        const payee = new Payee({
          store,
          chain,
          verifier: await s.verifier(),
          claimPolicy: { threshold: 1n },
          minDisputeWindow: o.minWindow,
        });
        const [, maxWindow] = await s.disputeWindowBounds();
        if (BigInt(o.minWindow) > maxWindow) {
          throw new CliUsageError(
            `--min-window ${o.minWindow} is above this escrow's longest dispute window (${maxWindow} s): no buyer could pay`,
            { metaMessages: [`Pass --min-window ${maxWindow} or less (the default is 3600).`] },
          );
        }
        const pieceLength = o.pieceLength ?? defaultPieceLength(bytes);
        const seller = sellerPayments(o, {
          payee,
          store,
          chainId: await s.chainId(),
          escrow: chain.escrow,
          token: await chain.token(),
          account: chain.account,
          pieceBytes: pieceLength,
          log: (line) => s.out.note(line),
        });
        const receivedBefore = bestReceived(store);

        const client = await startTorrentClient(o);
        const announce = !o.tracker ? [] : o.announce.length > 0 ? o.announce : undefined;
        const torrent = client.seed(file, { pieceLength, ...(announce ? { announce } : {}) }) as CliTorrent;
        const attached = attachPayments(torrent, { seller });
        const sessions: { wire: Wire; seller: SellerSession }[] = [];
        torrent.on("wire", (wire: Wire) => {
          sessions.push({ wire, seller: attached.peers.get(wire)!.seller! });
          s.out.note(`peer ${peerAddress(wire)} connected`);
        });
        const failed = new Promise<never>((_, reject) => {
          client.on("error", reject);
          torrent.on("error", reject);
        });
        await Promise.race([new Promise((resolve) => torrent.once("seed", resolve)), failed]);

        const torrentFile = path.resolve(s.io.cwd, o.torrentFile ?? `${torrent.name}.torrent`);
        writeFileSync(torrentFile, torrent.torrentFile);
        const port = client.address()!.port;
        const terms = seller.terms;
        const auction = attached.market?.terms;
        const discovery = [o.dht && "DHT", o.tracker && "trackers", o.lsd && "LSD", o.pex && "PEX"].filter(Boolean);
        s.out.note(
          `seeding "${torrent.name}": ${(torrent.length / 1048576).toFixed(2)} MiB in ${torrent.pieces.length} pieces of ` +
            `${pieceLength / 1024} KiB ` +
            (auction
              ? `by auction: ${auction.slots} paid slot(s) per round of ${auction.roundMs / 1000} s, ` +
                `reserve ${formatBtt(auction.reservePerMiB)} per MiB, free outside a paid slot (credit`
              : `at ${formatBtt(terms.pricePerMiB)} per MiB (credit`) +
            ` ${formatBtt(terms.creditLimit)}, ` +
            `dispute windows of ${formatDuration(terms.minDisputeWindow)} or more), paid to ${s.address(chain.account)}`,
        );
        s.out.note(
          `listening on port ${port}; ${discovery.length > 0 ? discovery.join(", ") : "no peer discovery (peers connect with --peer)"}; ` +
            (o.claim ? `claiming every ${formatDuration(o.claimEvery)} and at shutdown` : "not claiming (--no-claim)") +
            "; Ctrl-C stops",
        );
        const share = {
          event: "seeding",
          name: torrent.name,
          infoHash: torrent.infoHash,
          magnet: torrent.magnetURI,
          torrentFile,
          port,
          bytes: torrent.length,
          pieces: torrent.pieces.length,
          pieceLength,
          price: amountJson(terms.pricePerMiB),
          ...(auction && {
            auction: {
              slots: auction.slots,
              reserve: amountJson(auction.reservePerMiB),
              roundSeconds: auction.roundMs / 1000,
            },
          }),
          credit: amountJson(terms.creditLimit),
          minDisputeWindow: terms.minDisputeWindow,
          payee: s.address(chain.account),
        };
        s.out.raw(
          s.out.json
            ? `${toJson(share)}\n`
            : `${torrent.magnetURI}\ninfohash ${torrent.infoHash}\ntorrent ${torrentFile}\n` +
                (auction
                  ? `auction ${auction.slots} slot(s), reserve ${formatBtt(auction.reservePerMiB)} per MiB, rounds of ${auction.roundMs / 1000} s\n`
                  : ""),
        );
        const rounds = attached.market && new RoundLog(attached.market, s.out, (id) => peerOf(sessions, id));
        const roundTimer = rounds && setInterval(() => rounds.flush(), Math.min(auction!.roundMs, 1000));

        const claims: { credited: bigint; gasUsed: bigint; hash: string; when: "interval" | "shutdown" }[] = [];
        let claiming: Promise<void> = Promise.resolve();
        const claim = (when: "interval" | "shutdown"): Promise<void> =>
          (claiming = claiming.then(async () => {
            const result = await payee.claimDue({ all: true });
            if (!result) return;
            claims.push({ credited: result.credited, gasUsed: result.gasUsed, hash: result.hash, when });
            s.out.note(`claimed ${formatBtt(result.credited)} (${s.txs.unit} ${formatGas(result.gasUsed)})`);
          }));
        const timer = o.claim
          ? setInterval(
              () =>
                void claim("interval").catch((error: Error) =>
                  s.out.warn(`claim failed, retrying at the next interval: ${error.message.split("\n")[0]}`),
                ),
              o.claimEvery * 1000,
            )
          : undefined;

        await Promise.race([untilInterrupted(), failed]);
        if (timer) clearInterval(timer);
        if (roundTimer) clearInterval(roundTimer);
        rounds?.flush();
        s.out.note("stopping: no new requests are served");
        await stopTorrentClient(client);
        await claiming.catch(() => undefined);
        let claimError: Error | undefined;
        if (o.claim) await claim("shutdown").catch((error: Error) => (claimError = error));

        const received = receivedSince(store, receivedBefore);
        const vouchers = sessions.reduce((sum, x) => sum + x.seller.stats.vouchers, 0);
        const paying = new Set(sessions.map((x) => x.seller.channelId).filter(Boolean)).size;
        const credited = claims.reduce((sum, c) => sum + c.credited, 0n);
        const unclaimed = store
          .listUnclaimedChannels({ status: ["open", "closing"] })
          .filter(({ channel }) => channel.role === "payee")
          .reduce((sum, { channel, voucher }) => {
            const payable = voucher.cumulativeAmount < channel.deposit ? voucher.cumulativeAmount : channel.deposit;
            return sum + (payable > channel.claimed ? payable - channel.claimed : 0n);
          }, 0n);
        if (claimError) {
          throw new CliUsageError(`stopped, but the claim at shutdown failed: ${claimError.message.split("\n")[0]}`, {
            metaMessages: [
              `Received ${formatBtt(received)} in ${vouchers} vouchers; every voucher is in ${s.dbPath}.`,
              "Claim it later with `seedpay claim --all` (same --db and key), before any payer's dispute window ends.",
            ],
          });
        }
        return {
          json: {
            event: "stopped",
            infoHash: torrent.infoHash,
            uploaded: torrent.uploaded,
            peers: sessions.length,
            payingChannels: paying,
            received: amountJson(received),
            vouchers,
            claimed: claims.map((c) => ({ credited: amountJson(c.credited), tx: c.hash, when: c.when })),
            credited: amountJson(credited),
            unclaimed: amountJson(unclaimed),
            ...(rounds && { auction: rounds.totals() }),
            transactions: s.txs.sent,
          },
          text: [
            `stopped: uploaded ${(torrent.uploaded / 1048576).toFixed(2)} MiB to ${sessions.length} peer(s) through ${paying} paying channel(s); ` +
              `received ${formatBtt(received)} in ${vouchers} voucher(s)`,
            o.claim
              ? `claimed ${formatBtt(credited)} in ${claims.length} transaction(s)` +
                (claims.length > 0 ? ` (${claims.map((c) => shortId(c.hash)).join(", ")})` : "") +
                (unclaimed > 0n ? `; ${formatBtt(unclaimed)} still unclaimed` : "")
              : `not claimed (--no-claim): ${formatBtt(unclaimed)} unclaimed in ${s.dbPath}; \`seedpay claim --all\` claims it`,
            ...(rounds ? [rounds.summary()] : []),
          ],
        };
      }),
    );
}

/** Bytes in a file or a directory tree; a clear error when it cannot be read. */
function sizeOf(file: string, typed: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(file, { withFileTypes: true }).reduce(
      (sum, entry) => sum + sizeOf(path.join(file, entry.name), typed),
      0,
    );
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new CliUsageError(
      `cannot seed ${JSON.stringify(typed)}: ${code === "ENOENT" ? "no such file or directory" : code}`,
      {
        metaMessages: ["Pass an existing, readable file or directory: seedpay seed FILE --price BTT"],
      },
    );
  }
}

/** create-torrent's size for `bytes` (about 1,000 pieces), but at least 256 KiB. */
function defaultPieceLength(bytes: number): number {
  const usual = Math.max(16384, 1 << ((Math.log2(bytes < 1024 ? 1 : bytes / 1024) + 0.5) | 0));
  return Math.max(MIN_DEFAULT_PIECE, usual);
}

type Store = import("../../store/types").VoucherStore;

function bestReceived(store: Store): Map<string, bigint> {
  const best = new Map<string, bigint>();
  for (const channel of store.listChannels({ role: "payee" })) {
    best.set(channel.id, store.getBestReceivedVoucher(channel.id)?.cumulativeAmount ?? 0n);
  }
  return best;
}

function receivedSince(store: Store, before: Map<string, bigint>): bigint {
  let total = 0n;
  for (const [id, amount] of bestReceived(store)) total += amount - (before.get(id) ?? 0n);
  return total;
}
