import { randomBytes } from "node:crypto";
import type { ChainAdapter, TxResult } from "../chain/types";
import { SeedpayError } from "../errors/base";
import type { ChannelRecord, VoucherStore } from "../store/types";
import { channelId as toChannelId, type ChannelKey } from "../voucher/typedData";
import type { VoucherSigner } from "../voucher/createVoucherSigner";
import { nextVoucherAmount, topUpNeeded, type CreditPolicy } from "./creditPolicy";

/** A voucher ready to send to the payee. */
export type OutgoingVoucher = { channelId: string; cumulativeAmount: bigint; signature: string };

/** What a {@link Payer} works with: its store, its chain adapter (the wallet), the hot signing key and its credit policy. */
export type PayerParameters = {
  store: VoucherStore;
  chain: ChainAdapter;
  /** The channel signer (a hot key, distinct from the wallet that funds channels). */
  signer: VoucherSigner;
  policy: CreditPolicy;
  /** Dispute window for new channels, seconds; default 24 h. */
  disputeWindow?: number;
};

/** The payer cannot sign what was asked: the channel lacks funds or is not open. */
export class PaymentRefusedError extends SeedpayError {
  override name = "PaymentRefusedError";
}

/**
 * The payer's side of its channels: opens or reuses a channel to a payee, tops it up when low,
 * and issues cumulative vouchers. A voucher's amount is reserved in the store before it is
 * signed, so the payer never signs a lower or equal amount twice, across restarts too.
 */
export class Payer {
  private readonly p: Required<PayerParameters>;
  private chainIdValue?: number;
  /** Per channel, the highest amount queued for reservation whose write has not settled yet. */
  private readonly reserving = new Map<string, bigint>();
  /** payForReceivedAsync calls not settled yet. */
  private readonly paying = new Set<Promise<unknown>>();

  constructor(parameters: PayerParameters) {
    this.p = { disputeWindow: 24 * 3600, ...parameters };
  }

  /** An open channel to `payee` signed by this payer's signer, or a new one with `deposit`. */
  async openOrReuse(payee: string, deposit: bigint): Promise<ChannelRecord> {
    const existing = this.p.store
      .listChannels({ role: "payer", status: "open" })
      .find((c) => sameAddress(c.key.payee, payee) && sameAddress(c.key.signer, this.p.signer.address));
    if (existing) return existing;
    return this.open(payee, deposit);
  }

  /** Opens a new channel to `payee`, approving the escrow first if its allowance is short. */
  async open(payee: string, deposit: bigint): Promise<ChannelRecord> {
    const key: ChannelKey = {
      payer: this.p.chain.account,
      payee,
      signer: this.p.signer.address,
      disputeWindow: this.p.disputeWindow,
      salt: randomBytes(8).readBigUInt64BE(),
    };
    // Known before the transaction confirms: recorded as `opening` so a crash cannot lose it.
    this.p.store.upsertChannel({ ...(await this.where()), role: "payer", key, status: "opening" });
    if ((await this.p.chain.allowance(this.p.chain.account)) < deposit) await this.p.chain.approve(deposit);
    const tx = await this.p.chain.open(key, deposit);
    return this.p.store.updateChannel(toChannelId(key), { status: "open", deposit, openedTx: tx.hash });
  }

  /** Tops up so the deposit covers `upcoming` more value; returns the transaction, if one was needed. */
  async ensureFunds(channelId: string, upcoming: bigint): Promise<TxResult | undefined> {
    const channel = this.channel(channelId);
    const issued = this.issued(channelId);
    const amount = topUpNeeded(this.p.policy, { issued, deposit: channel.deposit, upcoming });
    if (amount === 0n) return undefined;
    if ((await this.p.chain.allowance(this.p.chain.account)) < amount) await this.p.chain.approve(amount);
    const tx = await this.p.chain.topUp(channelId, amount);
    this.p.store.updateChannel(channelId, { deposit: channel.deposit + amount });
    return tx;
  }

  /** Signs a voucher paying `amount` more than the last one. */
  pay(channelId: string, amount: bigint): OutgoingVoucher {
    if (amount <= 0n) throw new PaymentRefusedError(`a payment must be positive, got ${amount}`);
    return this.issue(channelId, this.issued(channelId) + amount);
  }

  /**
   * Signs the voucher the credit policy calls for after receiving data worth `received` in total
   * on the channel, or returns undefined when nothing new is owed.
   */
  payForReceived(channelId: string, received: bigint): OutgoingVoucher | undefined {
    const channel = this.channel(channelId);
    const next = nextVoucherAmount(this.p.policy, {
      received,
      issued: this.issued(channelId),
      deposit: channel.deposit,
    });
    return next === undefined ? undefined : this.issue(channelId, next);
  }

  /**
   * payForReceived for the hot path: the amount is decided now, its reservation goes through the
   * store's group commit, and the voucher is signed once the reservation is on disk (send it on
   * resolution). Calls made before earlier ones settle build on their amounts, and settle in order.
   */
  payForReceivedAsync(channelId: string, received: bigint): Promise<OutgoingVoucher | undefined> {
    let payment: Promise<OutgoingVoucher | undefined>;
    try {
      const channel = this.channel(channelId);
      const next = nextVoucherAmount(this.p.policy, {
        received,
        issued: this.issued(channelId),
        deposit: channel.deposit,
      });
      payment = next === undefined ? Promise.resolve(undefined) : this.issueAsync(channelId, next);
    } catch (error) {
      payment = Promise.reject(error);
    }
    this.paying.add(payment);
    const forget = () => this.paying.delete(payment);
    payment.then(forget, forget);
    return payment;
  }

  /**
   * Resolves once every payForReceivedAsync call made so far has settled (and its caller's own
   * `then`, registered first, has run): what the store then says was issued is everything.
   */
  async settled(): Promise<void> {
    while (this.paying.size > 0) await Promise.allSettled([...this.paying]);
  }

  /** What the channel can still pay: deposit minus the highest voucher signed. */
  remaining(channelId: string): bigint {
    return this.channel(channelId).deposit - this.issued(channelId);
  }

  private issue(channelId: string, cumulativeAmount: bigint): OutgoingVoucher {
    this.checkIssuable(channelId, cumulativeAmount);
    this.p.store.reserveIssuedVoucher(channelId, cumulativeAmount);
    return this.sign(channelId, cumulativeAmount);
  }

  private async issueAsync(channelId: string, cumulativeAmount: bigint): Promise<OutgoingVoucher> {
    this.checkIssuable(channelId, cumulativeAmount);
    this.reserving.set(channelId, cumulativeAmount);
    try {
      await this.p.store.reserveIssuedVoucherAsync(channelId, cumulativeAmount);
    } finally {
      // Settled: the store (or, on failure, the amount before it) is the truth again.
      if (this.reserving.get(channelId) === cumulativeAmount) this.reserving.delete(channelId);
    }
    return this.sign(channelId, cumulativeAmount);
  }

  private sign(channelId: string, cumulativeAmount: bigint): OutgoingVoucher {
    const { compact } = this.p.signer.signVoucher({ channelId, cumulativeAmount });
    return { channelId, cumulativeAmount, signature: compact };
  }

  private checkIssuable(channelId: string, cumulativeAmount: bigint): void {
    const channel = this.channel(channelId);
    if (channel.status !== "open") {
      throw new PaymentRefusedError(
        `channel ${channelId} is ${channel.status}; vouchers are only signed for open channels`,
      );
    }
    if (cumulativeAmount > channel.deposit) {
      throw new PaymentRefusedError(
        `channel ${channelId} holds ${channel.deposit}; cannot pay up to ${cumulativeAmount}`,
        {
          metaMessages: ["Top the channel up first (ensureFunds / `seedpay top-up`)."],
        },
      );
    }
  }

  /** The highest amount signed or being reserved: a reservation still in the group commit counts. */
  private issued(channelId: string): bigint {
    const stored = this.p.store.getHighestIssuedVoucher(channelId)?.cumulativeAmount ?? 0n;
    const reserving = this.reserving.get(channelId) ?? 0n;
    return reserving > stored ? reserving : stored;
  }

  private channel(channelId: string): ChannelRecord {
    const channel = this.p.store.getChannel(channelId);
    if (!channel || channel.role !== "payer")
      throw new PaymentRefusedError(`no payer channel ${channelId} in the store`);
    return channel;
  }

  private async where(): Promise<{ chainId: number; escrow: string }> {
    this.chainIdValue ??= Number(await this.p.chain.chainId());
    return { chainId: this.chainIdValue, escrow: this.p.chain.escrow };
  }
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
