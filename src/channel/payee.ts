import { TransactionUnconfirmedError } from "../chain/escrowErrors";
import type { ChainAdapter, TxResult } from "../chain/types";
import { SeedpayError } from "../errors/base";
import { InvalidStoreInputError } from "../store/errors";
import type { ChannelRecord, RecordReceivedVoucherReturnType, Voucher, VoucherStore } from "../store/types";
import type { VoucherVerifier } from "../voucher/createVoucherVerifier";
import { channelId as toChannelId, type ChannelKey } from "../voucher/typedData";
import { decideClaim, type ClaimPolicy } from "./creditPolicy";
import { readPeerVoucher } from "./readPeerVoucher";
import { syncChannel } from "./syncChannel";

/** What a {@link Payee} works with: its store, its chain adapter, a voucher verifier and its claim policy. */
export type PayeeParameters = {
  store: VoucherStore;
  chain: ChainAdapter;
  verifier: VoucherVerifier;
  claimPolicy: ClaimPolicy;
  /** The shortest dispute window this payee accepts (seconds); default 1 h. */
  minDisputeWindow?: number;
};

/** Why a voucher was refused. The payee keeps its previous best voucher in every case. */
export type VoucherRefusal =
  | "unknown-channel"
  | "channel-not-open"
  | "bad-signature"
  | "not-higher"
  | "above-deposit"
  /** A field is not of a voucher's shape (channel id, amount, signature). */
  | "malformed";

/** Accepted (with what the voucher added), or refused with the reason; a refusal never changes the store. */
export type ReceiveVoucherResult =
  | { accepted: true; increment: bigint; best: bigint }
  | { accepted: false; reason: VoucherRefusal; detail: string };

/** A channel offered to this payee is not one it can accept. */
export class ChannelRefusedError extends SeedpayError {
  override name = "ChannelRefusedError";
}

/**
 * The payee's side of its channels: accepts channels, checks each voucher (valid signature,
 * known open channel, higher than the last, within the deposit) and makes it durable before
 * answering, tracks what is owed, and claims many channels in one transaction when due.
 */
export class Payee {
  private readonly p: Required<PayeeParameters>;

  constructor(parameters: PayeeParameters) {
    this.p = { minDisputeWindow: 3600, ...parameters };
  }

  /** Accepts a channel a payer announces, after checking it on-chain. */
  async acceptChannel(key: ChannelKey): Promise<ChannelRecord> {
    const id = toChannelId(key);
    if (key.payee.toLowerCase() !== this.p.chain.account.toLowerCase()) {
      throw new ChannelRefusedError(`channel ${id} pays ${key.payee}, not this payee ${this.p.chain.account}`);
    }
    if (key.disputeWindow < this.p.minDisputeWindow) {
      throw new ChannelRefusedError(
        `channel ${id} has a ${key.disputeWindow} s dispute window; this payee needs at least ${this.p.minDisputeWindow} s`,
      );
    }
    const state = await this.p.chain.getChannel(id);
    if (state.status !== "open") {
      throw new ChannelRefusedError(`channel ${id} is ${state.status} on-chain`, {
        metaMessages: ["Announce a channel once its opening transaction is confirmed."],
      });
    }
    this.p.store.upsertChannel({
      chainId: Number(await this.p.chain.chainId()),
      escrow: this.p.chain.escrow,
      role: "payee",
      key,
      status: "open",
      deposit: state.deposit,
      claimed: state.claimed,
    });
    return this.p.store.getChannel(id)!;
  }

  /**
   * Checks a voucher and, if it pays more than the best one so far, stores it durably before
   * returning: serve the data it pays for only after this returns `accepted: true`. Never throws
   * on what the peer sent (any shape is refused with a reason); only the store's own failures
   * (a full disk) throw. `increment` is what this voucher adds over the best one stored when it
   * was written, read in the same write transaction: with several processes on one store, the
   * increments reported add up to the best voucher, never more.
   */
  receiveVoucher(input: { channelId: string; cumulativeAmount: bigint; signature: string }): ReceiveVoucherResult {
    const checked = this.check(input);
    if ("refused" in checked) return checked.refused;
    return this.written(checked.voucher, () => this.p.store.recordReceivedVoucher(checked.voucher));
  }

  /**
   * receiveVoucher for the hot path: the same checks, done now, then the write goes through the
   * store's group commit; resolves once the voucher is on disk (acknowledge it only then). Vouchers
   * received close together share one commit.
   */
  async receiveVoucherAsync(input: {
    channelId: string;
    cumulativeAmount: bigint;
    signature: string;
  }): Promise<ReceiveVoucherResult> {
    const checked = this.check(input);
    if ("refused" in checked) return checked.refused;
    let written: RecordReceivedVoucherReturnType;
    try {
      written = await this.p.store.recordReceivedVoucherAsync(checked.voucher);
    } catch (error) {
      return this.written(checked.voucher, () => {
        throw error;
      });
    }
    return this.written(checked.voucher, () => written);
  }

  /** Everything about a voucher that can be checked before writing it: a refusal, or the voucher. */
  private check(input: {
    channelId: string;
    cumulativeAmount: bigint;
    signature: string;
  }): { refused: ReceiveVoucherResult & { accepted: false } } | { voucher: Voucher } {
    const refused = (reason: VoucherRefusal, detail: string) => ({
      refused: { accepted: false as const, reason, detail },
    });
    const read = readPeerVoucher(input);
    if ("malformed" in read) return refused("malformed", read.malformed);
    const { voucher } = read;
    const channel = this.p.store.getChannel(voucher.channelId);
    if (!channel || channel.role !== "payee") {
      return refused("unknown-channel", `no accepted channel ${voucher.channelId}`);
    }
    if (channel.status !== "open") return refused("channel-not-open", `channel ${channel.id} is ${channel.status}`);
    const best = this.p.store.getBestReceivedVoucher(channel.id)?.cumulativeAmount ?? 0n;
    if (voucher.cumulativeAmount <= best) {
      return refused("not-higher", `voucher ${voucher.cumulativeAmount} is not above ${best}`);
    }
    if (voucher.cumulativeAmount > channel.deposit) {
      return refused("above-deposit", `voucher ${voucher.cumulativeAmount} exceeds the deposit ${channel.deposit}`);
    }
    const check = this.p.verifier.verifyVoucher({ ...voucher, expectedSigner: channel.key.signer });
    if (!check.valid) return refused("bad-signature", check.reason);
    return { voucher };
  }

  /** The answer for a checked voucher, from its write (`write` returns the store's answer or throws its error). */
  private written(voucher: Voucher, write: () => RecordReceivedVoucherReturnType): ReceiveVoucherResult {
    let written;
    try {
      written = write();
    } catch (error) {
      // readPeerVoucher should leave nothing for the store to refuse; if it did, the peer's input
      // is refused rather than thrown at the caller serving the peer.
      if (error instanceof InvalidStoreInputError) {
        return { accepted: false, reason: "malformed", detail: error.shortMessage };
      }
      throw error;
    }
    const { stored, previous } = written;
    if (!stored) {
      // Raced by another writer with a higher voucher: still refused, nothing lost.
      return {
        accepted: false,
        reason: "not-higher",
        detail: `a higher voucher ${previous?.cumulativeAmount} is stored`,
      };
    }
    const increment = voucher.cumulativeAmount - (previous?.cumulativeAmount ?? 0n);
    return { accepted: true, increment, best: voucher.cumulativeAmount };
  }

  /** Best voucher received minus what the escrow has credited, per channel. */
  owed(channelId: string): bigint {
    const channel = this.p.store.getChannel(channelId.toLowerCase());
    const best = this.p.store.getBestReceivedVoucher(channelId.toLowerCase())?.cumulativeAmount ?? 0n;
    return channel && best > channel.claimed ? best - channel.claimed : 0n;
  }

  /**
   * Claims, in one transaction, every channel the claim policy says is due (or every channel with
   * anything unclaimed when `all`). Returns undefined when nothing is due.
   */
  async claimDue({ all = false }: { all?: boolean } = {}): Promise<(TxResult & { credited: bigint }) | undefined> {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const chainId = Number(await this.p.chain.chainId());
    const escrow = this.p.chain.escrow.toLowerCase();
    const due = this.p.store.listUnclaimedChannels({ status: ["open", "closing"] }).filter(({ channel, voucher }) => {
      // A store may hold channels of other escrows or chains: one unknown channel reverts a whole claimMany.
      if (channel.role !== "payee" || channel.chainId !== chainId || channel.escrow.toLowerCase() !== escrow)
        return false;
      if (all) return true;
      const status = channel.status === "closing" ? "closing" : "open";
      return decideClaim(this.p.claimPolicy, {
        best: voucher.cumulativeAmount,
        claimed: channel.claimed,
        status,
        closesAt: BigInt(channel.closesAt ?? 0),
        now,
      }).claim;
    });
    if (due.length === 0) return undefined;
    const payable = (channel: ChannelRecord, amount: bigint) => (amount < channel.deposit ? amount : channel.deposit);
    let result: TxResult & { credited: bigint };
    try {
      result = await this.p.chain.claimMany(
        due.map(({ channel, voucher }) => ({
          key: channel.key,
          amount: voucher.cumulativeAmount,
          signature: voucher.signature,
        })),
      );
    } catch (error) {
      // Sent, but how it ended is unknown: keep it on record as pending (the chain will tell).
      if (error instanceof TransactionUnconfirmedError) {
        for (const { channel, voucher } of due) {
          const amount = payable(channel, voucher.cumulativeAmount);
          this.p.store.upsertClaim({ txRef: error.hash, channelId: channel.id, amount, status: "pending" });
        }
      }
      throw error;
    }
    for (const { channel, voucher } of due) {
      const claimed = payable(channel, voucher.cumulativeAmount);
      this.p.store.upsertClaim({ txRef: result.hash, channelId: channel.id, amount: claimed, status: "confirmed" });
      await syncChannel(this.p.store, this.p.chain, channel.id);
    }
    return result;
  }

  /** Closes a channel at once with the best voucher, and withdraws everything credited to this payee. */
  async closeAndWithdraw(channelId: string): Promise<{ close: TxResult; withdraw?: TxResult }> {
    const channel = this.p.store.getChannel(channelId.toLowerCase());
    if (!channel) throw new ChannelRefusedError(`no channel ${channelId} in the store`);
    const best = this.p.store.getBestReceivedVoucher(channel.id);
    const close = await this.p.chain.close(
      best && best.cumulativeAmount > channel.claimed
        ? { key: channel.key, amount: best.cumulativeAmount, signature: best.signature }
        : { key: channel.key },
    );
    await syncChannel(this.p.store, this.p.chain, channel.id);
    const balance = await this.p.chain.escrowBalance(this.p.chain.account);
    const withdraw = balance > 0n ? await this.p.chain.withdraw(this.p.chain.account, balance) : undefined;
    return { close, withdraw };
  }
}
