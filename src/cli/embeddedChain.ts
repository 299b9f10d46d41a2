import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { computeAddress } from "ethers";
import type { EIP1193Provider, HardhatRuntimeEnvironment } from "hardhat/types";
import { REPO_ROOT } from "./deployments";
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
 * Starts a fresh Hardhat Network chain (the project's `hardhat` network config: chain id = Shasta's,
 * funded accounts) in this process and serves it over JSON-RPC on HTTP. Each call gets its own
 * chain, independent of `hre.network` (so tests can run one beside their own).
 */
export async function startEmbeddedChain({
  host = "127.0.0.1",
  port = 8545,
  logging = false,
}: StartEmbeddedChainParameters = {}): Promise<EmbeddedChain> {
  const hre = loadHardhat();
  // Hardhat's public API only builds the provider of the selected network; these internals build
  // an independent one and answer JSON-RPC over HTTP (what `hardhat node` uses).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createProvider } = require("hardhat/internal/core/providers/construction") as {
    createProvider: (config: unknown, network: string, artifacts: unknown) => Promise<EIP1193Provider>;
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
  const provider = await createProvider(hre.config, "hardhat", hre.artifacts);
  const chainId = BigInt((await provider.request({ method: "eth_chainId" })) as string);
  if (chainId !== SHASTA_CHAIN_ID) {
    throw new CliUsageError(`the Hardhat network runs with chain id ${chainId}, not Shasta's ${SHASTA_CHAIN_ID}`, {
      metaMessages: [`Set networks.hardhat.chainId in ${path.join(REPO_ROOT, "hardhat.config.ts")}.`],
    });
  }
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
  const accounts = normalizeHardhatNetworkAccountsConfig(hre.config.networks.hardhat.accounts).map(
    ({ privateKey }) => ({
      address: computeAddress(privateKey),
      privateKey,
    }),
  );
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
 * The Hardhat runtime: the running one under `hardhat test` / `hardhat run`, else this project's
 * (found by path, so `seedpay node` works from any directory).
 */
function loadHardhat(): HardhatRuntimeEnvironment {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HardhatContext } = require("hardhat/internal/context") as { HardhatContext: { isCreated(): boolean } };
  if (HardhatContext.isCreated()) return require("hardhat") as HardhatRuntimeEnvironment; // eslint-disable-line @typescript-eslint/no-require-imports
  const previous = process.env.HARDHAT_CONFIG;
  process.env.HARDHAT_CONFIG = path.join(REPO_ROOT, "hardhat.config.ts");
  try {
    return require("hardhat") as HardhatRuntimeEnvironment; // eslint-disable-line @typescript-eslint/no-require-imports
  } finally {
    if (previous === undefined) delete process.env.HARDHAT_CONFIG;
    else process.env.HARDHAT_CONFIG = previous;
  }
}
