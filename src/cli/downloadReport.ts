/**
 * What `seedpay get` says about a download: why a peer was not paid, why a download stalled, and
 * the summary of a finished one (text and --json).
 */
import path from "node:path";
import type { Payer } from "../channel/payer";
import { SeedpayError } from "../errors/base";
import type { BuyerSession } from "../wire/buyerSession";
import type { Terms } from "../wire/messages";
import type { Wire } from "../wire/torrentTypes";
import { amountJson, formatBtt, shortId } from "./format";
import type { BuyerMarketOptions } from "./marketOptions";
import type { CliTorrent, SellerChannels } from "./sellerChannels";
import type { Session } from "./session";
import { unpaidReason } from "./unpaidReason";

/** The options of `seedpay get` that a report mentions. */
export type GetOptions = {
  dht: boolean;
  tracker: boolean;
  lsd: boolean;
  peer: string[];
  timeout: number;
};

/** The download could not finish; what was downloaded and signed is kept. */
export class DownloadStoppedError extends SeedpayError {
  override name = "DownloadStoppedError";
}

/** A peer as the summary shows it. */
export type PeerRecord = {
  wire: Wire;
  address: string;
  since: number;
  handshake: boolean;
  buyer?: BuyerSession;
  terms?: Terms;
  termsError?: string;
};

export type Paying = {
  options: BuyerMarketOptions;
  payer: Payer;
  signer: string;
  chainId: bigint;
  escrow: string;
};

/** unpaidReason for a peer record, with --no-pay's empty answer. */
export function whyUnpaid(peer: PeerRecord, paying: Paying | undefined): string | undefined {
  if (!paying) return undefined;
  const { maxPrice, window, budget } = paying.options;
  return unpaidReason(
    { terms: peer.terms, termsError: peer.termsError, mode: peer.buyer?.mode, declined: peer.buyer?.declined },
    { maxPrice, window, chainId: paying.chainId, escrow: paying.escrow, ...(budget !== undefined && { budget }) },
  );
}

export function stalled(o: GetOptions, peers: PeerRecord[], paying: Paying | undefined, ms: number): Error {
  const discovery = [o.dht && "the DHT", o.tracker && "trackers", o.lsd && "LSD"].filter(Boolean).join(", ");
  if (peers.length === 0) {
    return new DownloadStoppedError(`no peers within ${Math.round(ms / 1000)} s`, {
      metaMessages: [
        o.peer.length > 0
          ? `Nobody answered at ${o.peer.join(", ")}: is the seeder running (seedpay seed prints its port)?`
          : "Pass --peer host:port to connect to a seeder directly (`seedpay seed` prints its port).",
        discovery
          ? `Peer discovery through ${discovery} found nobody.`
          : "Peer discovery is off (--no-dht, --no-tracker, --no-lsd).",
        "Or wait longer with --timeout SECONDS. Nothing was paid.",
      ],
    });
  }
  const reasons = peers.map((p) => {
    const why = whyUnpaid(p, paying);
    return `  ${p.address}: ${why ?? (p.terms ? `sells at ${formatBtt(p.terms.pricePerMiB)} per MiB` : "a plain BitTorrent peer")}`;
  });
  return new DownloadStoppedError(`no piece for ${o.timeout} s from ${peers.length} peer(s)`, {
    metaMessages: [
      ...reasons,
      "An unpaid peer is served only through a seller's one optimistic slot, shared with every other unpaid peer.",
      "Raise --max-price to pay a dearer seller, or wait longer with --timeout SECONDS.",
      "What was downloaded stays in --out and every voucher signed is in the store: run again to resume.",
    ],
  });
}

export function torrentError(error: Error, shown: string): Error {
  return new DownloadStoppedError(`cannot download ${shown}: ${error.message}`, {
    metaMessages: ["Check TORRENT (a .torrent file, a magnet link or an info hash) and --out."],
  });
}

export function downloadSummary(
  s: Session,
  torrent: CliTorrent,
  outDir: string,
  ms: number,
  peers: PeerRecord[],
  channels: SellerChannels | undefined,
  paying: Paying | undefined,
  acked: boolean,
) {
  const seconds = ms / 1000;
  const mib = torrent.length / 1048576;
  const fetched = Math.min(torrent.downloaded, torrent.length) / 1048576;
  const store = s.store();
  const sellers = [...(channels?.used.values() ?? [])].map(({ channel, terms, issuedBefore, opened }) => {
    const issued = store.getHighestIssuedVoucher(channel.id)?.cumulativeAmount ?? 0n;
    const sessions = peers.filter((p) => p.buyer?.channelId === channel.id);
    const deposit = store.getChannel(channel.id)?.deposit ?? channel.deposit;
    const rounds = sessions.flatMap((p) => p.buyer?.rounds ?? []);
    const won = rounds.filter((r) => r.won);
    return {
      payee: s.address(terms.payee),
      peer: sessions[0]?.address ?? "?",
      pricePerMiB: terms.pricePerMiB,
      // An auction seller: the rounds this client's bids won and lost, and the clearing prices it paid.
      auction: terms.auction && {
        roundsWon: won.length,
        roundsLost: rounds.filter((r) => !r.won && (r.bidPerMiB ?? 0n) > 0n).length,
        clearingPrices: [...new Set(won.map((r) => r.clearingPricePerMiB))].sort((a, b) =>
          a < b ? -1 : a > b ? 1 : 0,
        ),
      },
      channelId: channel.id,
      opened,
      paid: issued - issuedBefore,
      vouchers: sessions.reduce((sum, p) => sum + (p.buyer?.vouchers ?? 0), 0),
      acknowledged: sessions.reduce((best, p) => (p.buyer && p.buyer.acked > best ? p.buyer.acked : best), 0n),
      left: deposit - issued,
      bytes: sessions.reduce((sum, p) => sum + ((p.wire as { downloaded?: number }).downloaded ?? 0), 0),
    };
  });
  const unpaid = peers
    .filter((p) => !sellers.some((x) => x.channelId === p.buyer?.channelId && p.buyer?.channelId))
    .map((p) => ({
      peer: p.address,
      reason:
        whyUnpaid(p, paying) ??
        (p.terms
          ? paying
            ? "it sells through sp_pay but was not paid"
            : "--no-pay"
          : "a plain BitTorrent peer (no sp_pay terms)"),
      bytes: (p.wire as { downloaded?: number }).downloaded ?? 0,
    }));
  const spent = sellers.reduce((sum, x) => sum + x.paid, 0n);
  const vouchers = sellers.reduce((sum, x) => sum + x.vouchers, 0);
  const file = path.join(outDir, torrent.files.length === 1 ? torrent.files[0].path : torrent.name);
  const text = [
    `downloaded "${torrent.name}" (${mib.toFixed(2)} MiB, ${torrent.pieces.length} pieces, every piece verified) to ${file} ` +
      `in ${seconds.toFixed(1)} s (${(fetched / Math.max(seconds, 0.001)).toFixed(2)} MiB/s)` +
      (fetched < mib ? `; ${(mib - fetched).toFixed(2)} MiB were already on disk` : ""),
    paying
      ? `paid ${formatBtt(spent)} in ${vouchers} voucher(s) to ${sellers.length} seller(s)` +
        (sellers.length > 0
          ? acked
            ? ", every voucher acknowledged as stored by its seller"
            : "; some vouchers not yet acknowledged (they are in the store)"
          : "")
      : "paid nothing (--no-pay)",
    ...sellers.map(
      (x) =>
        `  seller ${x.payee} at ${x.peer}: ` +
        (x.auction
          ? `auction, won ${x.auction.roundsWon} round(s) (lost ${x.auction.roundsLost})` +
            (x.auction.clearingPrices.length > 0
              ? ` at ${x.auction.clearingPrices.map((p) => formatBtt(p)).join(" / ")} per MiB`
              : "") +
            ", free outside them, "
          : `${formatBtt(x.pricePerMiB)} per MiB, `) +
        `${(x.bytes / 1048576).toFixed(2)} MiB, ` +
        `${formatBtt(x.paid)} on channel ${shortId(x.channelId)}${x.opened ? " (opened now)" : ""}, ${formatBtt(x.left)} left in it`,
    ),
    ...(unpaid.length > 0 ? ["not paid:"] : []),
    ...unpaid.map((u) => `  ${u.peer} (${(u.bytes / 1048576).toFixed(2)} MiB): ${u.reason}`),
  ];
  return {
    text,
    json: {
      name: torrent.name,
      infoHash: torrent.infoHash,
      path: file,
      bytes: torrent.length,
      pieces: torrent.pieces.length,
      verified: true,
      seconds,
      spent: amountJson(spent),
      vouchers,
      acknowledged: acked,
      sellers: sellers.map((x) => ({
        payee: x.payee,
        peer: x.peer,
        pricePerMiB: amountJson(x.pricePerMiB),
        ...(x.auction && {
          auction: {
            roundsWon: x.auction.roundsWon,
            roundsLost: x.auction.roundsLost,
            clearingPrices: x.auction.clearingPrices.map(amountJson),
          },
        }),
        channelId: x.channelId,
        opened: x.opened,
        paid: amountJson(x.paid),
        vouchers: x.vouchers,
        acknowledged: amountJson(x.acknowledged),
        left: amountJson(x.left),
        bytes: x.bytes,
      })),
      unpaid,
      transactions: s.txs.sent,
    },
  };
}
