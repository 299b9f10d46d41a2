/**
 * The demo's leecher: opens a channel to the seeder, downloads pieces over TCP with a few requests
 * in flight, checks each piece and pays for it with a cumulative voucher (Payer.payForReceived),
 * and later closes unilaterally: start-close, then settle after the dispute window.
 */
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { Wallet } from "ethers";
import { priceOf } from "../../src/channel/creditPolicy";
import { Payer } from "../../src/channel/payer";
import { syncChannel } from "../../src/channel/syncChannel";
import { createVoucherSigner } from "../../src/voucher/createVoucherSigner";
import { ProgressChain } from "../../src/cli/progressChain";
import { serveCommands } from "./ipc";
import { btt, connectRole, DISPUTE_WINDOW, gas, log, PIECE_BYTES, POLICY, quietTxLog } from "./role";
import { Wire, type Message } from "./wire";

/** Requests in flight: more than the seeder's credit covers, so some are refused until paid for. */
const PIPELINE = 3;

async function main(): Promise<void> {
  const { chain: inner, store, chainId } = await connectRole();
  // Records each transaction the library sends, for the gas in the log lines.
  const txs = quietTxLog();
  const chain = new ProgressChain(inner, txs);
  // The torrent client's hot key: it signs vouchers, the wallet only funds the channel.
  const hotKey = Wallet.createRandom();
  const signer = createVoucherSigner({ privateKey: hotKey.privateKey, chainId, escrow: chain.escrow });
  const payer = new Payer({ store, chain, signer, policy: POLICY, disputeWindow: DISPUTE_WINDOW });
  let channelId = "";
  let received = 0n;

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
    download: async ({ pieces, port }) => {
      const stats = await download(Number(pieces), Number(port));
      log(
        `received ${stats.pieces} pieces (${(stats.pieces * PIECE_BYTES) / 1048576} MiB, hashes checked), paid ${btt(stats.paid)} ` +
          `in ${stats.vouchers} vouchers, each acknowledged once on the seeder's disk` +
          (stats.refused
            ? `; ${stats.refused} requests refused by the seeder's credit limit and retried after paying`
            : ""),
      );
      return stats;
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
    exit: async () => store.close(),
  });

  /** Downloads `count` more pieces on the channel, paying for each as it arrives. */
  function download(
    count: number,
    seederPort: number,
  ): Promise<{ pieces: number; paid: bigint; vouchers: number; refused: number }> {
    return new Promise((resolve, reject) => {
      const queue = Array.from({ length: count }, (_, i) => i);
      const price = priceOf(POLICY.price, PIECE_BYTES);
      const paidBefore = store.getHighestIssuedVoucher(channelId)?.cumulativeAmount ?? 0n;
      let inFlight = 0;
      let unacked = 0;
      let got = 0;
      let vouchers = 0;
      let refused = 0;
      const socket = connect(seederPort, "127.0.0.1");
      const pump = (): void => {
        while (inFlight < PIPELINE && queue.length > 0) {
          wire.send({ type: "request", index: queue.shift()! });
          inFlight++;
        }
      };
      const finishIfDone = (): void => {
        if (got < count || unacked > 0) return;
        wire.send({ type: "bye" });
        wire.close();
        const paid = (store.getHighestIssuedVoucher(channelId)?.cumulativeAmount ?? 0n) - paidBefore;
        resolve({ pieces: got, paid, vouchers, refused });
      };
      const wire: Wire = new Wire(
        socket,
        (message: Message) => {
          switch (message.type) {
            case "welcome":
              return pump();
            case "piece": {
              inFlight--;
              const hash = createHash("sha256").update(Buffer.from(message.data, "base64")).digest("hex");
              if (hash !== message.sha256) throw new Error(`piece ${message.index} failed its hash check`);
              got++;
              received += price;
              const voucher = payer.payForReceived(channelId, received);
              if (!voucher) return finishIfDone();
              wire.send({ type: "voucher", ...voucher, cumulativeAmount: voucher.cumulativeAmount.toString() });
              vouchers++;
              unacked++;
              return;
            }
            case "ack":
              unacked--;
              pump();
              return finishIfDone();
            case "refusal":
              if (message.of !== "request" || message.reason !== "credit-exhausted") {
                throw new Error(`the seeder refused our ${message.of}: ${message.reason} ${message.detail ?? ""}`);
              }
              inFlight--;
              refused++;
              queue.unshift(message.index!); // asked again after the next voucher is acknowledged
              return;
            default:
              return;
          }
        },
        reject,
      );
      socket.once("connect", () => {
        const { key } = store.getChannel(channelId)!;
        wire.send({
          type: "hello",
          chainId: chainId.toString(),
          escrow: chain.escrow,
          key: { ...key, salt: key.salt.toString() },
        });
      });
    });
  }
}

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
