/**
 * The demo's leecher: a WebTorrent client downloading over the BitTorrent wire from the peer it
 * is given, paying through the sp_pay extension with `Payer` for each piece WebTorrent verified
 * (a cumulative voucher, reserved in the store before it is signed); later closes unilaterally:
 * start-close, then settle after the dispute window.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { Payer } from "../../src/channel/payer";
import { syncChannel } from "../../src/channel/syncChannel";
import { ProgressChain } from "../../src/cli/progressChain";
import { createVoucherSigner } from "../../src/voucher/createVoucherSigner";
import { attachPayments } from "../../src/wire/attachPayments";
import type { Bidder } from "../../src/wire/bidder";
import { createTorrentClient } from "../../src/wire/loadWebTorrent";
import type { Torrent, Wire } from "../../src/wire/torrentTypes";
import { serveCommands } from "./ipc";
import { btt, connectRole, DISPUTE_WINDOW, gas, log, quietTxLog } from "./role";

async function main(): Promise<void> {
  const { chain: inner, store, chainId } = await connectRole();
  // Records each transaction the library sends, for the gas in the log lines.
  const txs = quietTxLog();
  const chain = new ProgressChain(inner, txs);
  // The torrent client's hot key: it signs vouchers, the wallet only funds the channel.
  const hotKey = Wallet.createRandom();
  const signer = createVoucherSigner({ privateKey: hotKey.privateKey, chainId, escrow: chain.escrow });
  // Pays for what it received and verified, nothing ahead.
  const policy = { price: {}, maxUnpaidCredit: 0n, maxPrepayment: 0n };
  const payer = new Payer({ store, chain, signer, policy, disputeWindow: DISPUTE_WINDOW });
  const client = await createTorrentClient();
  const dataDir = path.join(path.dirname(process.env.SEEDPAY_DB!), `${process.env.SEEDPAY_DEMO_ROLE}-data`);
  mkdirSync(dataDir, { recursive: true });
  let channelId = "";
  let bidder: Bidder | undefined;

  serveCommands({
    open: async ({ payee, deposit }) => {
      const channel = await payer.open(String(payee), BigInt(String(deposit)));
      channelId = channel.id;
      log(
        `opened channel ${channel.id.slice(0, 10)} to the seeder with ${btt(channel.deposit)}, vouchers signed by hot key ` +
          `${signer.address.slice(0, 8)}… (${txs.sent.map((tx) => `${tx.action} gas ${gas(BigInt(tx.gasUsed))}`).join(", ")})`,
      );
      return { channelId };
    },
    download: async ({ torrent: torrentFile, peer, pay, maxPricePerMiB, bidding, legacy }) => {
      const bids = bidding as { maxPricePerMiB: string; budget: string } | undefined;
      const started = process.hrtime.bigint();
      const torrent = client.add(Buffer.from(String(torrentFile), "base64"), { path: dataDir });
      const payments =
        pay === false
          ? undefined
          : attachPayments(torrent, {
              buyer: {
                payer,
                store,
                limits: {
                  chainId,
                  escrow: chain.escrow,
                  maxPricePerMiB: BigInt(String(maxPricePerMiB ?? 0)),
                  disputeWindow: DISPUTE_WINDOW,
                },
                ...(bids && {
                  bidding: { maxPricePerMiB: BigInt(bids.maxPricePerMiB), budget: BigInt(bids.budget) },
                }),
                channelFor: async (terms) => store.getChannel(channelId) ?? payer.openOrReuse(terms.payee, 0n),
                log,
              },
            });
      bidder = payments?.bidder;
      // When each `round` message arrived (ms, this host's clock): the test compares it with the
      // seller's round start to measure how long control messages wait behind data.
      const roundArrivals = new Map<number, number>();
      if (payments) {
        torrent.on("wire", (wire: Wire) => {
          const buyer = payments.peers.get(wire)?.buyer;
          if (!buyer) return;
          // A client from before bidding rounds: its terms decoder never heard of `auction`, so it
          // sees a seller asking 0 per MiB, opens its channel and pays 0 for what it gets.
          if (legacy === true) {
            const onTerms = buyer.onTerms.bind(buyer);
            buyer.onTerms = (raw) => {
              const { auction: _ignored, ...older } = raw as Record<string, unknown>;
              onTerms(older);
            };
          }
          const onMessage = buyer.onMessage.bind(buyer);
          buyer.onMessage = (bytes) => {
            const before = buyer.rounds.length;
            onMessage(bytes);
            if (buyer.rounds.length > before) roundArrivals.set(buyer.rounds.at(-1)!.round, Date.now());
          };
        });
      }
      const issuedBefore = channelId ? (store.getHighestIssuedVoucher(channelId)?.cumulativeAmount ?? 0n) : 0n;
      await whenDone(torrent, String(peer));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The last pieces' vouchers may still be in the store's group commit: count them as sent.
      await payer.settled();
      const sessions = [...(payments?.peers.values() ?? [])].map((p) => p.buyer!).filter((b) => b.mode === "paying");
      // Done when every voucher sent is acknowledged: durable on the seeder's disk.
      const issued = () => (channelId ? (store.getHighestIssuedVoucher(channelId)?.cumulativeAmount ?? 0n) : 0n);
      for (let i = 0; i < 2000 && sessions.some((s) => s.acked < issued()); i++)
        await new Promise((r) => setTimeout(r, 5));
      const paid = issued() - issuedBefore;
      const vouchers = sessions.reduce((a, s) => a + s.vouchers, 0);
      const file = path.join(dataDir, (torrent as unknown as { files: { path: string }[] }).files[0].path);
      const sha256 = createHash("sha256").update(readFileSync(file)).digest("hex");
      const mib = Number((torrent.length / 1048576).toFixed(2));
      log(
        `received ${torrent.pieces.length} pieces (${mib} MiB, each checked against the torrent's hashes by WebTorrent)` +
          (sessions.length > 0
            ? `, paid ${btt(paid)} in ${vouchers} vouchers, each acknowledged once on the seeder's disk`
            : payments
              ? ", from a peer that sells nothing through sp_pay (nothing paid)"
              : ", as a plain peer (nothing paid)"),
      );
      const result = {
        pieces: torrent.pieces.length,
        bytes: torrent.length,
        seconds,
        paid: paid.toString(),
        vouchers,
        acked: sessions.every((s) => s.acked === issued()),
        sha256,
        refusals: sessions.flatMap((s) => s.refusals),
        rounds: sessions.flatMap((s) => s.rounds.map((r) => ({ ...r, at: roundArrivals.get(r.round) }))),
        spent: bidder?.spent,
      };
      bidder = undefined;
      await new Promise<void>((resolve) => torrent.destroy({ destroyStore: false }, () => resolve()));
      return result;
    },
    // The user moves the "speed boost" during a download: the new value is bid at once.
    bid: async ({ maxPricePerMiB }) => {
      if (!bidder) throw new Error("no download with bidding is running");
      bidder.setMaxPrice(BigInt(String(maxPricePerMiB)));
      log(`now bidding ${btt(BigInt(String(maxPricePerMiB)))} per MiB`);
    },
    startClose: async () => {
      const channel = store.getChannel(channelId)!;
      const tx = await chain.startClose(channel.key);
      log(`started a unilateral close: the seeder has ${DISPUTE_WINDOW / 3600} h to claim (gas ${gas(tx.gasUsed)})`);
      await syncChannel(store, chain, channelId);
    },
    settle: async () => {
      const channel = store.getChannel(channelId)!;
      const before = await chain.tokenBalance(chain.account);
      const tx = await chain.settle(channel.key);
      const refund = (await chain.tokenBalance(chain.account)) - before;
      await syncChannel(store, chain, channelId);
      log(`settled after the window: ${btt(refund)} refunded (gas ${gas(tx.gasUsed)})`);
    },
    exit: async () => {
      await new Promise<void>((resolve) => client.destroy(() => resolve()));
      store.close();
    },
  });
}

/** Connects to `peer` once the torrent knows its info hash, and resolves when every piece is verified. */
function whenDone(torrent: Torrent, peer: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const connect = (): void => void torrent.addPeer(peer);
    if (torrent.infoHash) connect();
    else torrent.once("infoHash", connect);
    torrent.once("done", () => resolve());
    torrent.once("error", reject);
  });
}

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
