import { mkdirSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { BuyerSession } from "../../wire/buyerSession";
import { EXTENSION_NAME } from "../../wire/constants";
import { decodeTerms } from "../../wire/messages";
import type { Wire } from "../../wire/torrentTypes";
import { action, examples } from "../commandKit";
import { ProgressReporter, type ProgressSnapshot } from "../downloadProgress";
import { CliUsageError, MissingKeyError } from "../errors";
import { findWalletKey } from "../keys";
import { addBuyerMarketOptions, buyerPayments, type BuyerMarketOptions } from "../marketOptions";
import type { CliIo } from "../output";
import { SellerChannels, type CliTorrent } from "../sellerChannels";
import type { Session } from "../session";
import {
  addTorrentNetworkOptions,
  peerAddress,
  peerArg,
  startTorrentClient,
  stopTorrentClient,
  type TorrentNetworkOptions,
} from "../torrentClient";
import { readTorrentInput } from "../torrentInput";
import {
  DownloadStoppedError,
  downloadSummary,
  stalled,
  torrentError,
  whyUnpaid,
  type Paying,
  type PeerRecord,
} from "../downloadReport";

type GetCommandOptions = Omit<BuyerMarketOptions, "maxPrice"> &
  TorrentNetworkOptions & {
    maxPrice?: bigint;
    peer: string[];
    out?: string;
    timeout: number;
  };

/** How often a plain (non-TTY) progress line is written; a terminal's live line is redrawn 4 times a second. */
const PLAIN_PROGRESS_MS = 2000;
const TTY_PROGRESS_MS = 250;
/** How long to wait after the last piece for the sellers to acknowledge the last vouchers. */
const ACK_WAIT_MS = 5000;

const timeoutArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 86400) {
    throw new InvalidArgumentError("Expected seconds from 1 to 86400, e.g. 120.");
  }
  return Number(value);
};

/** A peer whose extended handshake (with or without terms) has not come within this long is taken as it is. */
const HANDSHAKE_GRACE_MS = 3000;

/**
 * `seedpay get TORRENT --max-price P`: downloads a torrent, paying every seller whose sp_pay terms
 * are within --max-price by voucher for each piece it has verified; everyone else is an ordinary
 * BitTorrent peer. Progress on stderr, a summary on stdout.
 */
export function getCommand(io: CliIo): Command {
  const command = new Command("get")
    .summary("buyer: download a torrent, paying sellers within --max-price per verified piece")
    .argument("<torrent>", "a .torrent file, a magnet link (quoted) or an info hash")
    .description(
      "Downloads TORRENT with WebTorrent. A peer that sells through seedpay's sp_pay extension at or below " +
        "--max-price BTT per MiB is paid by voucher for each piece it delivered, once the piece has passed its " +
        "hash check; the channel to it is reused if this wallet and signer have one open with enough left, or " +
        "opened with --deposit. Each voucher is written to the store (--db) before it is sent. Dearer sellers, " +
        "sellers on another chain or escrow, and plain BitTorrent peers are ordinary peers (they may still " +
        "serve this client for free), and the summary says why each was not paid. Progress goes to stderr (a " +
        "live line on a terminal, a line every 2 s otherwise); the summary to stdout. Exits 0 once every piece " +
        "is verified; gives up when no piece arrives for --timeout seconds, keeping what it has for the next run. " +
        "A seller that sells upload slots by auction (`seedpay seed --auction`) is bid --max-price per MiB (the " +
        "truthful bid: a winner pays the round's clearing price, the highest losing bid) within --budget BTT in " +
        "all; its channel's default deposit is --budget. Without --budget such sellers are ordinary peers.",
    );
  addBuyerMarketOptions(command);
  addTorrentNetworkOptions(command, 0);
  return command
    .option("--peer <host:port>", "connect to this peer directly (repeatable)", peerArg, [])
    .option("--out <dir>", "where to write the download (default: the current directory)")
    .addOption(
      new Option("--timeout <seconds>", "give up when no piece has been verified for this long")
        .argParser(timeoutArg)
        .default(120),
    )
    .addHelpText(
      "after",
      examples([
        ["seedpay get movie.mkv.torrent --max-price 1", "pay sellers charging up to 1 BTT per MiB"],
        [
          "seedpay --db buyer.db get 'magnet:?xt=urn:btih:…' --max-price 0.5 --deposit 5 --peer 127.0.0.1:6881 --out ./dl",
          "a magnet link, 5 BTT per new channel, straight to a known seeder",
        ],
        [
          "seedpay get movie.mkv.torrent --max-price 0.5 --budget 20",
          "bid up to 0.5 BTT per MiB for auction sellers' slots, 20 BTT at most",
        ],
        ["seedpay get 0123…cdef --no-pay --peer 10.0.0.2:6881", "an info hash, as an ordinary peer (no key needed)"],
      ]),
    )
    .action(
      action<GetCommandOptions>(io, async (s, o, args) => {
        const input = readTorrentInput(args[0], s.io.cwd);
        if (o.pay && o.maxPrice === undefined) {
          throw new CliUsageError("required option '--max-price <btt>' not specified", {
            metaMessages: [
              "The most you pay per MiB, in BTT, e.g. --max-price 1; dearer sellers are ordinary peers.",
              "(--no-pay downloads without paying anyone.)",
            ],
          });
        }
        if (!o.pay && o.budget !== undefined) {
          throw new CliUsageError("--budget and --no-pay cannot be used together", {
            metaMessages: ["--budget bids for auction sellers' paid slots; --no-pay pays nobody. Drop one of them."],
          });
        }
        const outDir = path.resolve(s.io.cwd, o.out ?? ".");
        mkdirSync(outDir, { recursive: true });
        const paying = o.pay ? await preparePayment(s, { ...o, maxPrice: o.maxPrice! }) : undefined;

        const client = await startTorrentClient(o);
        // A paying client requests nothing until each seller it will pay has its channel announced:
        // blocks requested earlier are not counted by either side, so they would go unpaid.
        const torrent = client.add(input.id, { path: outDir, deselect: paying !== undefined }) as CliTorrent;
        const tty = (s.io.stderr as { isTTY?: boolean }).isTTY === true;
        const progress = new ProgressReporter(s.io.stderr, tty, PLAIN_PROGRESS_MS);
        let fail: (error: Error) => void = () => undefined;
        const failed = new Promise<never>((_, reject) => (fail = reject));
        client.on("error", (error: Error) => fail(error));
        torrent.on("error", (error: Error) => fail(torrentError(error, input.shown)));

        const channels = paying && new SellerChannels(s, paying.payer, paying.options, torrent, paying.signer, fail);
        const { attachPayments } = await import("../../wire/attachPayments");
        const attached =
          paying &&
          attachPayments(torrent, {
            buyer: buyerPayments(paying.options, {
              payer: paying.payer,
              store: s.store(),
              chainId: await s.chainId(),
              escrow: await s.escrow(),
              channelFor: (terms) => channels!.channelFor(terms),
              // Each decline is reported with the peer's address by the progress loop instead.
              log: () => undefined,
            }),
          });
        const peers: PeerRecord[] = [];
        torrent.on("wire", (wire: Wire) => {
          const record: PeerRecord = {
            wire,
            address: peerAddress(wire),
            since: Date.now(),
            handshake: false,
            buyer: attached?.peers.get(wire)?.buyer,
          };
          peers.push(record);
          wire.on("extended", (ext: string, handshake: Record<string, unknown>) => {
            if (ext !== "handshake") return;
            record.handshake = true;
            if (handshake[EXTENSION_NAME] === undefined) return;
            try {
              record.terms = decodeTerms(handshake[EXTENSION_NAME]);
            } catch (error) {
              record.termsError = (error as Error).message.split("\n")[0];
            }
          });
        });
        const connect = (): void => o.peer.forEach((peer) => torrent.addPeer(peer));
        if (torrent.infoHash) connect();
        else torrent.once("infoHash", connect);

        const started = Date.now();
        let lastPiece = Date.now();
        let lastBytes = 0;
        let lastTick = Date.now();
        torrent.on("verified", () => (lastPiece = Date.now()));
        const reported = new Set<PeerRecord>();
        const snapshot = (): ProgressSnapshot => {
          const now = Date.now();
          const count = torrent.pieces.length;
          let piecesDone = 0;
          let bytesDone = 0;
          for (let i = 0; i < count; i++) {
            if (!torrent.bitfield?.get(i)) continue;
            piecesDone++;
            bytesDone += i === count - 1 ? torrent.lastPieceLength : torrent.pieceLength;
          }
          const speed = now > lastTick ? ((torrent.downloaded - lastBytes) * 1000) / (now - lastTick) : 0;
          lastBytes = torrent.downloaded;
          lastTick = now;
          const live = peers.filter((p) => !p.wire.destroyed);
          return {
            piecesDone,
            pieces: count,
            bytesDone,
            bytes: torrent.length ?? 0,
            speed: Math.max(0, speed),
            spent: channels?.spent() ?? 0n,
            peers: live.length,
            paid: live.filter((p) => p.buyer?.mode === "paying").length,
            ...(paying?.options.budget !== undefined && { rounds: roundsWonLost(peers) }),
          };
        };
        let selected = !paying;
        /** Selects the whole torrent once no channel is being opened and every peer has said whether it sells. */
        const gate = (): void => {
          if (selected || !torrent.ready || torrent.pieces.length === 0 || peers.length === 0) return;
          const now = Date.now();
          const opening = peers.some((p) => !p.wire.destroyed && p.buyer?.mode === "opening");
          const undecided = peers.some((p) => !p.wire.destroyed && !p.handshake && now - p.since < HANDSHAKE_GRACE_MS);
          if (opening || undecided) return;
          selected = true;
          // From here on, WebTorrent's own rule: a piece that fails its hash check is selected again.
          (torrent as { _startAsDeselected?: boolean })._startAsDeselected = false;
          torrent.select(0, torrent.pieces.length - 1, 0);
        };
        const tick = (): void => {
          gate();
          // A "sending open… " line is open on stderr until its transaction confirms; --timeout
          // counts from there.
          if (channels?.busy) {
            lastPiece = Date.now();
            return;
          }
          for (const peer of peers) {
            const why = whyUnpaid(peer, paying);
            if (why && peer.terms && !reported.has(peer)) {
              reported.add(peer);
              progress.note(`not paying seller ${peer.address}: ${why}`);
            }
          }
          if (torrent.pieces?.length) progress.update(snapshot());
          if (Date.now() - lastPiece > o.timeout * 1000) fail(stalled(o, peers, paying, Date.now() - started));
        };
        const timer = setInterval(tick, tty ? TTY_PROGRESS_MS : 250);
        let interrupted: () => void = () => undefined;
        const onSignal = (): void => interrupted();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        const stopped = new Promise<never>((_, reject) => {
          interrupted = () =>
            reject(
              new DownloadStoppedError("interrupted", {
                metaMessages: [
                  `The pieces downloaded so far stay in ${outDir}; run the same command again to resume.`,
                  "Every voucher signed is in the store (--db): nothing paid is lost.",
                ],
              }),
            );
        });
        try {
          await Promise.race([
            new Promise<void>((resolve) => (torrent.done ? resolve() : torrent.once("done", () => resolve()))),
            failed,
            stopped,
          ]);
          // A channel still being opened (a seller that joined late) is finished, not abandoned mid-transaction.
          await channels?.settled();
          // Vouchers are reserved through the store's group commit: the last one is durable (and sent) once this resolves.
          await paying?.payer.settled();
          // Wait a little for the sellers to say the last voucher is durable on theirs too.
          const unacked = (): BuyerSession[] =>
            peers
              .map((p) => p.buyer)
              .filter((b): b is BuyerSession => b?.mode === "paying" && b.channelId !== undefined)
              .filter((b) => b.acked < (s.store().getHighestIssuedVoucher(b.channelId!)?.cumulativeAmount ?? 0n));
          for (const until = Date.now() + ACK_WAIT_MS; unacked().length > 0 && Date.now() < until; )
            await new Promise((r) => setTimeout(r, 20));
          // The last line's speed is the whole run's average.
          const last = { ...snapshot(), speed: (torrent.downloaded * 1000) / Math.max(Date.now() - started, 1) };
          progress.finish(last);
          return downloadSummary(
            s,
            torrent,
            outDir,
            Date.now() - started,
            peers,
            channels,
            paying,
            unacked().length === 0,
          );
        } catch (error) {
          progress.endLine();
          throw error;
        } finally {
          clearInterval(timer);
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          await new Promise<void>((resolve) => torrent.destroy({ destroyStore: false }, () => resolve()));
          await stopTorrentClient(client);
        }
      }),
    );
}

/** Rounds won, and lost with a bid above 0 standing, over every auction seller met. */
function roundsWonLost(peers: PeerRecord[]): { won: number; lost: number } {
  let won = 0;
  let lost = 0;
  for (const p of peers) {
    for (const r of p.buyer?.rounds ?? []) {
      if (r.won) won++;
      else if ((r.bidPerMiB ?? 0n) > 0n) lost++;
    }
  }
  return { won, lost };
}

/** The wallet, the signer, the escrow and a Payer; refuses early what would fail later. */
async function preparePayment(s: Session, options: BuyerMarketOptions): Promise<Paying> {
  if (findWalletKey(s.out, s.options) === undefined) {
    const error = new MissingKeyError("wallet", "get");
    error.metaMessages.push("Or pass --no-pay to download as an ordinary peer, paying nobody.");
    throw error;
  }
  const chain = await s.chain();
  const signer = await s.voucherSigner();
  const [min, max] = await s.disputeWindowBounds();
  if (BigInt(options.window) < min || BigInt(options.window) > max) {
    throw new CliUsageError(`--window ${options.window} is outside this escrow's dispute windows ${min}..${max} s`);
  }
  const { Payer } = await import("../../channel/payer");
  const payer = new Payer({
    store: s.store(),
    chain,
    signer,
    // Pays for what it received and verified, nothing ahead.
    policy: { price: {}, maxUnpaidCredit: 0n, maxPrepayment: 0n },
    disputeWindow: options.window,
  });
  return { options, payer, signer: signer.address, chainId: await s.chainId(), escrow: chain.escrow };
}
