/**
 * The demo's seeder: a WebTorrent client seeding a real file over the BitTorrent wire, selling its
 * pieces through the sp_pay extension (terms in the extended handshake, channels checked
 * on-chain, requests metered against the credit limit, vouchers acknowledged once on disk);
 * claims many channels in one transaction, closes channels, and runs the watchtower that answers
 * a payer's unilateral close within the dispute window.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Payee } from "../../src/channel/payee";
import { startWatchtower } from "../../src/channel/watchtower";
import { createVoucherVerifier } from "../../src/voucher/createVoucherVerifier";
import { attachPayments } from "../../src/wire/attachPayments";
import type { SellerMarket } from "../../src/wire/sellerMarket";
import type { SellerSession } from "../../src/wire/sellerSession";
import type { Wire } from "../../src/wire/torrentTypes";
import { createTorrentClient } from "../../src/wire/loadWebTorrent";
import { piecePrice } from "../../src/wire/pricing";
import { emit, serveCommands } from "./ipc";
import { btt, connectRole, DISPUTE_WINDOW, gas, log } from "./role";

async function main(): Promise<void> {
  const { chain, store, chainId } = await connectRole();
  const payee = new Payee({
    store,
    chain,
    verifier: createVoucherVerifier({ chainId, escrow: chain.escrow }),
    claimPolicy: { threshold: 10n ** 18n },
    minDisputeWindow: DISPUTE_WINDOW,
  });
  const client = await createTorrentClient();
  const port = client.address()!.port;
  const token = await chain.token();
  const names = new Map<string, string>();
  const seen: SellerSession[] = [];
  let market: SellerMarket | undefined;
  const channelName = (id: string): string => names.get(id) ?? id.slice(0, 10);

  // The watchtower over the seeder's own store answers a payer's unilateral close within the
  // dispute window with the best voucher held.
  const tower = await startWatchtower({
    chain,
    store,
    pollingInterval: 100,
    retryDelay: 200,
    onEvent: (event) => {
      if (event.type === "claimed") {
        for (const c of event.channels) {
          log(
            `watchtower: saw ${channelName(c.channelId)} start closing channel ${c.channelId.slice(0, 10)}: ` +
              `claimed its last voucher within the dispute window, +${btt(c.paid)} (gas ${gas(event.tx.gasUsed)})`,
          );
          emit("claimedInWindow", { channelId: c.channelId });
        }
      } else if (event.type === "error" || event.type === "claimFailed" || event.type === "gaveUp") {
        log(`watchtower: ${event.type} ${"error" in event ? String(event.error) : ""}`);
      }
    },
  });

  serveCommands({
    seed: async ({ file, pieceLength, pricePerMiB, creditLimit, pay, market: auction, uploadLimit }) => {
      const bytes = readFileSync(String(file));
      // Bytes per second for the whole client: makes upload slots scarce enough for rounds to matter.
      if (uploadLimit !== undefined) client.throttleUpload?.(Number(uploadLimit));
      const torrent = client.seed(String(file), { announce: [], pieceLength: Number(pieceLength) });
      if (pay !== false) {
        const terms = {
          chainId,
          escrow: chain.escrow,
          token,
          payee: chain.account,
          pricePerMiB: BigInt(String(pricePerMiB)),
          minDisputeWindow: DISPUTE_WINDOW,
          creditLimit: BigInt(String(creditLimit)),
        };
        const options = auction as
          | { slots?: number; reservePerMiB?: string; roundMs?: number; optimisticMs?: number }
          | undefined;
        const attached = attachPayments(torrent, {
          seller: {
            payee,
            store,
            terms,
            // Only the auction logs its rounds' events (the fixed-price demo's output stays as documented).
            ...(options && {
              log,
              market: {
                ...options,
                reservePerMiB: BigInt(options.reservePerMiB ?? 0),
              },
            }),
          },
        });
        market = attached.market;
        // Every session ever opened, for `stats` (attachPayments forgets a connection once closed).
        torrent.on("wire", (wire: Wire) => seen.push(attached.peers.get(wire)!.seller!));
      }
      await new Promise<void>((resolve) => torrent.once("seed", () => resolve()));
      const price = piecePrice(BigInt(String(pricePerMiB ?? 0)), torrent.pieceLength);
      log(
        `seeding ${(bytes.length / 1048576).toFixed(1)} MiB in ${torrent.pieces.length} pieces of ${torrent.pieceLength / 1024} KiB ` +
          `on 127.0.0.1:${port} over the BitTorrent wire` +
          (pay === false
            ? ", unpaid"
            : market
              ? `, ${market.config.slots} paid slots sold by auction every ${market.config.roundMs} ms (reserve ${btt(market.config.reserve)} per MiB), up to ${btt(BigInt(String(creditLimit)))} of credit`
              : `, ${btt(price)} per piece, up to ${btt(BigInt(String(creditLimit)))} of credit`),
      );
      return {
        torrent: Buffer.from(torrent.torrentFile).toString("base64"),
        infoHash: torrent.infoHash,
        port,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      };
    },
    stats: async () => {
      const peers = seen.map((seller) => ({
        mode: seller.mode,
        channelId: seller.channelId,
        ...seller.stats,
        paid: seller.paidAmount,
        charges: seller.charges,
      }));
      return {
        uploaded: client.torrents.reduce((a, t) => a + t.uploaded, 0),
        peers,
        cpu: process.cpuUsage(),
        rounds: market?.history ?? [],
      };
    },
    name: async ({ channelId, name }) => void names.set(String(channelId).toLowerCase(), String(name)),
    claim: async () => {
      const owed = store.listUnclaimedChannels({ status: "open" });
      const result = await payee.claimDue({ all: true });
      if (!result) return log("nothing to claim");
      const parts = owed.map(({ channel, unclaimed }) => `${btt(unclaimed)} from ${channelName(channel.id)}`);
      log(
        `claimed ${btt(result.credited)} (${parts.join(", ")}) in ONE claimMany transaction, without closing (gas ${gas(result.gasUsed)})`,
      );
      return { credited: result.credited.toString(), channels: owed.length, gasUsed: result.gasUsed.toString() };
    },
    close: async ({ channelId }) => {
      const id = String(channelId).toLowerCase();
      const owed = payee.owed(id);
      const balance = await chain.escrowBalance(chain.account);
      const { close, withdraw } = await payee.closeAndWithdraw(id);
      const channel = store.getChannel(id)!;
      log(
        `closed the channel of ${channelName(id)} at once with its last voucher (+${btt(owed)}; ` +
          `${btt(channel.claimed)} in total, ${btt(channel.deposit - channel.claimed)} back to the leecher; gas ${gas(close.gasUsed)})`,
      );
      if (withdraw) {
        log(
          `withdrew ${btt(balance + owed)} (the batch claim and this close) from the escrow to its wallet (gas ${gas(withdraw.gasUsed)})`,
        );
      }
    },
    withdraw: async () => {
      const balance = await chain.escrowBalance(chain.account);
      if (balance === 0n) return;
      const tx = await chain.withdraw(chain.account, balance);
      log(`withdrew ${btt(balance)} from the escrow to its wallet (gas ${gas(tx.gasUsed)})`);
    },
    exit: async () => {
      await tower.stop();
      await new Promise<void>((resolve) => client.destroy(() => resolve()));
      store.close();
    },
  });
  emit("listening", { port });
}

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
