import { Interface, Wallet, getAddress, type FunctionFragment, type Result } from "ethers";
import type { TronWeb } from "tronweb";
import type { BondAdapter } from "../chain/bondTypes";
import type { ChainAdapter } from "../chain/types";
import type { TronClient, TronTransaction } from "../chain/tron/sendContractCall";
import { chainIdOfGenesis } from "../chain/tron/tronConnection";
import type { TronHttp } from "../chain/tron/tronHttp";
import { encodeBase58Check } from "../voucher/base58check";
import { normalizeAddress } from "../voucher/normalizeAddress";
import type { ChainHead, ChainNode, RawLog } from "./chainNode";
import { describeFetchError } from "./connectNode";
import { CliUsageError, NodeUnreachableError, WrongChainError } from "./errors";

// TronWeb and the adapter load on first use, as the EVM side does (see session.ts).
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  TronWeb: () => (require("tronweb") as typeof import("tronweb")).TronWeb,
  TronChain: () => (require("../chain/tron/TronChain") as typeof import("../chain/tron/TronChain")).TronChain,
  TronBond: () => (require("../chain/tron/TronBond") as typeof import("../chain/tron/TronBond")).TronBond,
  send: () => require("../chain/tron/sendContractCall") as typeof import("../chain/tron/sendContractCall"),
  http: () => require("../chain/tron/tronHttp") as typeof import("../chain/tron/tronHttp"),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const TRON_HINTS = [
  "Start the TRON development node with `seedpay devnode`, or point to a TRON node with --tron URL",
  "or --network shasta|nile|mainnet (TronGrid; TRONBOX_<NETWORK>_URL overrides the host).",
];

export type ConnectTronParameters = {
  url: string;
  /** TronGrid's API key, sent as the TRON-PRO-API-KEY header. */
  apiKey?: string;
  /** The network's chain id, when its name pins one (shasta, nile, mainnet). */
  expectedChainId?: bigint;
  network: string;
  timeoutMs?: number;
};

/**
 * Connects to a TRON node's HTTP API, failing fast with the URL when it does not answer (TronWeb
 * would wait on its own timeouts), and reads the chain id from the genesis block: TRON's chain id is
 * the low 4 bytes of the genesis block id (what `block.chainid` returns to the escrow).
 */
export async function connectTron(p: ConnectTronParameters): Promise<TronNode> {
  let parsed: URL;
  try {
    parsed = new URL(p.url);
  } catch {
    throw new CliUsageError(`--tron ${JSON.stringify(p.url)} is not a URL`, {
      metaMessages: ["Pass the TRON node's HTTP API (TronWeb's fullHost), e.g. --tron http://127.0.0.1:9090"],
    });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliUsageError(`--tron ${p.url}: only http:// and https:// nodes are supported`);
  }
  const url = p.url.replace(/\/+$/, "");
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (p.apiKey) headers["TRON-PRO-API-KEY"] = p.apiKey;
  const timeoutMs = p.timeoutMs ?? 10_000;
  let response: Response;
  // Our own timer, cleared at once: AbortSignal.timeout's would hold the process open until it fires.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DOMException("timed out", "TimeoutError")), timeoutMs);
  try {
    response = await fetch(`${url}/wallet/getblockbynum`, {
      method: "POST",
      headers,
      body: JSON.stringify({ num: 0 }),
      signal: abort.signal,
    });
  } catch (error) {
    throw new NodeUnreachableError(url, describeFetchError(error, timeoutMs), TRON_HINTS);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403 ? ["TronGrid wants an API key: set TRON_PRO_API_KEY."] : [];
    throw new NodeUnreachableError(url, `HTTP ${response.status} ${response.statusText}`, [...hint, ...TRON_HINTS]);
  }
  let genesis: { blockID?: unknown };
  try {
    genesis = (await response.json()) as typeof genesis;
  } catch {
    throw new NodeUnreachableError(
      url,
      "the answer to /wallet/getblockbynum is not JSON: not a TRON node?",
      TRON_HINTS,
    );
  }
  if (typeof genesis.blockID !== "string" || !/^[0-9a-f]{64}$/i.test(genesis.blockID)) {
    throw new NodeUnreachableError(url, "no genesis block at /wallet/getblockbynum: not a TRON node?", [
      "An EVM JSON-RPC node takes --rpc URL instead of --tron.",
      ...TRON_HINTS,
    ]);
  }
  const chainId = chainIdOfGenesis(genesis.blockID);
  if (p.expectedChainId !== undefined && chainId !== p.expectedChainId) {
    throw new WrongChainError(
      `the node at ${url} is chain ${chainId}, but ${p.network} is chain ${p.expectedChainId} ` +
        "(the low 4 bytes of the genesis block id)",
      { metaMessages: [`Point --tron at a ${p.network} node, or choose the node's network with --network NAME.`] },
    );
  }
  const TronWeb = lazy.TronWeb();
  const tronWeb = new TronWeb({ fullHost: url, ...(p.apiKey ? { headers: { "TRON-PRO-API-KEY": p.apiKey } } : {}) });
  // One connection for every adapter the command makes: the API key reaches each request, the
  // event API's included, and one request count covers them all.
  const http = new (lazy.http().TronHttp)({ fullNode: url, apiKey: p.apiKey }, "seedpay");
  return new TronNode(url, chainId, tronWeb, http);
}

/** A TRON node through TronWeb: the escrow through TronChain, everything else over the HTTP API. */
export class TronNode implements ChainNode {
  readonly kind = "tron";

  constructor(
    readonly url: string,
    readonly chainId: bigint,
    readonly tronWeb: TronWeb,
    /** Every request the node's adapters make: host, API key, retries. */
    readonly http: TronHttp,
  ) {}

  async head(): Promise<ChainHead> {
    const block = await this.post("wallet/getnowblock", {});
    const raw = block?.block_header?.raw_data;
    if (!raw)
      throw new NodeUnreachableError(this.url, "no head block in the answer to /wallet/getnowblock", TRON_HINTS);
    // TRON block timestamps are milliseconds; block.timestamp in the contract is seconds.
    return { number: Number(raw.number ?? 0), timestamp: Math.floor(Number(raw.timestamp) / 1000) };
  }

  async hasCode(address: string): Promise<boolean> {
    const contract = await this.post("wallet/getcontract", { value: hex41(address) });
    return typeof contract?.bytecode === "string" && contract.bytecode.length > 0;
  }

  async view(address: string, signature: string, args: unknown[] = []): Promise<Result> {
    const iface = new Interface([signature]);
    const name = (iface.fragments[0] as FunctionFragment).name;
    // A constant call needs an owner; the contract itself always exists on chain.
    const client = this.client(hex41(address), async (tx) => tx);
    const { constantCall, toTronError } = lazy.send();
    try {
      return (await constantCall(client, name, name, iface, address, args)).output;
    } catch (error) {
      throw toTronError(client, name, error);
    }
  }

  async connect(privateKey: string, escrow: string): Promise<ChainAdapter> {
    return lazy.TronChain().connect({ connection: this.http, privateKey, escrow });
  }

  /**
   * TronChain signs with a key it owns, so a reader gets a throwaway one: constant calls need an
   * owner address, not an account on chain, and anything sent from it is refused by the node
   * (the account does not exist). `account` is not needed: reads pass their addresses explicitly.
   */
  readOnly(_account: string, escrow: string): Promise<ChainAdapter> {
    return this.connect(Wallet.createRandom().privateKey, escrow);
  }

  /** Without a key, a throwaway one, as readOnly does: constant calls need an owner, not an account. */
  async bond(bond: string, privateKey = Wallet.createRandom().privateKey): Promise<BondAdapter> {
    return lazy.TronBond().connect({ connection: this.http, privateKey, bond });
  }

  async logs(hash: string): Promise<RawLog[]> {
    const info = await this.post("wallet/gettransactioninfobyid", { value: hash.replace(/^0x/, "") });
    const logs = (info?.log ?? []) as { address: string; topics?: string[]; data?: string }[];
    return logs.map((l) => ({
      // java-tron prints a log's emitter as 20-byte hex, without the 0x41 prefix.
      address: getAddress("0x" + l.address.replace(/^(0x|41(?=[0-9a-fA-F]{40}$))/, "")),
      topics: (l.topics ?? []).map((t) => "0x" + t),
      data: "0x" + (l.data ?? ""),
    }));
  }

  formatAddress(address: string): string {
    return toBase58(address);
  }

  /** What sendContractCall needs to build, sign and send calls as `owner` (a `41…` address). */
  client(owner: string, sign: (tx: TronTransaction) => Promise<TronTransaction>): TronClient {
    return {
      tronWeb: this.tronWeb,
      http: this.http,
      owner,
      feeLimitMargin: 1.3,
      confirm: "included",
      pollingInterval: 1000,
      sign,
    };
  }

  close(): void {
    // TronWeb keeps no connection open between requests.
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async post(path: string, body: Record<string, unknown>): Promise<any> {
    try {
      return await this.http.wallet(path, body);
    } catch (error) {
      throw new NodeUnreachableError(this.url, `${path}: ${(error as Error).message ?? String(error)}`, TRON_HINTS);
    }
  }
}

/** `41…` hex, the form TRON's HTTP API takes, from any address form. */
export function hex41(address: string): string {
  return "41" + normalizeAddress(address).slice(2).toLowerCase();
}

/** Base58check `T…` of any address form. */
export function toBase58(address: string): string {
  return encodeBase58Check(Buffer.from(hex41(address), "hex"));
}
