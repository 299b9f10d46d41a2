import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { computeAddress } from "ethers";
import type { EIP1193Provider, HardhatConfig } from "hardhat/types";
import { PACKAGE_ROOT } from "../package/packageRoot";
import { CliUsageError } from "./errors";

/** TRON Shasta's chain id: the embedded chain runs with it so TIP-712 domains match Shasta's. */
export const SHASTA_CHAIN_ID = 2494104990n;

export type EmbeddedChainAccount = { address: string; privateKey: string };

export type EmbeddedChain = {
  url: string;
  host: string;
  port: number;
  chainId: bigint;
  /** Hardhat's funded test accounts (well-known keys: never use them on a real network). */
  accounts: EmbeddedChainAccount[];
  /** The chain itself, in this process (evm_increaseTime, evm_mine, ...). */
  provider: EIP1193Provider;
  close(): Promise<void>;
};

export type StartEmbeddedChainParameters = {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Log every JSON-RPC request to stdout, as `hardhat node` does. */
  logging?: boolean;
};

/**
 * The embedded chain's network, as hardhat.config.ts configures the tests' `hardhat` network:
 * Shasta's chain id, cancun, 64 funded accounts (enough for 20-payer batches). Written out here so
 * `seedpay node` needs no Hardhat project, only the hardhat package (an optional peer dependency).
 */
const EMBEDDED_NETWORK = { chainId: Number(SHASTA_CHAIN_ID), hardfork: "cancun", accounts: { count: 64 } };

/** What to install when Hardhat is missing: the version the package is tested with. */
export const HARDHAT_PEER = "hardhat@2.29.1";

/**
 * Starts a fresh Hardhat Network chain (chain id = Shasta's, funded accounts) in this process and
 * serves it over JSON-RPC on HTTP. Each call gets its own chain, independent of `hre.network` (so
 * tests can run one beside their own).
 */
export async function startEmbeddedChain({
  host = "127.0.0.1",
  port = 8545,
  logging = false,
}: StartEmbeddedChainParameters = {}): Promise<EmbeddedChain> {
  requireHardhat("seedpay node");
  // Hardhat's public API only builds the provider of a project's selected network; these internals
  // resolve a config without a project and build an independent provider, and answer JSON-RPC over
  // HTTP (what `hardhat node` uses).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { resolveConfig } = require("hardhat/internal/core/config/config-resolution") as {
    resolveConfig: (configPath: string, config: unknown) => HardhatConfig;
  };
  const { createProvider } = require("hardhat/internal/core/providers/construction") as {
    createProvider: (config: unknown, network: string) => Promise<EIP1193Provider>;
  };
  const { JsonRpcHandler } = require("hardhat/internal/hardhat-network/jsonrpc/handler") as {
    JsonRpcHandler: new (provider: EIP1193Provider) => {
      handleHttp: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
    };
  };
  const { normalizeHardhatNetworkAccountsConfig } = require("hardhat/internal/core/providers/util") as {
    normalizeHardhatNetworkAccountsConfig: (config: unknown) => { privateKey: string }[];
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The config path must exist but only anchors paths (caches) Hardhat Network uses when forking.
  const config = resolveConfig(path.join(PACKAGE_ROOT, "package.json"), {
    networks: { hardhat: EMBEDDED_NETWORK },
  });
  const provider = await createProvider(config, "hardhat");
  const chainId = BigInt((await provider.request({ method: "eth_chainId" })) as string);
  await provider.request({ method: "hardhat_setLoggingEnabled", params: [logging] });

  const handler = new JsonRpcHandler(provider);
  const server = http.createServer((req, res) => void handler.handleHttp(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new CliUsageError(`port ${port} on ${host} is in use`, {
              metaMessages: ["Stop what listens there, or pass --port N (--port 0 picks a free port)."],
            })
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const accounts = normalizeHardhatNetworkAccountsConfig(config.networks.hardhat.accounts).map(({ privateKey }) => ({
    address: computeAddress(privateKey),
    privateKey,
  }));
  return {
    url: `http://${host}:${address.port}`,
    host,
    port: address.port,
    chainId,
    accounts,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Hardhat is an optional peer dependency: only `seedpay node` and `seedpay devnode` need it, so a
 * torrent client installing seedpay does not download it. Missing, it is one line naming it.
 */
export function requireHardhat(command: string): void {
  try {
    require.resolve("hardhat/package.json");
  } catch {
    throw new CliUsageError(
      `\`${command}\` needs Hardhat, which is not installed: npm install --save-dev ${HARDHAT_PEER}`,
    );
  }
}
