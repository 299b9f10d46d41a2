/**
 * Two bittorrent-protocol wires piped together in-process, each under a minimal torrent (the
 * events and fields attachPayments reads), with a real escrow on the in-process Hardhat chain.
 */
import { EventEmitter } from "node:events";
import hre from "hardhat";
import { EvmChain } from "../../src/chain/evm/EvmChain";
import { Payee } from "../../src/channel/payee";
import { Payer } from "../../src/channel/payer";
import { MemoryStore } from "../../src/store/memoryStore";
import { createVoucherSigner } from "../../src/voucher/createVoucherSigner";
import { createVoucherVerifier } from "../../src/voucher/createVoucherVerifier";
import { attachPayments, type AttachedPayments, type AttachPaymentsParameters } from "../../src/wire/attachPayments";
import { importEsm } from "../../src/wire/loadWebTorrent";
import type { Terms } from "../../src/wire/messages";
import type { Torrent, Wire } from "../../src/wire/torrentTypes";

const { ethers } = hre;
export const BTT = 10n ** 18n;
export const PIECE = 256 * 1024;
export const BLOCK = 16 * 1024;
export const PIECES = 16;

type WireConstructor = new () => Wire & {
  pipe<T>(to: T): T;
  handshake(infoHash: string, peerId: string, extensions?: Record<string, boolean>): void;
  interested(): void;
  request(index: number, offset: number, length: number, cb: (err: Error | null, buf?: Uint8Array) => void): void;
  requests: unknown[];
};
export type TestWire = InstanceType<WireConstructor>;

export async function wireClass(): Promise<WireConstructor> {
  return ((await importEsm("bittorrent-protocol")) as { default: WireConstructor }).default;
}

/** A stand-in for WebTorrent's Torrent: the fields and events attachPayments uses. */
export function fakeTorrent(): Torrent & { rechoked: number } {
  const torrent = new EventEmitter() as unknown as Torrent & { rechoked: number };
  Object.assign(torrent, {
    pieces: new Array(PIECES).fill(null),
    pieceLength: PIECE,
    lastPieceLength: PIECE,
    wires: [] as Wire[],
    rechoked: 0,
    store: {
      get: (index: number, opts: { length: number }, cb: (e: null, b: Uint8Array) => void) =>
        queueMicrotask(() => cb(null, Buffer.alloc(opts.length, index))),
    },
    _rechoke() {
      torrent.rechoked++;
    },
  });
  return torrent;
}

export async function deployEscrow() {
  const [deployer, payerWallet, payeeWallet] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"], deployer);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000], deployer);
  const escrowAddress = await escrow.getAddress();
  await token.mint(payerWallet.address, 100n * BTT);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const payerChain = await EvmChain.connect({ signer: payerWallet, escrow: escrowAddress });
  const payeeChain = await EvmChain.connect({ signer: payeeWallet, escrow: escrowAddress });
  const terms: Terms = {
    chainId,
    escrow: escrowAddress,
    token: await token.getAddress(),
    payee: payeeWallet.address,
    pricePerMiB: BTT, // 0.25 BTT per 256 KiB piece
    minDisputeWindow: 3600,
    creditLimit: BTT / 2n, // two pieces
  };
  return { chainId, escrowAddress, payerChain, payeeChain, payerWallet, payeeWallet, terms, token };
}

export type Deployment = Awaited<ReturnType<typeof deployEscrow>>;

export function makePayee(d: Deployment) {
  const store = new MemoryStore();
  const payee = new Payee({
    store,
    chain: d.payeeChain,
    verifier: createVoucherVerifier({ chainId: d.chainId, escrow: d.escrowAddress }),
    claimPolicy: { threshold: BTT },
  });
  return { store, payee };
}

export function makePayer(d: Deployment) {
  const store = new MemoryStore();
  const hotKey = ethers.Wallet.createRandom();
  const payer = new Payer({
    store,
    chain: d.payerChain,
    signer: createVoucherSigner({ privateKey: hotKey.privateKey, chainId: d.chainId, escrow: d.escrowAddress }),
    policy: { price: {}, maxUnpaidCredit: 0n, maxPrepayment: 0n },
    disputeWindow: 3600,
  });
  return { store, payer, hotKey };
}

export type Pair = {
  sellerWire: TestWire;
  buyerWire: TestWire;
  seller: AttachedPayments;
  buyer: AttachedPayments;
  sellerTorrent: ReturnType<typeof fakeTorrent>;
  buyerTorrent: ReturnType<typeof fakeTorrent>;
  /** Blocks the buyer received. */
  served: { index: number; offset: number }[];
};

/** Connects a seller and a buyer wire with the given payment roles, and completes both handshakes. */
export async function connectPair(
  sellerSide: AttachPaymentsParameters,
  buyerSide: AttachPaymentsParameters,
  /** Runs on the buyer's wire before the handshake (a raw extension for a hostile peer). */
  prepare?: (buyerWire: TestWire) => void,
): Promise<Pair> {
  const Wire = await wireClass();
  const sellerWire = new Wire();
  const buyerWire = new Wire();
  sellerWire.pipe(buyerWire).pipe(sellerWire);
  const sellerTorrent = fakeTorrent();
  const buyerTorrent = fakeTorrent();
  const seller = attachPayments(sellerTorrent, sellerSide);
  const buyer = attachPayments(buyerTorrent, buyerSide);
  sellerTorrent.wires.push(sellerWire);
  buyerTorrent.wires.push(buyerWire);
  sellerTorrent.emit("wire", sellerWire);
  buyerTorrent.emit("wire", buyerWire);
  prepare?.(buyerWire);
  const served: Pair["served"] = [];
  // What WebTorrent's own handler does (registered after the extension's): read and send the block.
  sellerWire.on("request", (index: number, offset: number, length: number, cb: (e: null, b: Uint8Array) => void) => {
    cb(null, Buffer.alloc(length, index));
  });
  buyerWire.on("piece", (index: number, offset: number) => served.push({ index, offset }));
  const infoHash = "aa".repeat(20);
  const extensions = { extended: true, fast: true };
  const handshaken = new Promise<void>((resolve) => buyerWire.once("extended", () => resolve()));
  sellerWire.once("handshake", () => sellerWire.handshake(infoHash, "11".repeat(20), extensions));
  buyerWire.handshake(infoHash, "22".repeat(20), extensions);
  await handshaken;
  return { sellerWire, buyerWire, seller, buyer, sellerTorrent, buyerTorrent, served };
}

/** Resolves when `check` holds, polling the event loop (never a wall-clock assertion). */
export async function until(check: () => boolean, what: string, limit = 2000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}

/** Resolves once `wire`'s peer has unchoked it. */
export function unchoked(wire: TestWire): Promise<void> {
  return until(() => !(wire as unknown as { peerChoking: boolean }).peerChoking, "unchoke");
}

/** Requests every block of `index`; resolves true when all arrived, false if any was refused. */
export function fetchPiece(wire: TestWire, index: number): Promise<boolean> {
  const blocks = PIECE / BLOCK;
  let pending = blocks;
  let ok = true;
  return new Promise((resolve) => {
    for (let b = 0; b < blocks; b++) {
      wire.request(index, b * BLOCK, BLOCK, (err) => {
        if (err) ok = false;
        if (--pending === 0) resolve(ok);
      });
    }
  });
}
