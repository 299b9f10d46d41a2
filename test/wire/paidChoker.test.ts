import { expect } from "chai";
import { EventEmitter } from "node:events";
import { OPTIMISTIC_TICKS, PaidChoker, type OptimisticPicker, type PaymentGate } from "../../src/wire/paidChoker";
import type { Wire } from "../../src/wire/torrentTypes";

/** A wire as the choker sees it: choke state, interest, and a close event. */
function fakeWire(name: string): Wire & { name: string } {
  const wire = new EventEmitter() as unknown as Wire & { name: string };
  Object.assign(wire, {
    name,
    amChoking: true,
    peerInterested: true,
    destroyed: false,
    choke() {
      wire.amChoking = true;
    },
    unchoke() {
      wire.amChoking = false;
    },
  });
  return wire;
}

describe("PaidChoker (the adapter around WebTorrent's choker)", () => {
  function setup(names: string[], picker: OptimisticPicker = "rotate") {
    const wires = names.map(fakeWire);
    const gates = new Map<Wire, PaymentGate & { credit: boolean }>();
    const torrent = { wires: [...wires], _rechoke: () => undefined };
    const original = torrent._rechoke;
    const choker = new PaidChoker(torrent, (w) => gates.get(w), picker);
    for (const w of wires) choker.attach(w);
    const pay = (w: Wire, credit: boolean) => {
      const gate = { credit, paying: () => true, mayUnchoke: () => gate.credit };
      gates.set(w, gate);
      return gate;
    };
    const unchoked = () => wires.filter((w) => !w.amChoking).map((w) => w.name);
    return { wires, torrent, original, choker, pay, unchoked };
  }

  it("replaces WebTorrent's _rechoke, so its 10 s timer runs this choker", () => {
    const s = setup(["a"]);
    expect(s.torrent._rechoke).to.not.equal(s.original);
    s.torrent._rechoke();
    expect(s.unchoked()).to.deep.equal(["a"]);
  });

  it("unpaid peers share one optimistic slot: WebTorrent's unchoke-on-interested lets in only the first", () => {
    const s = setup(["a", "b", "c"]);
    for (const w of s.wires) w.unchoke(); // what WebTorrent does on each first `interested`
    expect(s.unchoked()).to.deep.equal(["a"]);
    expect(s.choker.optimisticWire).to.equal(s.wires[0]);
  });

  it("the optimistic slot turns to another interested unpaid peer every OPTIMISTIC_TICKS rechokes", () => {
    const s = setup(["a", "b"]);
    s.wires[0].unchoke();
    for (let i = 0; i < OPTIMISTIC_TICKS - 1; i++) s.torrent._rechoke();
    expect(s.unchoked()).to.deep.equal(["a"]);
    s.torrent._rechoke();
    expect(s.unchoked()).to.deep.equal(["b"]);
    // An uninterested peer never takes it.
    s.wires[0].peerInterested = false;
    for (let i = 0; i < OPTIMISTIC_TICKS; i++) s.torrent._rechoke();
    expect(s.unchoked()).to.deep.equal(["b"]);
  });

  it("a paying peer is unchoked exactly while its credit allows, without taking the optimistic slot", () => {
    const s = setup(["payer", "plain"]);
    const gate = s.pay(s.wires[0], true);
    s.wires[0].unchoke();
    s.wires[1].unchoke();
    expect(s.unchoked()).to.deep.equal(["payer", "plain"]);
    gate.credit = false;
    s.choker.update(s.wires[0]);
    expect(s.unchoked()).to.deep.equal(["plain"]);
    s.wires[0].unchoke(); // WebTorrent's own calls obey the gate too
    s.torrent._rechoke();
    expect(s.unchoked()).to.deep.equal(["plain"]);
    gate.credit = true;
    s.choker.update(s.wires[0]);
    expect(s.unchoked()).to.deep.equal(["payer", "plain"]);
  });

  it("a departing optimistic peer hands the slot to a waiting unpaid peer at once", () => {
    const s = setup(["a", "b"]);
    s.wires[0].unchoke();
    s.wires[1].unchoke();
    expect(s.unchoked()).to.deep.equal(["a"]);
    s.wires[0].emit("close");
    s.torrent.wires.splice(0, 1);
    expect(s.choker.optimisticWire).to.equal(s.wires[1]);
    expect(s.wires[1].amChoking).to.equal(false);
  });

  it("a peer that starts paying frees the optimistic slot for an unpaid one", () => {
    const s = setup(["a", "b"]);
    s.wires[0].unchoke();
    s.wires[1].unchoke();
    expect(s.unchoked()).to.deep.equal(["a"]);
    s.pay(s.wires[0], true);
    s.wires[1].unchoke();
    expect(s.unchoked()).to.deep.equal(["a", "b"]);
    // A closed optimistic peer frees the slot too.
    s.wires[1].emit("close");
    s.torrent.wires.splice(1, 1);
    const c = fakeWire("c");
    s.torrent.wires.push(c);
    s.choker.attach(c);
    c.unchoke();
    expect(c.amChoking).to.equal(false);
  });

  it("market mode: only the market's pick holds the optimistic slot; rechokes and closes do not rotate it", () => {
    const s = setup(["a", "b", "c"], "market");
    for (const w of s.wires) w.unchoke(); // WebTorrent's unchoke-on-interested lets nobody in
    expect(s.unchoked()).to.deep.equal([]);
    s.choker.setOptimistic(s.wires[1]);
    for (const w of s.wires) s.choker.update(w);
    expect(s.unchoked()).to.deep.equal(["b"]);
    for (let i = 0; i < 3 * OPTIMISTIC_TICKS; i++) s.torrent._rechoke();
    expect(s.unchoked()).to.deep.equal(["b"]);
    // A paid slot (a round's winner) is unchoked beside it.
    s.pay(s.wires[2], true);
    s.torrent._rechoke();
    expect(s.unchoked()).to.deep.equal(["b", "c"]);
    // The optimistic peer leaves: the slot stays empty until the market's next round.
    s.wires[1].emit("close");
    expect(s.choker.optimisticWire).to.equal(undefined);
    s.wires[0].unchoke();
    expect(s.unchoked()).to.deep.equal(["b", "c"]);
  });
});
