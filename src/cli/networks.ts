import { CliUsageError } from "./errors";

/**
 * TRON's networks as tronbox.js and scripts/deploy.ts name them: the same names, hosts and
 * TRONBOX_<NAME>_URL overrides, so `--network shasta` means one thing to every seedpay tool.
 * `chainId` is the low 4 bytes of the genesis block id; the devnode runs with Shasta's by default
 * but can be started with another, so `development` pins none.
 */
export const TRON_NETWORKS = {
  development: { host: "http://127.0.0.1:9090", chainId: undefined },
  shasta: { host: "https://api.shasta.trongrid.io", chainId: 2494104990n },
  nile: { host: "https://nile.trongrid.io", chainId: 3448148188n },
  mainnet: { host: "https://api.trongrid.io", chainId: 728126428n },
} as const satisfies Record<string, { host: string; chainId: bigint | undefined }>;

export type TronNetworkName = keyof typeof TRON_NETWORKS;

export const DEFAULT_RPC = "http://127.0.0.1:8545";
/** The deployment file an EVM node uses by default (`seedpay node` + `seedpay deploy`). */
export const DEFAULT_EVM_NETWORK = "localhost";
/** The deployment file a TRON node uses by default: what `tronbox migrate` writes for the devnode. */
export const DEFAULT_TRON_NETWORK: TronNetworkName = "development";

export function isTronNetwork(name: string | undefined): name is TronNetworkName {
  return name !== undefined && Object.prototype.hasOwnProperty.call(TRON_NETWORKS, name);
}

/** Which node a command talks to, and the deployment file that goes with it. */
export type ChainTarget =
  | { kind: "evm"; url: string; network: string }
  | {
      kind: "tron";
      url: string;
      network: string;
      /** The chain id the network must have (shasta, nile, mainnet), checked before anything is sent. */
      expectedChainId?: bigint;
      /** TronGrid's API key (TRON_PRO_API_KEY), sent as the TRON-PRO-API-KEY header. */
      apiKey?: string;
    };

export type TargetOptions = { rpc?: string; tron?: string; network?: string };

/**
 * Resolves the node. Flags win over the environment:
 *   --tron URL                         TRON at URL
 *   --rpc URL                          EVM JSON-RPC at URL
 *   --network development|shasta|nile|mainnet   TRON at that network's host (TRONBOX_<NAME>_URL overrides)
 *   SEEDPAY_TRON / SEEDPAY_RPC         the same as the flags
 *   nothing                            EVM at http://127.0.0.1:8545 (`seedpay node`)
 * The network name also names the deployment file; it defaults to `development` on TRON and
 * `localhost` on EVM.
 */
export function resolveTarget(options: TargetOptions, env: Record<string, string | undefined>): ChainTarget {
  if (options.tron !== undefined && options.rpc !== undefined) {
    throw new CliUsageError("--tron and --rpc both name a node: pass one", {
      metaMessages: ["--tron URL for a TRON node (TronWeb's fullHost), --rpc URL for an EVM JSON-RPC node."],
    });
  }
  const network = options.network ?? env.SEEDPAY_NETWORK;
  const tron = (url: string | undefined): ChainTarget => {
    const name = network ?? DEFAULT_TRON_NETWORK;
    const known = isTronNetwork(name) ? TRON_NETWORKS[name] : undefined;
    const host = url ?? env[`TRONBOX_${name.toUpperCase()}_URL`] ?? known?.host ?? TRON_NETWORKS.development.host;
    return {
      kind: "tron",
      url: host,
      network: name,
      expectedChainId: known?.chainId,
      apiKey: env.TRON_PRO_API_KEY || undefined,
    };
  };
  const evm = (url: string | undefined): ChainTarget => ({
    kind: "evm",
    url: url ?? DEFAULT_RPC,
    network: network ?? DEFAULT_EVM_NETWORK,
  });
  if (options.tron !== undefined) return tron(options.tron);
  if (options.rpc !== undefined) return evm(options.rpc);
  if (isTronNetwork(options.network)) return tron(env.SEEDPAY_TRON);
  if (env.SEEDPAY_TRON && env.SEEDPAY_RPC) {
    throw new CliUsageError("SEEDPAY_TRON and SEEDPAY_RPC are both set: unset one, or pass --tron / --rpc");
  }
  if (env.SEEDPAY_TRON) return tron(env.SEEDPAY_TRON);
  if (env.SEEDPAY_RPC) return evm(env.SEEDPAY_RPC);
  if (isTronNetwork(network)) return tron(undefined);
  return evm(undefined);
}
