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

/** The transaction info once the transaction is in a block (polls; no fixed sleeps). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function waitForInfo(tw: TronWeb, txID: string, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await tw.trx.getTransactionInfo(txID);
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
