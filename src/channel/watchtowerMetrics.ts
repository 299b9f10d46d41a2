import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";
import type { Watchtower, WatchtowerEvent } from "./watchtowerTypes";

export type WatchtowerMetrics = {
  /** Feed it every tower event (pass as, or call from, the tower's onEvent). */
  onEvent(event: WatchtowerEvent): void;
  /** Serves GET /metrics (Prometheus text format) and GET /health on `host:port` (port 0: any free one). */
  serve(port: number, host?: string): Promise<{ url: string; close(): Promise<void> }>;
  registry: Registry;
};

/**
 * Prometheus metrics and a health check for one watchtower (prom-client, on its own registry):
 * windows open and time to the nearest deadline, claims confirmed and failed, node errors by kind,
 * channels given up and at risk. /health answers 503 while a channel is at risk or the tower stopped.
 */
export function createWatchtowerMetrics(tower: () => Watchtower | undefined): WatchtowerMetrics {
  const registry = new Registry();
  const status = () => tower()?.status();
  new Gauge({
    name: "seedpay_watchtower_windows_open",
    help: "Closing channels the tower guards (a claim to land, or claimed and watched until settled).",
    registers: [registry],
    collect() {
      const s = status();
      this.set(s ? s.pending.length + s.watching.length : 0);
    },
  });
  new Gauge({
    name: "seedpay_watchtower_claims_pending",
    help: "Closing channels with a claim still to land.",
    registers: [registry],
    collect() {
      this.set(status()?.pending.length ?? 0);
    },
  });
  new Gauge({
    name: "seedpay_watchtower_nearest_deadline_seconds",
    help: "Seconds (local clock) until the earliest dispute window of a channel still to claim ends; -1 if none.",
    registers: [registry],
    collect() {
      const ends = (status()?.pending ?? []).flatMap((p) => (p.closesAt === undefined ? [] : [Number(p.closesAt)]));
      this.set(ends.length === 0 ? -1 : Math.min(...ends) - Date.now() / 1000);
    },
  });
  new Gauge({
    name: "seedpay_watchtower_windows_at_risk",
    help: "Channels still unclaimed with little of their window left: act now (node, wallet funds).",
    registers: [registry],
    collect() {
      this.set(status()?.atRisk.length ?? 0);
    },
  });
  const claims = new Counter({
    name: "seedpay_watchtower_claims_total",
    help: "Channel claims by result: confirmed (landed) or failed (an attempt that will be retried).",
    labelNames: ["result"],
    registers: [registry],
  });
  const gaveUp = new Counter({
    name: "seedpay_watchtower_gave_up_total",
    help: "Channels the tower stopped trying to claim, by reason.",
    labelNames: ["reason"],
    registers: [registry],
  });
  const errors = new Counter({
    name: "seedpay_watchtower_node_errors_total",
    help: "Failed requests and claims, by error kind (RequestTimeoutError, TransactionFailedError, ...).",
    labelNames: ["kind"],
    registers: [registry],
  });
  const closes = new Counter({
    name: "seedpay_watchtower_closes_seen_total",
    help: "Unilateral closes seen, by how (event or start-up scan).",
    labelNames: ["source"],
    registers: [registry],
  });
  for (const result of ["confirmed", "failed"]) claims.inc({ result }, 0);

  const onEvent = (e: WatchtowerEvent): void => {
    switch (e.type) {
      case "claimed":
        claims.inc({ result: "confirmed" }, e.channels.length);
        break;
      case "claimFailed":
        claims.inc({ result: "failed" }, e.channelIds.length);
        errors.inc({ kind: e.error.name });
        break;
      case "gaveUp":
        gaveUp.inc({ reason: e.reason });
        break;
      case "closeSeen":
        closes.inc({ source: e.source });
        break;
      case "error":
        errors.inc({ kind: e.error.name });
        break;
    }
  };

  const serve = async (port: number, host = "127.0.0.1") => {
    const server: Server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method === "GET" && path === "/metrics") {
        registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else if (req.method === "GET" && path === "/health") {
        const s = status();
        const healthy = s !== undefined && !s.stopped && s.atRisk.length === 0;
        res
          .writeHead(healthy ? 200 : 503, { "content-type": "application/json" })
          .end(JSON.stringify({ healthy, stopped: s?.stopped ?? true, atRisk: s?.atRisk ?? [] }));
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("GET /metrics or /health");
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return {
      url: `http://${host}:${address.port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  };

  return { onEvent, serve, registry };
}
