import type { AddressInfo } from "node:net";
import { DevChain } from "./chain/DevChain";
import { accountsJson, DEV_MNEMONIC, deriveDevAccounts } from "./devAccounts";
import type { DevAccount } from "./devAccounts";
import type { Eip1193Provider } from "./evm";
import { chainRoutes } from "./http/chainRoutes";
import { integer } from "./http/params";
import type { Handler } from "./http/params";
import { createHttpServer } from "./http/server";
import { transactionRoutes } from "./http/transactionRoutes";
import { matchTrongrid } from "./http/trongridRoutes";
import { FaultInjector, type DevnodeFaults } from "./http/faults";
import { solidityRoutes } from "./http/solidityRoutes";
import type { ReorgParameters, ReorgResult } from "./chain/reorg";
import { HandlerError } from "./http/params";

/** Shasta's chain id: the low 4 bytes of its genesis block id. */
export const SHASTA_CHAIN_ID = 2494104990;
const SUN_PER_TRX = 1_000_000n;

export interface StartDevnodeOptions {
  /** Default 9090 (TRE's port); 0 picks a free one. */
  port?: number;
  host?: string;
  /**
   * Milliseconds between blocks; the transactions broadcast in between are packed into the next
   * block in arrival order (`POST /admin/mine` produces that block at once). Unset: every
   * transaction is mined at once in its own block.
   */
  blockTime?: number;
  /** Funded development accounts (default 10), derived from `mnemonic` on TRON's HD path. */
  accounts?: number;
  mnemonic?: string;
  /** Sun per development account (default 1,000,000 TRX). */
  balance?: bigint;
  /** Sun burnt per unit of energy (default 100: mainnet's getEnergyFee since proposal #104, August 2025). */
  energyPrice?: number;
  /** Chain id, and so `block.chainid` (default Shasta's). */
  chainId?: number;
  /** EVM rules the contracts run under (default "london": no PUSH0/MCOPY/TSTORE, as on TVM). */
  hardfork?: string;
  /**
   * Blocks between the head and the newest solidified block, which `/walletsolidity/*` serves
   * (TRON: 19, about 57 s). Default 0: every block is solid as soon as it is made.
   */
  solidityDelay?: number;
  /**
   * Charge bandwidth as TRON does: 600 free bytes a day per account, then 1,000 sun a byte burnt;
   * a transaction neither can pay is refused with BANDWITH_ERROR. Default false (reported only).
   */
  bandwidth?: boolean;
  /**
   * Keep a fork point per unsolidified block, so `reorg` (`POST /admin/reorg`) can replace up to
   * `solidityDelay` blocks at the head. Default false: each fork point costs memory that grows with
   * the chain (bench/devnode-snapshots.json), so only tests of reorgs turn it on.
   */
  reorgs?: boolean;
  /** Answer like TronGrid under load (429, SERVER_BUSY, pages without fingerprint); see setFaults. */
  faults?: DevnodeFaults;
  /** Called for every request to a path the devnode does not serve (answered 404). */
  onUnknownPath?: (method: string, path: string) => void;
}

export interface Devnode {
  /** http://host:port — pass as TronWeb's fullHost (full node, solidity node and event server). */
  url: string;
  accounts: DevAccount[];
  /** The EVM underneath (EIP-1193), e.g. for estimateTronEnergy or inspection. Do not mine through it. */
  provider: Eip1193Provider;
  /** "METHOD /path" of every request answered 404, in order. */
  unknownPaths: string[];
  /** Moves the chain clock forward and mines a block (dispute windows, expirations). */
  increaseTime(seconds: number): Promise<void>;
  /**
   * Replaces the last `depth` blocks with a longer fork of empty blocks (new ids); their
   * transactions go back to the pending pool after `reincludeAfterMs`, except those in `drop`.
   * Needs `reorgs: true`; a depth reaching a solidified block is refused.
   */
  reorg(parameters: ReorgParameters): Promise<ReorgResult>;
  /** Changes the energy price (sun per energy) from the next transaction on, as a committee proposal does. */
  setEnergyPrice(sun: number): Promise<void>;
  /** Replaces the faults in force (`{}`: none). */
  setFaults(faults: DevnodeFaults): void;
  /** Faults answered so far. */
  readonly faultsInjected: number;
  /**
   * Transactions broadcast and not yet in a block (with `blockTime`; always 0 without). With
   * `POST /admin/mine`, a test decides which transactions share a block.
   */
  readonly pendingTransactions: number;
  close(): Promise<void>;
}

const SOLIDITY_APIS = [
  "getnowblock",
  "getblockbynum",
  "getblock",
  "getblockbyid",
  "getblockbylimitnext",
  "getblockbylatestnum",
  "getaccount",
  "gettransactionbyid",
  "gettransactioninfobyid",
  "gettransactioninfobyblocknum",
  "triggerconstantcontract",
  "estimateenergy",
];

/**
 * Starts seedpay's local TRON development node: the part of java-tron's HTTP API (and TronGrid's
 * event API, and TRE's account list) that TronWeb and TronBox use, over an in-process EVM.
 * See docs/devnode.md.
 */
export async function startDevnode(options: StartDevnodeOptions = {}): Promise<Devnode> {
  const mnemonic = options.mnemonic ?? DEV_MNEMONIC;
  const accounts = deriveDevAccounts(mnemonic, options.accounts ?? 10);
  const chain = await DevChain.create({
    chainId: options.chainId ?? SHASTA_CHAIN_ID,
    accounts,
    balance: options.balance ?? 1_000_000n * SUN_PER_TRX,
    energyPrice: options.energyPrice ?? 100,
    blockTime: options.blockTime,
    hardfork: options.hardfork ?? "london",
    solidityDelay: options.solidityDelay ?? 0,
    bandwidth: options.bandwidth ?? false,
    reorgs: options.reorgs ?? false,
  });
  const faults = new FaultInjector();
  faults.faults = options.faults ?? {};

  const routes = new Map<string, Handler>();
  const wallet = { ...chainRoutes(chain), ...transactionRoutes(chain) };
  for (const [name, handler] of Object.entries(wallet))
    routes.set(`/wallet/${name}`, faults.wrap(`/wallet/${name}`, handler));
  const solidity = solidityRoutes(chain, wallet);
  for (const name of SOLIDITY_APIS)
    routes.set(`/walletsolidity/${name}`, faults.wrap(`/walletsolidity/${name}`, solidity[name]));
  routes.set("/admin/accounts-json", async () => accountsJson(mnemonic, accounts));
  routes.set("/admin/increase-time", async (p) => {
    const block = await chain.increaseTime(integer(p, "seconds"));
    return { blockNumber: block.number, timestamp: block.timestamp };
  });
  routes.set("/admin/mine", async (p) => {
    const block = await chain.mine(integer(p, "blocks", 1));
    return { blockNumber: block.number, timestamp: block.timestamp };
  });
  routes.set("/admin/reorg", async (p) => {
    if (p.drop !== undefined && !Array.isArray(p.drop)) {
      throw new HandlerError(`drop must be a list of transaction ids, not ${JSON.stringify(p.drop)}`);
    }
    // A refusal (ReorgError) reaches the client as java-tron's {"Error": ...}, like every handler's.
    return chain.reorg({
      depth: integer(p, "depth"),
      reincludeAfterMs: integer(p, "reincludeAfterMs", 0),
      drop: p.drop as string[] | undefined,
      dropPending: p.dropPending === true || p.dropPending === "true",
      ifHead: p.ifHead === undefined ? undefined : String(p.ifHead),
    });
  });
  routes.set("/admin/set-energy-price", async (p) => {
    await chain.setEnergyPrice(integer(p, "sun"));
    return { energyPrice: chain.options.energyPrice };
  });
  routes.set("/healthcheck", async () => ({ status: "ok" }));

  const unknownPaths: string[] = [];
  let url = "";
  const server = createHttpServer({
    routes,
    match: (path) => {
      const matched = matchTrongrid(
        chain,
        () => url,
        () => faults.faults.reverseTies === true,
      )(path);
      return matched && { ...matched, handler: faults.wrap(path, matched.handler) };
    },
    onUnknownPath: (method, path) => {
      unknownPaths.push(`${method} ${path}`);
      options.onUnknownPath?.(method, path);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 9090, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;

  return {
    url,
    accounts,
    provider: chain.evm.provider,
    unknownPaths,
    increaseTime: async (seconds) => {
      await chain.increaseTime(seconds);
    },
    reorg: (parameters) => chain.reorg(parameters),
    setEnergyPrice: (sun) => chain.setEnergyPrice(sun),
    setFaults: (f) => {
      faults.faults = f;
    },
    get faultsInjected() {
      return faults.injected;
    },
    get pendingTransactions() {
      return chain.pendingCount;
    },
    close: async () => {
      chain.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await chain.queue.run(async () => undefined);
    },
  };
}
