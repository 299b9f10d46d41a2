import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { HandlerError } from "./params";
import type { Handler, Params } from "./params";

/** A response other than JSON with status 200. */
export class HttpResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const MAX_BODY = 8 * 1024 * 1024;
/**
 * Unknown paths reported per server, each cut to MAX_REPORTED_PATH characters: the list is for
 * diagnosis, and any client (any web page, with CORS *) could otherwise grow it without end.
 */
const MAX_UNKNOWN_REPORTS = 1_000;
const MAX_REPORTED_PATH = 200;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new HandlerError("request body is too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
    "access-control-allow-origin": "*",
  });
  res.end(text);
}

export interface ServeOptions {
  /** Exact paths ("/wallet/getnowblock") and, for TronGrid's /v1 API, prefix matchers. */
  routes: Map<string, Handler>;
  match?: (path: string) => { handler: Handler; params: Params } | undefined;
  onUnknownPath: (method: string, path: string) => void;
}

/**
 * java-tron's HTTP conventions: every API answers GET (query) and POST (JSON body) alike, with
 * HTTP 200 and `{"Error": ...}` for a request it cannot serve; an unknown path is a 404.
 */
export function createHttpServer(options: ServeOptions): Server {
  let unknownReported = 0;
  const reportUnknown = (method: string, path: string): void => {
    if (unknownReported >= MAX_UNKNOWN_REPORTS) return;
    unknownReported += 1;
    const shown = path.length > MAX_REPORTED_PATH ? `${path.slice(0, MAX_REPORTED_PATH)}…` : path;
    options.onUnknownPath(method, shown);
  };
  return createServer((req, res) => {
    void (async () => {
      let url: URL;
      let matched: { handler: Handler; params: Params } | undefined;
      let path: string;
      try {
        // Both throw on what a client sends: "//" is no URL, "%E0%A4%A" no UTF-8 (matchers decode).
        url = new URL(req.url ?? "/", "http://devnode");
        path = url.pathname.replace(/\/+$/, "") || "/";
        const exact = options.routes.get(path);
        matched = exact ? { handler: exact, params: {} } : options.match?.(path);
      } catch (e) {
        send(res, 400, `Bad Request: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "access-control-allow-origin": "*",
          "access-control-allow-headers": "*",
          "access-control-allow-methods": "GET, POST",
        });
        res.end();
        return;
      }
      if (!matched || (req.method !== "GET" && req.method !== "POST")) {
        reportUnknown(req.method ?? "?", path);
        send(res, 404, "Not Found");
        return;
      }
      try {
        const params: Params = { ...Object.fromEntries(url.searchParams), ...matched.params };
        const body = await readBody(req);
        if (body.trim()) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch {
            throw new HandlerError(`the request body is not JSON: ${body.slice(0, 80)}`);
          }
          if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) Object.assign(params, parsed);
        }
        if (params.visible === true || params.visible === "true") {
          throw new HandlerError("the devnode speaks hex addresses only: send visible=false (TronWeb's default)");
        }
        const result = await matched.handler(params);
        if (result instanceof HttpResponse) send(res, result.status, result.body);
        else send(res, 200, result ?? {});
      } catch (e) {
        send(res, 200, { Error: e instanceof Error ? e.message : String(e) });
      }
    })().catch(() => {
      // Nothing a client sends may end the node with an unhandled rejection.
      res.destroy();
    });
  });
}
