import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../package/packageRoot";
import { normalizeAddress } from "../voucher/normalizeAddress";
import { CliUsageError } from "./errors";

/** The package root (the repository in a checkout): artifacts are found from here, whatever the cwd. */
export const REPO_ROOT = PACKAGE_ROOT;

/**
 * deployments/<network>.json, as every writer writes it: `seedpay deploy` (EVM and TRON), TronBox's
 * migration and scripts/deploy.ts (both through scripts/tronbox-deployments.js). deployments/README.md
 * documents it.
 */
export type DeploymentFile = {
  network: string;
  /** The chain id; on TRON the low 4 bytes of the genesis block id. */
  chainId: number;
  /** The account that sent the deployment transactions (T… on TRON, 0x on EVM). */
  deployer: string;
  contracts: { token: DeploymentContract; escrow: DeploymentContract; bond?: DeploymentContract };
  compiler: { version: string; settings: Record<string, unknown> };
  deployedAt: string;
};

/** One contract of a DeploymentFile. */
export type DeploymentContract = {
  /** base58 T… on TRON, EIP-55 0x on EVM. */
  address: string;
  /** TRON only: the `41…` hex form TRON's HTTP API takes. */
  hex?: string;
  /** The deployment transaction (TRON txID, EVM 0x hash); null for a contract deployed elsewhere (BTT, --token). */
  txId: string | null;
  /** The block of the deployment transaction; null when txId is. */
  block: number | null;
  /** keccak256 of the runtime code read back from the chain (immutables included). */
  codeHash: string;
  /** Addresses as the chain shows them, numbers as numbers. */
  constructorArgs: unknown[];
};

/**
 * A deployment as the CLI uses it, read from either file shape: the one above or the one
 * `seedpay deploy` wrote before it (`escrow`/`token`/`bond` at the top). Addresses as 0x-hex.
 */
export type DeploymentRecord = {
  network: string;
  chainId: string;
  deployer: string;
  deployedAt: string;
  escrow: DeployedContract & { minDisputeWindow: number; maxDisputeWindow: number };
  token: Partial<DeployedContract> & { address: string; testToken: boolean };
  /** The StorageBond for the same token (absent in files written before it existed). */
  bond?: DeployedContract;
  compiler: { version: string; settings: Record<string, unknown> };
};

export type DeployedContract = {
  address: string;
  txHash: string;
  blockNumber: number;
  /** keccak256 of the runtime code read back from the chain (immutables included). */
  codeHash: string;
};

export function deploymentFile(dir: string, network: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(network)) {
    throw new CliUsageError(`--network ${JSON.stringify(network)}: use letters, digits, '.', '_' or '-'`);
  }
  return path.join(dir, `${network}.json`);
}

export function readDeployment(file: string): DeploymentRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as DeploymentRecord | DeploymentFile;
    return "contracts" in raw ? fromDeploymentFile(raw) : raw;
  } catch (error) {
    throw new CliUsageError(`${file} is not valid JSON: ${(error as Error).message}`, {
      metaMessages: ["Fix or delete it, then deploy again (seedpay deploy)."],
    });
  }
}

/** Writes a deployment file whole or not at all (a crash mid-write must not leave half a record). */
export function writeDeployment(file: string, record: DeploymentFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, file);
}

type Artifact = { abi: unknown[]; bytecode: string; sourceName: string; contractName: string };

/**
 * What an installed package ships for a contract (dist/contracts/<name>.json, written by
 * scripts/build-package.js from Hardhat's artifacts at build time).
 */
type ShippedArtifact = Artifact & { compiler: DeploymentRecord["compiler"] };

/**
 * A compiled contract: Hardhat's artifacts/ in a checkout (the bytecode the tests ran), else the
 * copy the package ships (the same bytecode, compared by test/package/artifacts.test.ts).
 */
export function readArtifact(sourceName: string, contractName: string): Artifact {
  const compiled = path.join(REPO_ROOT, "artifacts", sourceName, `${contractName}.json`);
  if (existsSync(compiled)) return JSON.parse(readFileSync(compiled, "utf8")) as Artifact;
  return readShipped(compiled, contractName);
}

/** The compiler version and settings a contract was built with, from its build-info. */
export function readCompilerSettings(sourceName: string, contractName: string): DeploymentRecord["compiler"] {
  const dir = path.join(REPO_ROOT, "artifacts", sourceName);
  const debugFile = path.join(dir, `${contractName}.dbg.json`);
  if (!existsSync(debugFile)) return readShipped(path.join(dir, `${contractName}.json`), contractName).compiler;
  const debug = JSON.parse(readFileSync(debugFile, "utf8")) as { buildInfo: string };
  const buildInfo = JSON.parse(readFileSync(path.resolve(dir, debug.buildInfo), "utf8")) as {
    solcLongVersion: string;
    input: { settings: Record<string, unknown> };
  };
  // outputSelection says what Hardhat asked the compiler to emit; it does not change the bytecode.
  const { outputSelection: _ignored, ...settings } = buildInfo.input.settings;
  return { version: buildInfo.solcLongVersion, settings };
}

function readShipped(compiled: string, contractName: string): ShippedArtifact {
  const shipped = path.join(REPO_ROOT, "dist", "contracts", `${contractName}.json`);
  if (!existsSync(shipped)) {
    throw new CliUsageError(`no compiled ${contractName} in ${path.relative(process.cwd(), compiled) || compiled}`, {
      metaMessages: [
        `In a checkout, compile the contracts first: (cd ${REPO_ROOT} && npx hardhat compile)`,
        `In an install, ${shipped} is missing: reinstall seedpay.`,
      ],
    });
  }
  return JSON.parse(readFileSync(shipped, "utf8")) as ShippedArtifact;
}

/**
 * The file an EVM deployment (deployContracts) is written as: the DeploymentFile shape, with the
 * constructor arguments TronBox's migration records (test token: name and symbol; escrow: token
 * and dispute-window bounds; bond: token).
 */
export function toDeploymentFile(r: DeploymentRecord, testTokenArgs: string[]): DeploymentFile {
  const contract = (c: Partial<DeployedContract> & { address: string }, constructorArgs: unknown[]) => ({
    address: c.address,
    txId: c.txHash || null,
    block: c.txHash ? (c.blockNumber ?? null) : null,
    codeHash: c.codeHash ?? "",
    constructorArgs,
  });
  const token = r.token.address;
  return {
    network: r.network,
    chainId: Number(r.chainId),
    deployer: r.deployer,
    contracts: {
      token: contract(r.token, r.token.testToken ? testTokenArgs : []),
      escrow: contract(r.escrow, [token, r.escrow.minDisputeWindow, r.escrow.maxDisputeWindow]),
      ...(r.bond ? { bond: contract(r.bond, [token]) } : {}),
    },
    compiler: r.compiler,
    deployedAt: r.deployedAt,
  };
}

/** The CLI's view of a DeploymentFile (addresses as 0x-hex). */
function fromDeploymentFile(r: DeploymentFile): DeploymentRecord {
  const contract = (c: DeploymentContract): DeployedContract => ({
    address: normalizeAddress(c.address),
    txHash: c.txId ? `0x${c.txId.replace(/^0x/, "")}` : "",
    blockNumber: c.block ?? 0,
    codeHash: c.codeHash,
  });
  // The escrow's constructor is (token, minDisputeWindow, maxDisputeWindow).
  const [, min, max] = r.contracts.escrow.constructorArgs ?? [];
  return {
    network: r.network,
    chainId: String(r.chainId),
    deployer: r.deployer,
    deployedAt: r.deployedAt,
    escrow: {
      ...contract(r.contracts.escrow),
      minDisputeWindow: Number(min ?? 3600),
      maxDisputeWindow: Number(max ?? 2592000),
    },
    // A token deployed by the deployment itself is always the test token; BTT or --token has no txId.
    token: { ...contract(r.contracts.token), testToken: r.contracts.token.txId !== null },
    bond: r.contracts.bond ? contract(r.contracts.bond) : undefined,
    compiler: r.compiler,
  };
}
