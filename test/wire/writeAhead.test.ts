import { expect } from "chai";
import { boundWriteAhead, MIN_WRITE_AHEAD_BYTES } from "../../src/wire/boundWriteAhead";
import { importEsm } from "../../src/wire/loadWebTorrent";
import type { Wire } from "../../src/wire/torrentTypes";

type RealWire = Wire & {
  handshake(infoHash: string, peerId: string, extensions?: object): void;
  have(index: number): void;
  pipe<T>(destination: T): T;
  _readableState: { buffered: number };
};

const BLOCK = 16 * 1024;
const INFO_HASH = "aa".repeat(20);

/**
 * The seller's bounded write-ahead on real bittorrent-protocol wires (no network: one wire's
 * output is piped into another's parser once the test lets it drain, standing in for a slow link).
 */
describe("bounded write-ahead in front of a seller's wire", () => {
  let WireClass: new () => RealWire;
  before(async () => {
    WireClass = ((await importEsm("bittorrent-protocol")) as { default: new () => RealWire }).default;
  });

  /** A sender that has handshaken and unchoked, and `blocks` blocks of piece 0 handed to `wire.piece`. */
  function sender(blocks: number, bounded: boolean) {
    const wire = new WireClass();
    const written: number[] = [];
    const writeAhead = bounded ? boundWriteAhead(wire, { onWrite: () => written.push(1) }) : undefined;
    wire.handshake(INFO_HASH, "bb".repeat(20));
    wire.unchoke();
    for (let i = 0; i < blocks; i++) wire.piece(0, i * BLOCK, new Uint8Array(BLOCK).fill(i));
    return { wire, writeAhead, written };
  }

  /** Pipes the sender into a parser; resolves with the order of `have` and `piece` messages received. */
  function drain(wire: RealWire, pieces: number): Promise<string[]> {
    const receiver = new WireClass();
    const seen: string[] = [];
    return new Promise((resolve) => {
      receiver.on("have", () => seen.push("have"));
      receiver.on("piece", (_index: number, offset: number, block: Uint8Array) => {
        expect(block[0]).to.equal((offset / BLOCK) & 0xff);
        seen.push(`piece ${offset / BLOCK}`);
        if (seen.filter((s) => s.startsWith("piece")).length === pieces) resolve(seen);
      });
      wire.pipe(receiver);
    });
  }

  it("keeps at most the bound in the wire's buffer; a control message overtakes the queued blocks", async () => {
    const { wire, writeAhead, written } = sender(64, true);
    // Nothing reads the wire yet (a stalled link): only about the bound went into its buffer.
    expect(wire._readableState.buffered).to.be.at.most(MIN_WRITE_AHEAD_BYTES + BLOCK + 100);
    expect(writeAhead!.queued).to.be.at.least(64 - MIN_WRITE_AHEAD_BYTES / BLOCK - 1);
    expect(written.length + writeAhead!.queued).to.equal(64);
    wire.have(7);
    const seen = await drain(wire, 64);
    // Every block arrives once, in order; the `have` after at most the blocks already in the buffer.
    expect(seen.filter((s) => s !== "have")).to.deep.equal([...Array(64).keys()].map((i) => `piece ${i}`));
    expect(seen.indexOf("have")).to.be.at.most(MIN_WRITE_AHEAD_BYTES / BLOCK + 1);
    expect(writeAhead!.queued).to.equal(0);
    expect(written.length).to.equal(64);
  });

  it("without it, the same control message waits behind every block (the problem it solves)", async () => {
    const { wire } = sender(64, false);
    expect(wire._readableState.buffered).to.be.greaterThan(64 * BLOCK);
    wire.have(7);
    const seen = await drain(wire, 64);
    expect(seen.indexOf("have")).to.equal(64);
  });

  it("a cancel drops a queued block; a choke drops them all", () => {
    const { wire, writeAhead } = sender(32, true);
    const queued = writeAhead!.queued;
    expect(writeAhead!.cancel(0, 31 * BLOCK, BLOCK)).to.equal(true);
    expect(writeAhead!.cancel(0, 31 * BLOCK, BLOCK)).to.equal(false);
    expect(writeAhead!.queued).to.equal(queued - 1);
    wire.choke();
    expect(writeAhead!.queued).to.equal(0);
  });
});
