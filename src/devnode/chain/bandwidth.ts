import type { EvmAddress } from "../address";

/** Free bandwidth every account gets per day (java-tron's getFreeNetLimit). */
export const FREE_BANDWIDTH_PER_DAY = 600;
/** Sun burnt per byte when free bandwidth does not cover a transaction (getTransactionFee). */
export const SUN_PER_BYTE = 1000;
/** java-tron recovers used bandwidth linearly over this window. */
const WINDOW_MS = 24 * 3600 * 1000;

/** A transaction's bandwidth: the signed transaction's size plus 64 bytes java-tron reserves for its result. */
export function bandwidthOf(rawBytes: Uint8Array, signatures: string[]): number {
  return rawBytes.length + 3 + 67 * signatures.length + 64;
}

/** How a transaction's bandwidth was paid. */
export type BandwidthCharge = { bytes: number; free: boolean; burnt: number };

/**
 * Free bandwidth per account, as java-tron's BandwidthProcessor keeps it (no staking on the devnode):
 * a transaction is paid from the day's free bytes only when they cover all of it; otherwise every
 * byte burns SUN_PER_BYTE, and an account that cannot pay is refused (BANDWITH_ERROR). Usage
 * recovers linearly over 24 h of chain time.
 */
export class BandwidthLedger {
  private readonly used = new Map<EvmAddress, { bytes: number; at: number }>();

  /** Free bytes the account has used, recovered to chain time `nowMs`. */
  usedAt(account: EvmAddress, nowMs: number): number {
    const u = this.used.get(account);
    if (!u) return 0;
    const elapsed = Math.max(0, nowMs - u.at);
    return elapsed >= WINDOW_MS ? 0 : Math.round(u.bytes * (1 - elapsed / WINDOW_MS));
  }

  /** What a transaction of `bytes` would cost the account now, without charging it. */
  quote(account: EvmAddress, bytes: number, nowMs: number): BandwidthCharge {
    const free = FREE_BANDWIDTH_PER_DAY - this.usedAt(account, nowMs) >= bytes;
    return { bytes, free, burnt: free ? 0 : bytes * SUN_PER_BYTE };
  }

  /** The ledger as it is now, for `restore` (a reorg puts back the bandwidth a dropped block charged). */
  save(): Map<EvmAddress, { bytes: number; at: number }> {
    return new Map(this.used);
  }

  restore(saved: Map<EvmAddress, { bytes: number; at: number }>): void {
    this.used.clear();
    for (const [account, usage] of saved) this.used.set(account, usage);
  }

  /** Charges a transaction: free bytes consumed, or the returned sun to burn. */
  charge(account: EvmAddress, bytes: number, nowMs: number): BandwidthCharge {
    const q = this.quote(account, bytes, nowMs);
    if (q.free) this.used.set(account, { bytes: this.usedAt(account, nowMs) + bytes, at: nowMs });
    return q;
  }
}
