import type { Connection, Peer } from "./swarmTypes";

/**
 * Rates per connection (bytes/s): each uploader splits its capacity equally over its open slots;
 * a downloader whose link is full scales its inbound down; what that frees at an uploader goes,
 * once, to its other connections (TCP would share it), and downloaders are capped again.
 */
export function shareCapacity(conns: readonly Connection[]): Map<Connection, number> {
  const byUploader = new Map<Peer, Connection[]>();
  for (const c of conns) byUploader.set(c.u, [...(byUploader.get(c.u) ?? []), c]);
  const rate = new Map<Connection, number>();
  for (const [u, cs] of byUploader) for (const c of cs) rate.set(c, u.up / cs.length);
  const capDownloads = () => {
    const inbound = new Map<Peer, number>();
    for (const c of conns) inbound.set(c.d, (inbound.get(c.d) ?? 0) + rate.get(c)!);
    const capped = new Set<Connection>();
    for (const c of conns) {
      const total = inbound.get(c.d)!;
      if (total > c.d.down) {
        rate.set(c, (rate.get(c)! * c.d.down) / total);
        capped.add(c);
      }
    }
    return capped;
  };
  const capped = capDownloads();
  for (const [u, cs] of byUploader) {
    const open = cs.filter((c) => !capped.has(c));
    if (open.length === 0 || open.length === cs.length) continue;
    const spare = u.up - cs.reduce((sum, c) => sum + rate.get(c)!, 0);
    for (const c of open) rate.set(c, rate.get(c)! + spare / open.length);
  }
  capDownloads();
  return rate;
}
