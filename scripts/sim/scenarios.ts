import type { Scenario } from "./scenario";

/**
 * The scenarios `npm run sim` compares the schemes on. Figures not from a measurement are
 * assumptions, stated here and in docs/market.md: 30% of leechers pay; a payer values a MiB
 * at 0.01 to 1 BTT (log-uniform) and brings 0.5 to 2 times what the whole file is worth to it;
 * finished peers seed for nothing for 10 minutes on average; staying costs a seeder 1 to 100
 * BTT an hour (log-uniform), and in the paid schemes it stays while it earns that; the fixed
 * price and the auction's reserve are 0.1 BTT per MiB.
 */
const common = {
  pieces: 256,
  pieceBytes: 256 * 1024, // a 64 MiB file in BitTorrent's common piece size
  originUp: (5000 * 1000) / 8, // the top capacity class
  payerShare: 0.3,
  valueBttPerMiB: [0.01, 1] as [number, number],
  budgetFactor: [0.5, 2] as [number, number],
  fixedPriceBttPerMiB: 0.1, // the geometric middle of the values: a third of payers value less
  lingerMeanS: 600,
  reservationBttPerHour: [1, 100] as [number, number],
  slots: 4,
  neighbors: 40,
};

export const SCENARIOS: Scenario[] = [
  {
    ...common,
    name: "flash-crowd",
    description:
      "1,000 leechers arrive within a minute; the original seeder stays one hour; 30% pay. Load is high: payers compete for seeders' slots.",
    seed: 20_070_411,
    peers: 1000,
    arrival: { kind: "flash", windowS: 60 },
    originLeavesAt: 3600,
    horizonS: 4 * 3600,
  },
  {
    ...common,
    name: "steady-arrivals",
    description:
      "2,000 leechers arrive as a Poisson process, one every 10 s on average (~5.6 h); the original seeder leaves after 30 minutes. A busy swarm long after its seeder left.",
    seed: 20_060_423,
    peers: 2000,
    arrival: { kind: "poisson", meanGapS: 10 },
    originLeavesAt: 1800,
    horizonS: 8 * 3600,
  },
  {
    ...common,
    name: "sparse-arrivals",
    description:
      "300 leechers arrive one every 2 minutes on average (~10 h); the original seeder leaves after 30 minutes. A thin swarm: does it keep a full copy, and do seeders earn enough to stay?",
    seed: 20_020_118,
    peers: 300,
    arrival: { kind: "poisson", meanGapS: 120 },
    originLeavesAt: 1800,
    horizonS: 12 * 3600,
    replicas: 12,
  },
  {
    ...common,
    name: "sparse-cheap-seeding",
    description:
      "The sparse swarm again, with staying 100 times cheaper for seeders (0.01 to 1 BTT an hour): what paid seeding does when what it earns can cover what staying costs.",
    seed: 20_020_118,
    peers: 300,
    arrival: { kind: "poisson", meanGapS: 120 },
    originLeavesAt: 1800,
    reservationBttPerHour: [0.01, 1],
    horizonS: 12 * 3600,
    replicas: 12,
  },
];

/** A small swarm for the smoke test and quick looks: 60 leechers, 32 pieces, the original seeder stays. */
export const SMOKE_SCENARIO: Scenario = {
  ...common,
  name: "smoke",
  description: "60 leechers in a flash crowd, 32 pieces of 256 KiB, the original seeder never leaves.",
  seed: 42,
  peers: 60,
  pieces: 32,
  arrival: { kind: "flash", windowS: 30 },
  originLeavesAt: Infinity,
  horizonS: 3 * 3600,
  neighbors: 20,
};
