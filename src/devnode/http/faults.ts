import { HttpResponse } from "./server";
import { utf8Hex } from "./params";
import type { Handler } from "./params";

/** How TronGrid answers under load. */
export type FaultKind = "429" | "503" | "SERVER_BUSY";

/** Answers like TronGrid under load, so clients' retries and backoff can be tested against the devnode. */
export type DevnodeFaults = {
  /**
   * Every `every`-th request to the node's APIs (`/wallet`, `/walletsolidity`, `/v1`; not `/admin`)
   * is answered with a fault instead of being served: deterministic, so tests repeat. 0 or unset: none.
   */
  every?: number;
  /**
   * The faults used in turn; default ["429", "SERVER_BUSY"]. "429" is TronGrid's Too Many Requests,
   * "503" an overloaded backend, "SERVER_BUSY" java-tron's answer to a broadcast when its pending
   * pool is full (other paths get a 503 for it).
   */
  kinds?: FaultKind[];
  /** Event API pages come without `meta.fingerprint` (TronGrid does so for some queries: TRON-US/trongrid#23). */
  dropFingerprint?: boolean;
  /**
   * Events of the same `block_timestamp` (one block's) come in reverse chain order. TronGrid orders
   * only by block_timestamp, so within a block a client must order events itself, by the
   * transaction's position in the block and `event_index`; this makes one that does not fail.
   */
  reverseTies?: boolean;
};

/** The faults in force and what they did. */
export class FaultInjector {
  faults: DevnodeFaults = {};
  /** Requests counted towards `every`. */
  requests = 0;
  /** Faults answered so far. */
  injected = 0;

  /** Wraps a route's handler: some requests get a fault instead, event pages may lose their fingerprint. */
  wrap(path: string, handler: Handler): Handler {
    return async (p) => {
      const every = this.faults.every ?? 0;
      if (every > 0 && ++this.requests % every === 0) {
        const kinds = this.faults.kinds?.length ? this.faults.kinds : (["429", "SERVER_BUSY"] as FaultKind[]);
        const kind = kinds[this.injected++ % kinds.length];
        return faultAnswer(kind, path);
      }
      const answer = await handler(p);
      if (this.faults.dropFingerprint && path.startsWith("/v1/") && answer && typeof answer === "object") {
        const meta = (answer as { meta?: Record<string, unknown> }).meta;
        if (meta) {
          delete meta.fingerprint;
          delete meta.links;
        }
      }
      return answer;
    };
  }
}

function faultAnswer(kind: FaultKind, path: string): unknown {
  const v1 = path.startsWith("/v1/");
  if (kind === "SERVER_BUSY" && path.endsWith("/broadcasttransaction")) {
    return { code: "SERVER_BUSY", message: utf8Hex("Server busy: the pending transaction pool is full") };
  }
  const status = kind === "429" ? 429 : 503;
  const error = status === 429 ? "Too Many Requests: the key exceeds the frequency limit" : "Service Unavailable";
  return new HttpResponse(status, v1 ? { success: false, error, statusCode: status } : { Error: error });
}
