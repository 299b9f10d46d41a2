import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { TronWeb } from "tronweb";
import type { Devnode } from "../../src/devnode";

export interface Artifact {
  abi: unknown[];
  bytecode: string;
}

export function artifact(path: string): Artifact {
  return JSON.parse(readFileSync(join(__dirname, "../../artifacts/contracts", path), "utf8")) as Artifact;
}

export const TOKEN = () => artifact("test/TestToken.sol/TestToken.json");
export const ESCROW = () => artifact("ChannelEscrow.sol/ChannelEscrow.json");

/** A TronWeb instance on the devnode, signing with dev account `index`. */
export function tronWebFor(node: Devnode, index = 0): TronWeb {
  return new TronWeb({ fullHost: node.url, privateKey: node.accounts[index].privateKey });
}

/**
 * The transaction info once the transaction is in a block (polls; no fixed sleeps). Read from the
 * full node: TronWeb's getTransactionInfo asks the solidity node, which may be blocks behind.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function waitForInfo(tw: TronWeb, txID: string, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await tw.trx.getUnconfirmedTransactionInfo(txID);
    if (Object.keys(info).length) return info;
    if (Date.now() > deadline) throw new Error(`no transaction info for ${txID} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Deploys with TronWeb's transaction builder, signs, broadcasts and waits; returns the base58 address. */
export async function deploy(tw: TronWeb, art: Artifact, parameters: unknown[], feeLimit = 3_000_000_000) {
  const owner = tw.defaultAddress.base58 as string;
  const tx = await tw.transactionBuilder.createSmartContract(
    { abi: art.abi as never, bytecode: art.bytecode, parameters, feeLimit },
    owner,
  );
  const signed = await tw.trx.sign(tx);
  const sent = await tw.trx.sendRawTransaction(signed);
  if (!sent.result) throw new Error(`deploy refused: ${JSON.stringify(sent)}`);
  const info = await waitForInfo(tw, signed.txID);
  if (info.receipt?.result !== "SUCCESS") throw new Error(`deploy failed: ${JSON.stringify(info)}`);
  return { address: tw.address.fromHex(info.contract_address) as string, info, txID: signed.txID };
}

export const hexToUtf8 = (hex: string) => Buffer.from(hex, "hex").toString("utf8");

/**
 * An HTTP proxy in front of a TRON node (the devnode) that answers 502 to every request for which
 * `drop(url)` is true, as a dropped connection or an overloaded TronGrid does, and passes the rest.
 */
export async function dropProxy(
  target: string,
  drop: (url: string) => boolean,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (drop(req.url ?? "")) {
        res.writeHead(502).end("bad gateway");
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const answer = await fetch(target + req.url, {
        method: req.method,
        headers: { "content-type": "application/json" },
        body: req.method === "GET" ? undefined : Buffer.concat(chunks),
      });
      res.writeHead(answer.status, { "content-type": "application/json" }).end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** One request as a proxy saw it. */
export type SeenRequest = { method: string; url: string; apiKey?: string };

/**
 * A logging HTTP proxy in front of a TRON node: records every request (method, path and query, the
 * TRON-PRO-API-KEY header) and forwards it, headers included. `answer(url, n)` may replace the
 * node's answer to the n-th request (1-based) with a status and body, or `forward-then` one: the
 * request reaches the node but the client gets the replacement (an answer lost on the way back).
 */
export async function loggingProxy(
  target: string,
  answer?: (
    url: string,
    n: number,
  ) => { status: number; body: string; forward?: boolean; mutate?: (body: string) => string } | undefined,
): Promise<{ url: string; seen: SeenRequest[]; close: () => Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? "";
      const key = req.headers["tron-pro-api-key"];
      seen.push({ method: req.method ?? "?", url, apiKey: typeof key === "string" ? key : undefined });
      const replaced = answer?.(url, seen.length);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (replaced && !replaced.forward && !replaced.mutate) {
        res.writeHead(replaced.status, { "content-type": "application/json" }).end(replaced.body);
        return;
      }
      const forwarded = await fetch(target + url, {
        method: req.method,
        headers: { "content-type": "application/json" },
        body: req.method === "GET" ? undefined : Buffer.concat(chunks),
      });
      const text = await forwarded.text();
      if (replaced?.mutate) {
        res.writeHead(forwarded.status, { "content-type": "application/json" }).end(replaced.mutate(text));
      } else if (replaced) {
        res.writeHead(replaced.status, { "content-type": "application/json" }).end(replaced.body);
      } else {
        res.writeHead(forwarded.status, { "content-type": "application/json" }).end(text);
      }
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** 10^18: one token of 18 decimals. */
const UNIT = 10n ** 18n;

/**
 * A fresh TestToken and ChannelEscrow (dispute window 1 h to 30 days) deployed with TronWeb by dev
 * account 0; `holder` gets 1000 tokens.
 */
export async function deployEscrowOn(node: Devnode, holder: string): Promise<{ escrow: string; token: string }> {
  const web = tronWebFor(node, 0);
  const token = (await deploy(web, TOKEN(), ["Test BTT", "tBTT"])).address;
  const escrow = (await deploy(web, ESCROW(), [token, 3600, 30 * 24 * 3600])).address;
  const mint = await web
    .contract(TOKEN().abi as never, token)
    .mint(holder, 1000n * UNIT)
    .send({ feeLimit: 100_000_000 });
  const info = await waitForInfo(web, mint);
  if (info.receipt?.result !== "SUCCESS") throw new Error(`mint failed: ${JSON.stringify(info)}`);
  return { escrow, token };
}
