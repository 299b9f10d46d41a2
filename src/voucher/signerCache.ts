import type { PreparedKey } from "./secp256k1Backend";
import type { Address } from "./types";

export type CachedSigner = { address: Address; key: PreparedKey };

/**
 * A bounded map with first-in-first-out eviction. Plain FIFO rather than LRU: a hit costs one
 * Map lookup and nothing more, and an evicted channel only pays one recovery to come back.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.capacity <= 0) return;
    if (!this.entries.has(key) && this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, value);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
