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
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://devnode");
      const path = url.pathname.replace(/\/+$/, "") || "/";
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "access-control-allow-origin": "*",
          "access-control-allow-headers": "*",
          "access-control-allow-methods": "GET, POST",
        });
        res.end();
        return;
      }
      const exact = options.routes.get(path);
      const matched = exact ? { handler: exact, params: {} } : options.match?.(path);
      if (!matched || (req.method !== "GET" && req.method !== "POST")) {
        options.onUnknownPath(req.method ?? "?", path);
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
    })();
  });
}
