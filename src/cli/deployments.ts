import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { normalizeAddress } from "../voucher/normalizeAddress";
import { CliUsageError } from "./errors";

/** The repository root: artifacts and the Hardhat config are found from here, whatever the cwd. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** What `seedpay deploy` writes to deployments/<network>.json. */
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
    const raw = JSON.parse(readFileSync(file, "utf8")) as DeploymentRecord | TronDeploymentRecord;
    return "contracts" in raw ? fromTronRecord(raw) : raw;
  } catch (error) {
    throw new CliUsageError(`${file} is not valid JSON: ${(error as Error).message}`, {
      metaMessages: ["Fix or delete it, then deploy again (seedpay deploy)."],
    });
  }
}

export function writeDeployment(file: string, record: DeploymentRecord): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

type Artifact = { abi: unknown[]; bytecode: string; sourceName: string; contractName: string };

/** A compiled contract from Hardhat's artifacts/ (the bytecode the tests ran). */
export function readArtifact(sourceName: string, contractName: string): Artifact {
  const file = path.join(REPO_ROOT, "artifacts", sourceName, `${contractName}.json`);
  if (!existsSync(file)) {
    throw new CliUsageError(`no compiled ${contractName} in ${path.relative(process.cwd(), file) || file}`, {
      metaMessages: [`Compile the contracts first: (cd ${REPO_ROOT} && npx hardhat compile)`],
    });
  }
  return JSON.parse(readFileSync(file, "utf8")) as Artifact;
}

/** The compiler version and settings a contract was built with, from its build-info. */
export function readCompilerSettings(sourceName: string, contractName: string): DeploymentRecord["compiler"] {
  const dir = path.join(REPO_ROOT, "artifacts", sourceName);
  const debug = JSON.parse(readFileSync(path.join(dir, `${contractName}.dbg.json`), "utf8")) as { buildInfo: string };
  const buildInfo = JSON.parse(readFileSync(path.resolve(dir, debug.buildInfo), "utf8")) as {
    solcLongVersion: string;
    input: { settings: Record<string, unknown> };
  };
  // outputSelection says what Hardhat asked the compiler to emit; it does not change the bytecode.
  const { outputSelection: _ignored, ...settings } = buildInfo.input.settings;
  return { version: buildInfo.solcLongVersion, settings };
}

/** The format TronBox's migration and scripts/deploy.ts write (see deployments/README.md). */
type TronDeployedContract = { address: string; txId: string | null; block: number; codeHash: string };
type TronDeploymentRecord = {
  network: string;
  chainId: number;
  deployer: string;
  deployedAt: string;
  contracts: { token: TronDeployedContract; escrow: TronDeployedContract; bond?: TronDeployedContract };
  compiler: { version: string; settings: Record<string, unknown> };
};

/** Reads a TRON deployment record in this CLI's shape (addresses as 0x-hex). */
function fromTronRecord(r: TronDeploymentRecord): DeploymentRecord {
  const contract = (c: TronDeployedContract): DeployedContract => ({
    address: normalizeAddress(c.address),
    txHash: c.txId ? `0x${c.txId.replace(/^0x/, "")}` : "",
    blockNumber: c.block,
    codeHash: c.codeHash,
  });
  return {
    network: r.network,
    chainId: String(r.chainId),
    deployer: r.deployer,
    deployedAt: r.deployedAt,
    escrow: { ...contract(r.contracts.escrow), minDisputeWindow: 3600, maxDisputeWindow: 2592000 },
    token: { ...contract(r.contracts.token), testToken: r.contracts.token.txId !== null },
    bond: r.contracts.bond ? contract(r.contracts.bond) : undefined,
    compiler: r.compiler,
  };
}
