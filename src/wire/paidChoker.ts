/**
 * The one adapter around WebTorrent's choker (WebTorrent has no public hook: `torrent._rechoke`
 * runs every 10 s, and every wire is unchoked on its first `interested`). Payment decides who is
 * served: a paying peer is unchoked exactly while its credit allows; every other peer (no
 * extension, or one that will not pay) is an ordinary BitTorrent peer that can only hold the one
 * optimistic slot, which rotates among interested unpaid peers every `OPTIMISTIC_TICKS` rechokes.
 */
import type { Torrent, Wire } from "./torrentTypes";

/** How the choker sees a peer's payment state; undefined for a peer without the extension. */
export type PaymentGate = { paying(): boolean; mayUnchoke(): boolean };

/** 3 rechokes of 10 s: the optimistic slot turns every 30 s, as BEP 3 suggests. */
export const OPTIMISTIC_TICKS = 3;

/**
 * Who picks the optimistic peer: the choker itself (a random interested unpaid peer every
 * OPTIMISTIC_TICKS rechokes), or the seller's market each round (`setOptimistic`).
 */
export type OptimisticPicker = "rotate" | "market";

export class PaidChoker {
  private optimistic?: Wire;
  private ticksLeft = 0;
  private readonly unchokeOf = new WeakMap<Wire, () => void>();

  constructor(
    private readonly torrent: Pick<Torrent, "wires"> & { _rechoke(): void },
    private readonly gateOf: (wire: Wire) => PaymentGate | undefined,
    private readonly picker: OptimisticPicker = "rotate",
  ) {
    torrent._rechoke = () => this.rechoke();
  }

  /** Puts `wire.unchoke` behind the payment gate, so WebTorrent's own calls obey it too. */
  attach(wire: Wire): void {
    const unchoke = wire.unchoke.bind(wire);
    this.unchokeOf.set(wire, unchoke);
    wire.unchoke = () => {
      if (this.claim(wire)) unchoke();
    };
    // A departing optimistic peer hands its slot on at once, not at the next 10 s rechoke.
    wire.once("close", () => {
      if (this.optimistic !== wire) return;
      // The market fills the slot at its next round.
      if (this.picker === "market") return void (this.optimistic = undefined);
      this.rotate(wire);
      if (this.optimistic) this.unchokeOf.get(this.optimistic)?.();
    });
  }

  /** Re-applies the gate to one wire now (after a payment, a refusal or a credit choke). */
  update(wire: Wire): void {
    if (this.allowed(wire)) this.unchokeOf.get(wire)?.();
    else wire.choke();
  }

  /** The optimistic peer, if any. */
  get optimisticWire(): Wire | undefined {
    return this.optimistic;
  }

  /** The market's pick for the optimistic slot (market mode); the caller then updates every wire. */
  setOptimistic(wire: Wire | undefined): void {
    this.optimistic = wire;
  }

  rechoke(): void {
    if (this.picker === "market") {
      for (const wire of this.torrent.wires) this.update(wire);
      return;
    }
    if (this.ticksLeft > 0) this.ticksLeft--;
    if (this.ticksLeft === 0 || !this.usable(this.optimistic)) this.rotate();
    for (const wire of this.torrent.wires) this.update(wire);
  }

  /** Whether the wire may be unchoked now, taking the free optimistic slot if it is unpaid and interested. */
  private claim(wire: Wire): boolean {
    const gate = this.gateOf(wire);
    if (gate?.paying()) return gate.mayUnchoke();
    if (this.picker === "rotate" && !this.usable(this.optimistic)) {
      this.optimistic = wire;
      this.ticksLeft = OPTIMISTIC_TICKS;
    }
    return this.optimistic === wire;
  }

  private allowed(wire: Wire): boolean {
    const gate = this.gateOf(wire);
    if (gate?.paying()) return gate.mayUnchoke();
    return this.optimistic === wire;
  }

  private usable(wire: Wire | undefined): wire is Wire {
    return !!wire && !wire.destroyed && this.torrent.wires.includes(wire) && !this.gateOf(wire)?.paying();
  }

  /** A random interested unpaid peer other than the current one (the current one if it is alone). */
  private rotate(leaving?: Wire): void {
    const candidates = this.torrent.wires.filter(
      (w) => w !== leaving && !w.destroyed && w.peerInterested && !w.isSeeder && !this.gateOf(w)?.paying(),
    );
    const others = candidates.filter((w) => w !== this.optimistic);
    const pool = others.length > 0 ? others : candidates;
    this.optimistic = pool.length > 0 ? pool[Math.floor(Math.random() * pool.length)] : undefined;
    this.ticksLeft = this.optimistic ? OPTIMISTIC_TICKS : 0;
  }
}
