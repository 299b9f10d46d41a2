/**
 * The demo's seeder: serves 256 KiB pieces over TCP to leechers that pay through channels, under
 * the credit policy; acknowledges a voucher only once it is on disk; claims many channels in one
 * transaction; closes channels; watches the escrow and claims when a payer starts closing.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { decideServe, priceOf } from "../../src/channel/creditPolicy";
import { Payee } from "../../src/channel/payee";
import { syncChannel } from "../../src/channel/syncChannel";
import { createVoucherVerifier } from "../../src/voucher/createVoucherVerifier";
import { channelId as toChannelId } from "../../src/voucher/typedData";
import { emit, serveCommands } from "./ipc";
import { btt, connectRole, gas, log, PIECE_BYTES, POLICY } from "./role";
import { Wire, type Message } from "./wire";

async function main(): Promise<void> {
  const { chain, store, chainId } = await connectRole();
  const payee = new Payee({
    store,
    chain,
    verifier: createVoucherVerifier({ chainId, escrow: chain.escrow }),
    claimPolicy: { threshold: 10n ** 18n },
  });
  /** Priced value served per channel, and who pays on it (for log lines). */
  const served = new Map<string, bigint>();
  const names = new Map<string, string>();

  const handle = (socket: Socket): void => {
    let current: string | undefined;
    const wire: Wire = new Wire(
      socket,
      async (message: Message) => {
        switch (message.type) {
          case "hello": {
            try {
              const key = { ...message.key, salt: BigInt(message.key.salt) };
              const known = served.has(toChannelId(key));
              const channel = await payee.acceptChannel(key); // checks it on-chain, every time
              current = channel.id;
              const peer = names.get(channel.id) ?? `${key.payer.slice(0, 8)}…`;
              served.set(channel.id, served.get(channel.id) ?? 0n);
              log(
                known
                  ? `${peer} is back on channel ${channel.id.slice(0, 10)}: still open on-chain, ${btt(channel.claimed)} claimed so far`
                  : `accepted channel ${channel.id.slice(0, 10)} from ${peer}: checked on-chain, open with ${btt(channel.deposit)}`,
              );
              wire.send({ type: "welcome", channelId: channel.id });
            } catch (error) {
              wire.send({
                type: "refusal",
                of: "hello",
                reason: "channel-refused",
                detail: String((error as Error).message),
              });
            }
            return;
          }
          case "request": {
            if (!current)
              return wire.send({ type: "refusal", of: "request", index: message.index, reason: "no-channel" });
            const channel = store.getChannel(current)!;
            const paid = store.getBestReceivedVoucher(current)?.cumulativeAmount ?? 0n;
            const decision = decideServe(POLICY, {
              served: served.get(current)!,
              paid,
              nextPieceBytes: PIECE_BYTES,
              deposit: channel.deposit,
            });
            if (!decision.serve) {
              wire.send({ type: "refusal", of: "request", index: message.index, reason: decision.reason });
              return;
            }
            served.set(current, served.get(current)! + priceOf(POLICY.price, PIECE_BYTES));
            const data = randomBytes(PIECE_BYTES);
            wire.send({
              type: "piece",
              index: message.index,
              data: data.toString("base64"),
              sha256: createHash("sha256").update(data).digest("hex"),
            });
            return;
          }
          case "voucher": {
            // receiveVoucher returns only once an accepted voucher is on disk: then acknowledge.
            const result = payee.receiveVoucher({ ...message, cumulativeAmount: BigInt(message.cumulativeAmount) });
            if (result.accepted) wire.send({ type: "ack", cumulativeAmount: message.cumulativeAmount });
            else wire.send({ type: "refusal", of: "voucher", reason: result.reason, detail: result.detail });
            return;
          }
          case "bye":
            wire.close();
            return;
          default:
            return;
        }
      },
      (error) => log(`connection error: ${error.message}`),
    );
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  log(
    `serving pieces on 127.0.0.1:${port}, ${btt(priceOf(POLICY.price, PIECE_BYTES))} per 256 KiB piece, up to ${btt(POLICY.maxUnpaidCredit)} of credit`,
  );
  // The seeder (or a watchtower on its behalf) answers a payer's unilateral close within the
  // dispute window with the best voucher it holds.
  const unwatch = chain.watchEvents({
    pollingInterval: 100,
    onEvents: async (events) => {
      for (const event of events) {
        if (event.type !== "ChannelCloseStarted" || !store.getChannel(event.channelId)) continue;
        const channel = await syncChannel(store, chain, event.channelId);
        const result = await payee.claimDue(); // a closing channel is always due
        log(
          `saw ${names.get(channel.id)} start closing channel ${channel.id.slice(0, 10)}: ` +
            (result
              ? `claimed its last voucher within the dispute window, +${btt(result.credited)} (gas ${gas(result.gasUsed)})`
              : "nothing left to claim on it"),
        );
        emit("claimedInWindow", { channelId: channel.id });
      }
    },
    onError: (error) => log(`watch: ${error.message}`),
  });

  serveCommands({
    name: async ({ channelId, name }) => void names.set(String(channelId), String(name)),
    claim: async () => {
      const owed = store.listUnclaimedChannels({ status: "open" });
      const result = await payee.claimDue({ all: true });
      if (!result) return log("nothing to claim");
      const parts = owed.map(({ channel, unclaimed }) => `${btt(unclaimed)} from ${names.get(channel.id)}`);
      log(
        `claimed ${btt(result.credited)} (${parts.join(", ")}) in ONE claimMany transaction, without closing (gas ${gas(result.gasUsed)})`,
      );
      return { credited: result.credited.toString(), channels: owed.length, gasUsed: result.gasUsed.toString() };
    },
    close: async ({ channelId }) => {
      const id = String(channelId);
      const owed = payee.owed(id);
      const balance = await chain.escrowBalance(chain.account);
      const { close, withdraw } = await payee.closeAndWithdraw(id);
      const channel = store.getChannel(id)!;
      log(
        `closed the channel of ${names.get(id)} at once with its last voucher (+${btt(owed)}; ` +
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
      unwatch();
      server.close();
      store.close();
    },
  });
  emit("listening", { port });
}

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
