import { drawCapacity } from "./capacity";
import { createRandom } from "./random";

export const BTT = 10n ** 18n;
export const MIB = 1024 * 1024;

/** How seeders (peers with the whole file) hand out their upload slots. */
export type Scheme = "bittorrent" | "fixed-price" | "auction" | "auction-reserve-0" | "auction-no-optimistic";
export const SCHEMES: readonly Scheme[] = [
  "bittorrent",
  "fixed-price",
  "auction",
  "auction-reserve-0",
  "auction-no-optimistic",
];

export type Scenario = {
  name: string;
  description: string;
  seed: number;
  /** Leechers that arrive over the run. */
  peers: number;
  pieces: number;
  pieceBytes: number;
  /** Leechers arrive uniformly within `flashWindowS` (flash crowd) or as a Poisson process. */
  arrival: { kind: "flash"; windowS: number } | { kind: "poisson"; meanGapS: number };
  /** The original seeder's upload capacity (bytes/s) and when it leaves (s). */
  originUp: number;
  originLeavesAt: number;
  /** Share of leechers that pay (have a funded channel and a "speed boost" setting). */
  payerShare: number;
  /** A payer's value per MiB, log-uniform in this range (BTT). */
  valueBttPerMiB: [number, number];
  /** A payer's budget: its value × the file's MiB × a factor uniform in this range. */
  budgetFactor: [number, number];
  /** The fixed-price scheme's price per MiB (BTT), and the auction's reserve (but for auction-reserve-0). */
  fixedPriceBttPerMiB: number;
  /** Mean time a finished peer keeps seeding for nothing (exponential), s. */
  lingerMeanS: number;
  /** What staying costs a seeder, BTT per hour, log-uniform: paid schemes keep it while it earns that. */
  reservationBttPerHour: [number, number];
  /** Paid upload slots per seeder (k); leechers use 3 tit-for-tat slots; all add one optimistic slot. */
  slots: number;
  /** Neighbours a peer gets from the tracker (BitTorrent: up to 50 returned, ~40 kept). */
  neighbors: number;
  horizonS: number;
  /** Run the scenario from this many seeds (seed, seed + 1, ...) and report the spread too. */
  replicas?: number;
};

export type PeerSpec = {
  id: number;
  joinAt: number;
  up: number;
  down: number;
  payer: boolean;
  /** Base units per MiB (0n for non-payers). */
  value: bigint;
  budget: bigint;
  lingerS: number;
  /** Base units per hour. */
  reservationPerHour: bigint;
};

const toBaseUnits = (btt: number): bigint => (BigInt(Math.round(btt * 1e9)) * BTT) / 1_000_000_000n;

/** The leechers of a scenario: the same peers (capacities, values, arrivals) for every scheme. */
export function generatePeers(s: Scenario): PeerSpec[] {
  const random = createRandom(s.seed);
  const fileMiB = (s.pieces * s.pieceBytes) / MIB;
  const specs: PeerSpec[] = [];
  let t = 0;
  for (let i = 0; i < s.peers; i++) {
    t = s.arrival.kind === "flash" ? random.next() * s.arrival.windowS : t + random.exponential(s.arrival.meanGapS);
    const { up, down } = drawCapacity(random);
    const payer = random.next() < s.payerShare;
    const valueBtt = random.logUniform(...s.valueBttPerMiB);
    const factor = s.budgetFactor[0] + random.next() * (s.budgetFactor[1] - s.budgetFactor[0]);
    const lingerS = random.exponential(s.lingerMeanS);
    const reservation = random.logUniform(...s.reservationBttPerHour);
    specs.push({
      id: i + 1,
      joinAt: Math.round(t),
      up,
      down,
      payer,
      value: payer ? toBaseUnits(valueBtt) : 0n,
      budget: payer ? toBaseUnits(valueBtt * fileMiB * factor) : 0n,
      lingerS,
      reservationPerHour: toBaseUnits(reservation),
    });
  }
  return specs.sort((a, b) => a.joinAt - b.joinAt || a.id - b.id);
}

export { toBaseUnits };
