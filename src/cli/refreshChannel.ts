import type { ChainAdapter, ChannelState } from "../chain/types";
import type { ChannelRecord, VoucherStore } from "../store/types";
import { CliUsageError } from "./errors";

export type RefreshedChannel = { channel: ChannelRecord; onChain: ChannelState };

/**
 * Like syncChannel, but also returns what the chain said: a stored channel the chain does not know
 * (`onChain.status === "none"`) is one whose opening never landed, or one of an earlier chain
 * (a restarted development node redeploys the escrow at the same address).
 */
export async function refreshChannel(
  store: VoucherStore,
  chain: ChainAdapter,
  channel: ChannelRecord,
): Promise<RefreshedChannel> {
  const onChain = await chain.getChannel(channel.id);
  if (onChain.status === "none") return { channel, onChain };
  const updated = store.updateChannel(channel.id, {
    status: onChain.status,
    deposit: onChain.deposit,
    claimed: onChain.claimed,
    closesAt: onChain.status === "closing" ? Number(onChain.closesAt) : null,
  });
  return { channel: updated, onChain };
}

/**
 * Refuses a channel still `opening` after a refresh: its `seedpay open` was interrupted before the
 * open transaction confirmed, and the chain does not know it. `open --resume` settles which it is.
 */
export function requireOpened(channel: ChannelRecord, command: string): void {
  if (channel.status !== "opening") return;
  throw new CliUsageError(
    `channel ${channel.id} is still opening: its \`seedpay open\` was interrupted before the open transaction confirmed`,
    {
      metaMessages: [
        `\`seedpay open --resume ${channel.id.slice(0, 10)} --deposit BTT\` records it if the transaction landed after all,`,
        `and sends it otherwise; then run \`seedpay ${command}\` again.`,
      ],
    },
  );
}

export function describeMissing(channel: ChannelRecord): string {
  return channel.status === "opening"
    ? "its opening transaction never confirmed"
    : "the chain does not know it (a restarted development node? use a fresh --db)";
}
