import type { Random } from "./random";

/**
 * Peers' access-link capacities, drawn from the distribution Bharambe, Herley and Padmanabhan
 * use for their BitTorrent simulations ("Analyzing and Improving a BitTorrent Network's
 * Performance Mechanisms", IEEE INFOCOM 2006, Table 1), which they derived from the measured
 * bottleneck bandwidths of peer-to-peer hosts in Saroiu, Gummadi and Gribble, "A Measurement
 * Study of Peer-to-Peer File Sharing Systems" (MMCN 2002). Down/up in kbit/s and the share of
 * peers. Transcribed here without access to the paper: check it before quoting these figures.
 *
 * It is the distribution of hosts on 2002-era links (most uplinks far below downlinks); what
 * matters to the comparison is its spread (a 40× range of upload capacity), which is what
 * tit-for-tat, fixed prices and auctions treat differently.
 */
export const CAPACITY_CLASSES = [
  { downKbps: 784, upKbps: 128, share: 0.2 },
  { downKbps: 1500, upKbps: 384, share: 0.4 },
  { downKbps: 3000, upKbps: 1000, share: 0.25 },
  { downKbps: 10000, upKbps: 5000, share: 0.15 },
] as const;

/** One peer's capacities in bytes per second. */
export function drawCapacity(random: Random): { up: number; down: number } {
  let u = random.next();
  for (const c of CAPACITY_CLASSES) {
    if (u < c.share) return { up: (c.upKbps * 1000) / 8, down: (c.downKbps * 1000) / 8 };
    u -= c.share;
  }
  const last = CAPACITY_CLASSES[CAPACITY_CLASSES.length - 1];
  return { up: (last.upKbps * 1000) / 8, down: (last.downKbps * 1000) / 8 };
}
