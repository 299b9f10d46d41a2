import type { ChainAdapter } from "../chain/types";
import type { ChannelRecord, VoucherStore } from "../store/types";

/**
 * Refreshes a stored channel from the chain (status, deposit, claimed, deadline). A channel still
 * `opening` whose transaction never landed stays `opening`.
 */
export async function syncChannel(store: VoucherStore, chain: ChainAdapter, channelId: string): Promise<ChannelRecord> {
  const state = await chain.getChannel(channelId);
  if (state.status === "none") return store.getChannel(channelId)!;
  return store.updateChannel(channelId, {
    status: state.status,
    deposit: state.deposit,
    claimed: state.claimed,
    closesAt: state.status === "closing" ? Number(state.closesAt) : null,
  });
}
