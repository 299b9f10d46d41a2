import { chooseOptimistic, planBids, runAuction } from "../../src/market";
import { isInterested, rarestPiece } from "./pieces";
import { createRandom } from "./random";
import { MIB, type PeerSpec, type Scenario, type Scheme } from "./scenario";
import { shareCapacity } from "./shareCapacity";
import {
  OPTIMISTIC_MS,
  REVENUE_WINDOW,
  ROUND_S,
  TFT_SLOTS,
  TRACKER_RETRY_ROUNDS,
  type Connection,
  type Kind,
  type Peer,
  type SimResult,
} from "./swarmTypes";

/**
 * A discrete-event swarm simulator with round-granular transfers. Events (arrivals, the
 * original seeder's departure, finished peers leaving) are applied at the 10 s rechoke rounds
 * BitTorrent itself runs on; within a round every unchoked connection carries the uploader's
 * capacity split equally over its open slots, scaled down where a downloader's link is full.
 * Pieces are picked rarest-first (by swarm-wide availability, a simplification of each peer's
 * view of its neighbours), one 'credit' per connection carrying partial pieces across rounds.
 *
 * Leechers reciprocate as BitTorrent does (3 tit-for-tat slots by bytes received last round +
 * 1 optimistic slot rotated every 30 s, newcomers favoured). Only peers with the whole file sell:
 * - bittorrent: 4 slots round-robin over interested neighbours + 1 optimistic;
 * - fixed-price: 4 slots, payers who can afford the price first (round-robin), + 1 optimistic;
 * - auction: 4 slots sold each round by runAuction to bids from planBids, reserve = the fixed
 *   price, + 1 optimistic;
 * - auction-reserve-0: the same with no reserve (slots nobody contests sell at 0);
 * - auction-no-optimistic: the auction without the optimistic slot (what that slot costs).
 * Paid slots nobody buys go to unpaid peers (a seeder gives away idle capacity, as today).
 * Randomness comes from the scenario's seed only, so each scheme sees the same peers and draws.
 */
export function simulate(s: Scenario, scheme: Scheme, specs: readonly PeerSpec[]): SimResult {
  const random = createRandom((s.seed ^ 0x5eed5eed) >>> 0);
  const P = s.pieces;
  const words = Math.ceil(P / 32);
  const avail = new Int32Array(P);
  const fullWords = new Uint32Array(words).fill(0xffffffff);
  if (P % 32) fullWords[words - 1] = (2 ** (P % 32) - 1) >>> 0;
  const newPeer = (spec: PeerSpec, origin: boolean): Peer => ({
    ...spec,
    origin,
    online: false,
    have: origin ? fullWords.slice() : new Uint32Array(words),
    count: origin ? P : 0,
    completedAt: origin ? 0 : undefined,
    leftAt: undefined,
    neighbors: new Set(),
    recvNow: new Map(),
    recvLast: new Map(),
    credit: new Map(),
    lastServed: new Map(),
    optimistic: { peerId: undefined, since: 0 },
    key: Uint8Array.from([spec.id & 0xff, (spec.id >> 8) & 0xff, (spec.id >> 16) & 0xff, s.seed & 0xff]),
    spent: 0n,
    paidBytes: 0,
    revenue: 0n,
    ring: new Array<bigint>(REVENUE_WINDOW).fill(0n),
    ringSum: 0n,
    roundRevenue: 0n,
    outcomes: new Map(),
    bidsIn: [],
  });
  const origin = newPeer(
    {
      id: 0,
      joinAt: 0,
      up: s.originUp,
      down: s.originUp,
      payer: false,
      value: 0n,
      budget: 0n,
      lingerS: 0,
      reservationPerHour: 0n,
    },
    true,
  );
  const leechers = specs.map((spec) => newPeer(spec, false));
  const byId = new Map<string, Peer>([origin, ...leechers].map((p) => [String(p.id), p]));
  let online: Peer[] = [];
  let copyLostAt: number | undefined;
  const bytes = { total: 0, toNonPayers: 0, bySeeders: 0, bySeedersPaid: 0, bySeedersOptimistic: 0 };
  const complete = (p: Peer) => p.count === P;

  const join = (p: Peer, t: number) => {
    p.online = true;
    online.push(p);
    for (let w = 0; w < words; w++) for (let m = p.have[w]; m; m &= m - 1) avail[w * 32 + 31 - Math.clz32(m & -m)]++;
    connect(p);
    void t;
  };
  const connect = (p: Peer) => {
    const pool = online.filter((q) => q !== p && q.online && !p.neighbors.has(q) && q.neighbors.size < 2 * s.neighbors);
    for (let i = 0; i < pool.length && p.neighbors.size < s.neighbors; i++) {
      const j = i + random.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
      p.neighbors.add(pool[i]);
      pool[i].neighbors.add(p);
    }
  };
  const leave = (p: Peer, t: number) => {
    p.online = false;
    p.leftAt = t;
    for (const q of p.neighbors) q.neighbors.delete(p);
    p.neighbors.clear();
    let lost = false;
    for (let w = 0; w < words; w++) {
      for (let m = p.have[w]; m; m &= m - 1) if (--avail[w * 32 + 31 - Math.clz32(m & -m)] === 0) lost = true;
    }
    if (lost && copyLostAt === undefined && t >= s.originLeavesAt) copyLostAt = t;
  };
  const interested = (d: Peer, u: Peer) => isInterested(d, u, P, words);
  const rarest = (u: Peer, d: Peer) => rarestPiece(u, d, avail, words, random);
  /** Least recently served first; ties by a random draw so no peer id order creeps in. */
  const roundRobin = (u: Peer, pool: Peer[], n: number): Peer[] => {
    const keyed = pool.map((d) => ({ d, last: u.lastServed.get(d) ?? -1, r: random.next() }));
    keyed.sort((a, b) => a.last - b.last || a.r - b.r);
    return keyed.slice(0, n).map((k) => k.d);
  };
  const optimisticPick = (u: Peer, pool: Peer[], now: number): Peer | undefined => {
    u.optimistic = chooseOptimistic(u.optimistic, {
      now,
      candidates: pool.map((d) => ({ peerId: String(d.id), connectedAt: Math.max(d.joinAt, u.joinAt) * 1000 })),
      optimisticMs: OPTIMISTIC_MS,
      key: u.key,
    });
    return u.optimistic.peerId === undefined ? undefined : byId.get(u.optimistic.peerId);
  };
  const channelOf = (p: Peer) => "0x" + p.id.toString(16).padStart(64, "0");
  const fixedPrice = (BigInt(Math.round(s.fixedPriceBttPerMiB * 1e9)) * 10n ** 18n) / 1_000_000_000n;
  const slotMiB = (u: Peer) => (u.up * ROUND_S) / MIB / (s.slots + 1);

  const auction = scheme === "auction" || scheme === "auction-reserve-0" || scheme === "auction-no-optimistic";
  const reserve = scheme === "auction-reserve-0" ? 0n : fixedPrice;
  let nextJoin = 0;
  let round = 0;
  for (; round * ROUND_S < s.horizonS; round++) {
    const t = round * ROUND_S;
    const now = t * 1000;
    // Events due by this round.
    if (round === 0) join(origin, 0);
    while (nextJoin < leechers.length && leechers[nextJoin].joinAt <= t) join(leechers[nextJoin++], t);
    if (origin.online && t >= s.originLeavesAt) leave(origin, t);
    for (const p of online) {
      if (!p.online || p.origin || p.completedAt === undefined || t < p.completedAt + p.lingerS) continue;
      if (scheme === "bittorrent") {
        leave(p, t);
        continue;
      }
      // Paid schemes: stay while the last (up to) 30 minutes earned the seeder's reservation rate.
      const window = BigInt(Math.min(REVENUE_WINDOW, Math.max(1, Math.floor((t - p.completedAt) / ROUND_S))));
      if (p.ringSum * 360n < p.reservationPerHour * window) leave(p, t);
    }
    online = online.filter((p) => p.online);
    if (online.length === 0 && nextJoin >= leechers.length) break;
    // With a piece on no online peer and its only source gone, no one can ever finish: stop.
    if (copyLostAt !== undefined) break;
    if (round % TRACKER_RETRY_ROUNDS === 0) {
      for (const p of online) if (!complete(p) && p.neighbors.size < s.neighbors / 2) connect(p);
    }

    // Bids: each payer with budget left bids its value to the seeders it knows of.
    if (auction) {
      for (const d of online) {
        if (!d.payer || complete(d) || d.spent >= d.budget) continue;
        const sellers = [...d.neighbors].filter(complete);
        const { bids } = planBids({
          maxPricePerMiB: d.value,
          budget: d.budget - d.spent,
          round,
          seeders: sellers.map((u) => ({
            seederId: String(u.id),
            expectedMiBPerRound: slotMiB(u),
            last: d.outcomes.get(u),
          })),
        });
        for (const b of bids)
          byId
            .get(b.seederId)!
            .bidsIn.push({ bid: { channelId: channelOf(d), pricePerMiB: b.pricePerMiB }, bidder: d });
      }
    }

    // Choking: who each peer uploads to this round.
    const conns: Connection[] = [];
    for (const u of online) {
      if (u.count === 0) continue;
      const pool = [...u.neighbors].filter((d) => interested(d, u));
      const bidsIn = u.bidsIn;
      u.bidsIn = [];
      if (pool.length === 0) continue;
      const chosen: Connection[] = [];
      // A slot won or bought at price 0 is unpaid upload, whatever its name.
      const add = (d: Peer, kind: Kind, price = 0n) =>
        chosen.push({ u, d, kind: kind === "paid" && price === 0n ? "free" : kind, price, fromSeeder: complete(u) });
      let withOptimistic = true;
      if (!complete(u)) {
        const ranked = pool
          .map((d) => ({ d, rate: u.recvLast.get(d) ?? 0, r: random.next() }))
          .sort((a, b) => b.rate - a.rate || a.r - b.r);
        for (const { d } of ranked.slice(0, TFT_SLOTS)) add(d, "tft");
      } else if (scheme === "bittorrent") {
        for (const d of roundRobin(u, pool, s.slots)) add(d, "free");
      } else if (scheme === "fixed-price") {
        const cost = (fixedPrice * BigInt(Math.ceil(slotMiB(u) * 1024))) / 1024n;
        const buyers = pool.filter((d) => d.payer && d.value >= fixedPrice && d.budget - d.spent >= cost);
        for (const d of roundRobin(u, buyers, s.slots)) add(d, "paid", fixedPrice);
      } else {
        withOptimistic = scheme !== "auction-no-optimistic";
        const inPool = new Set(pool);
        const live = bidsIn.filter((b) => inPool.has(b.bidder));
        const result = runAuction(
          live.map((b) => b.bid),
          { slots: s.slots, reserve, round, tieBreakKey: u.key },
        );
        const winners = new Set(result.winners);
        for (const b of bidsIn) {
          const won = winners.has(b.bid.channelId);
          b.bidder.outcomes.set(u, { round, won, clearingPrice: result.clearingPrice });
          if (won) add(b.bidder, "paid", result.clearingPrice);
        }
      }
      if (complete(u) && chosen.length < s.slots) {
        // Idle paid slots: given to unpaid peers, as a seeder does today.
        const taken = new Set(chosen.map((c) => c.d));
        for (const d of roundRobin(
          u,
          pool.filter((d) => !taken.has(d)),
          s.slots - chosen.length,
        ))
          add(d, "free");
      }
      if (withOptimistic) {
        const taken = new Set(chosen.map((c) => c.d));
        const o = optimisticPick(
          u,
          pool.filter((d) => !taken.has(d)),
          now,
        );
        if (o) add(o, "optimistic");
      }
      for (const c of chosen) {
        u.lastServed.set(c.d, round);
        conns.push(c);
      }
    }

    // Transfers for this round.
    const rates = shareCapacity(conns);
    for (let i = conns.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [conns[i], conns[j]] = [conns[j], conns[i]];
    }
    for (const c of conns) {
      const { u, d, kind, price, fromSeeder } = c;
      if (complete(d)) continue;
      const rate = rates.get(c)!;
      const offered = rate * ROUND_S;
      let credit = (d.credit.get(u) ?? 0) + offered;
      d.recvNow.set(u, (d.recvNow.get(u) ?? 0) + offered);
      let delivered = 0;
      const pieceCost = (price * BigInt(s.pieceBytes)) / BigInt(MIB);
      while (credit >= s.pieceBytes) {
        if (price > 0n && d.spent + pieceCost > d.budget) {
          credit = 0; // out of budget: the seeder chokes it for not paying
          break;
        }
        const piece = rarest(u, d);
        if (piece < 0) {
          credit = 0;
          break;
        }
        d.have[piece >> 5] |= 1 << (piece & 31);
        d.count++;
        avail[piece]++;
        credit -= s.pieceBytes;
        delivered += s.pieceBytes;
        if (price > 0n) {
          d.spent += pieceCost;
          u.revenue += pieceCost;
          u.roundRevenue += pieceCost;
        }
        if (d.count === P) {
          d.completedAt = t + ROUND_S * (1 - Math.min(1, credit / offered));
          credit = 0;
          break;
        }
      }
      d.credit.set(u, credit);
      bytes.total += delivered;
      if (!d.payer) bytes.toNonPayers += delivered;
      if (price > 0n) d.paidBytes += delivered;
      if (fromSeeder) {
        bytes.bySeeders += delivered;
        if (kind === "paid") bytes.bySeedersPaid += delivered;
        if (kind === "optimistic") bytes.bySeedersOptimistic += delivered;
      }
    }
    for (const p of online) {
      p.recvLast = p.recvNow;
      p.recvNow = new Map();
      const slot = round % REVENUE_WINDOW;
      p.ringSum += p.roundRevenue - p.ring[slot];
      p.ring[slot] = p.roundRevenue;
      p.roundRevenue = 0n;
    }
  }

  const times = (payer: boolean) =>
    leechers.filter((p) => p.payer === payer && p.completedAt !== undefined).map((p) => p.completedAt! - p.joinAt);
  const unfinished = (payer: boolean) =>
    leechers.filter((p) => p.payer === payer && p.completedAt === undefined).length;
  return {
    scenario: s.name,
    scheme,
    payerTimes: times(true),
    nonPayerTimes: times(false),
    unfinishedPayers: unfinished(true),
    unfinishedNonPayers: unfinished(false),
    revenue: [origin, ...leechers].reduce((sum, p) => sum + p.revenue, 0n),
    originRevenue: origin.revenue,
    spent: leechers.reduce((sum, p) => sum + p.spent, 0n),
    overBudget: leechers.filter((p) => p.spent > p.budget).length,
    aboveValue: leechers.filter((p) => p.spent * BigInt(MIB) > p.value * BigInt(p.paidBytes)).length,
    copyLostAfterOriginS: copyLostAt === undefined ? undefined : copyLostAt - s.originLeavesAt,
    bytes,
    rounds: round,
  };
}

export type { SimResult };
