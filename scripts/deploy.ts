/**
 * Deploys seedpay (test token on development/testnets, ChannelEscrow, StorageBond) with TronWeb,
 * for users who prefer it to TronBox. See docs/deploy.md.
 *
 *   npx ts-node --transpile-only scripts/deploy.ts --network shasta|nile|mainnet|development
 *       [--dry-run] [--offline] [--token T...] [--fee-limit SUN] [--url URL]
 *
 * Keys come only from the environment: PRIVATE_KEY_SHASTA, PRIVATE_KEY_NILE, PRIVATE_KEY_MAINNET,
 * PRIVATE_KEY_DEVELOPMENT (development defaults to the devnode's public account 0). Endpoints and
 * default fee limits are tronbox.js's (TRONBOX_<NETWORK>_URL overrides; --url wins).
 *
 * --dry-run builds and signs every deployment transaction without broadcasting and prints the
 * energy (measured by deploying the same bytecode on an in-process devnode: java-tron's energy
 * table over a Hardhat EVM), the fee limit and the cost in TRX. It asks the network's node for a
 * reference block and the energy price when the node answers within 3 s (never with --offline);
 * otherwise it says so and signs with a placeholder reference block and 100 sun/energy.
 * Without the network's key a dry run signs with a throwaway key.
 *
 * A real deploy checks the node's chain id first, broadcasts, waits for each transaction, reads
 * back the code hash, escrow.token() and the escrow's TIP-712 domain, compares the domain
 * separator with the library's escrowDomainSeparator for the network's chain id (any mismatch
 * fails loudly), and writes deployments/<network>.json (SEEDPAY_DEPLOYMENTS_DIR overrides).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AbiCoder, keccak256, toUtf8Bytes, Wallet } from "ethers";
import { TronWeb } from "tronweb";
import { startDevnode } from "../src/devnode";
import { escrowDomainSeparator } from "../src/voucher/escrowDomainSeparator";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const D = require("./tronbox-deployments.js") as {
  CHAIN_IDS: Record<Network, number>;
  MAINNET_BTT: string;
  MIN_DISPUTE_WINDOW: number;
  MAX_DISPUTE_WINDOW: number;
  TEST_TOKEN_ARGS: string[];
  COMPILER: unknown;
  writeDeployment(record: unknown): string;
  readChainId(tw: TronWeb): Promise<number>;
  waitForTransactionInfo(tw: TronWeb, txId: string): Promise<any>;
  contractRecord(tw: TronWeb, c: { address: string; txId: string | null; constructorArgs: unknown[] }): Promise<any>;
  stripMetadata(hex: string): string;
};
const tronboxConfig = require("../tronbox.js") as {
  networks: Record<Network, { fullHost: string; feeLimit: number; privateKey?: string; originEnergyLimit: number }>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

type Network = "development" | "shasta" | "nile" | "mainnet";
const NETWORKS: Network[] = ["development", "shasta", "nile", "mainnet"];
const SUN_PER_TRX = 1_000_000;
/** TRON's maximum fee limit (getMaxFeeLimit): 15,000 TRX. */
const MAX_FEE_LIMIT = 15_000 * SUN_PER_TRX;
const DEFAULT_ENERGY_PRICE = 100;
const EIP712_DOMAIN_TYPEHASH = keccak256(
  toUtf8Bytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);

interface Artifact {
  abi: any[];
  bytecode: string;
  deployedBytecode: string;
}
interface BlockHeader {
  ref_block_bytes: string;
  ref_block_hash: string;
  expiration: number;
  timestamp: number;
}
interface Options {
  network: Network;
  dryRun: boolean;
  offline: boolean;
  token?: string;
  feeLimit?: number;
  url: string;
}

class DeployError extends Error {}

function parseArgs(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (!v || v.startsWith("--")) throw new DeployError(`${flag} needs a value`);
    return v;
  };
  const network = value("--network") as Network | undefined;
  if (!network || !NETWORKS.includes(network)) {
    throw new DeployError(`--network must be one of ${NETWORKS.join(", ")}`);
  }
  const feeLimit = value("--fee-limit");
  return {
    network,
    dryRun: argv.includes("--dry-run"),
    offline: argv.includes("--offline"),
    token: value("--token"),
    feeLimit: feeLimit === undefined ? undefined : Number(feeLimit),
    url: value("--url") ?? tronboxConfig.networks[network].fullHost,
  };
}

function artifact(path: string): Artifact {
  const file = join(__dirname, "..", "artifacts", "contracts", path);
  if (!existsSync(file)) throw new DeployError(`${file} is missing: run \`npx hardhat compile\` first`);
  return JSON.parse(readFileSync(file, "utf8")) as Artifact;
}

/** java-tron's answer to getnowblock within `ms`, or the reason there is none. */
async function probe(url: string, ms = 3000): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const res = await fetch(`${url.replace(/\/$/, "")}/wallet/getnowblock`, {
      method: "POST",
      signal: AbortSignal.timeout(ms),
    });
    if (!res.ok) return { ok: false, reason: `HTTP ${res.status}` };
    const block = (await res.json()) as { blockID?: string };
    return block.blockID ? { ok: true } : { ok: false, reason: "no block in the answer" };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { ok: false, reason: e.cause?.code ?? e.cause?.message ?? e.message };
  }
}

async function energyPriceOf(tw: TronWeb): Promise<number> {
  const params = await tw.trx.getChainParameters();
  const fee = params.find((p: { key: string; value?: number }) => p.key === "getEnergyFee");
  return fee?.value ?? DEFAULT_ENERGY_PRICE;
}

async function blockHeaderOf(tw: TronWeb): Promise<BlockHeader> {
  const block = await tw.trx.getCurrentBlock();
  const num = BigInt(block.block_header.raw_data.number);
  return {
    ref_block_bytes: (num & 0xffffn).toString(16).padStart(4, "0"),
    ref_block_hash: block.blockID.slice(16, 32),
    expiration: block.block_header.raw_data.timestamp + 60_000,
    timestamp: block.block_header.raw_data.timestamp,
  };
}

/** Builds (locally when a block header is given) and signs a CreateSmartContract transaction. */
async function buildDeployment(
  tw: TronWeb,
  key: string,
  art: Artifact,
  parameters: unknown[],
  feeLimit: number,
  blockHeader?: BlockHeader,
): Promise<any> {
  const owner = tw.address.fromPrivateKey(key) as string;
  const tx = await tw.transactionBuilder.createSmartContract(
    {
      abi: art.abi as never,
      bytecode: art.bytecode,
      parameters,
      feeLimit,
      userFeePercentage: 100,
      originEnergyLimit: tronboxConfig.networks.development.originEnergyLimit,
      ...(blockHeader ? { blockHeader } : {}),
    } as never,
    owner,
  );
  return tw.trx.sign(tx as never, key);
}

async function broadcast(tw: TronWeb, signed: any, name: string): Promise<any> {
  const result = (await tw.trx.sendRawTransaction(signed)) as any;
  if (!result?.result) {
    const message = result?.message ? Buffer.from(result.message, "hex").toString() : JSON.stringify(result);
    throw new DeployError(`broadcasting ${name} failed: ${result?.code ?? ""} ${message}`);
  }
  return D.waitForTransactionInfo(tw, signed.txID);
}

interface Estimate {
  token?: number;
  escrow: number;
  bond: number;
}

/**
 * Energy of each deployment, measured by deploying the same bytecode with the same arguments on
 * an in-process devnode (the estimator java-tron's table defines; see docs/devnode.md).
 * Deployment energy does not depend on the target chain's state.
 */
async function estimateEnergy(chainId: number, token: string | undefined): Promise<Estimate> {
  const node = await startDevnode({ port: 0, chainId, accounts: 1 });
  try {
    const key = node.accounts[0].privateKey;
    const tw = new TronWeb({ fullHost: node.url, privateKey: key });
    const run = async (art: Artifact, params: unknown[]) => {
      const signed = await buildDeployment(tw, key, art, params, MAX_FEE_LIMIT);
      const info = await broadcast(tw, signed, "estimate");
      return { energy: Number(info.receipt.energy_usage_total), address: signed.contract_address as string };
    };
    const out: Partial<Estimate> = {};
    let tokenHex = token ? tw.address.toHex(token) : undefined;
    if (!tokenHex) {
      const t = await run(TOKEN(), D.TEST_TOKEN_ARGS);
      out.token = t.energy;
      tokenHex = t.address;
    }
    out.escrow = (await run(ESCROW(), [tokenHex, D.MIN_DISPUTE_WINDOW, D.MAX_DISPUTE_WINDOW])).energy;
    out.bond = (await run(BOND(), [tokenHex])).energy;
    return out as Estimate;
  } finally {
    await node.close();
  }
}

const TOKEN = () => artifact("test/TestToken.sol/TestToken.json");
const ESCROW = () => artifact("ChannelEscrow.sol/ChannelEscrow.json");
const BOND = () => artifact("StorageBond.sol/StorageBond.json");

/** Sun burnt per byte of bandwidth not covered by free or staked bandwidth (getTransactionFee). */
const SUN_PER_BYTE = 1000;

const trx = (sun: number): string => (sun / SUN_PER_TRX).toLocaleString("en-US", { maximumFractionDigits: 6 });

/** Fee limit for a transaction: the estimate plus 20 %, rounded up to whole TRX, within TRON's maximum. */
function feeLimitFor(energy: number, price: number, override?: number): number {
  if (override !== undefined) return override;
  const sun = Math.ceil((energy * price * 1.2) / SUN_PER_TRX) * SUN_PER_TRX;
  return Math.min(MAX_FEE_LIMIT, sun);
}

function keyFor(network: Network, dryRun: boolean): { key: string; source: string } {
  const name = `PRIVATE_KEY_${network.toUpperCase()}`;
  const fromEnv = process.env[name]?.replace(/^0x/, "");
  if (fromEnv) return { key: fromEnv, source: name };
  if (network === "development") {
    return { key: tronboxConfig.networks.development.privateKey as string, source: "the devnode's account 0" };
  }
  if (dryRun)
    return {
      key: Wallet.createRandom().privateKey.slice(2),
      source: `nowhere: ${name} is not set, signing with a throwaway key`,
    };
  throw new DeployError(`${name} is not set: export the deployer's private key (64 hex digits) first`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const expectedChainId = D.CHAIN_IDS[opts.network];
  const { key, source } = keyFor(opts.network, opts.dryRun);
  const tw = new TronWeb({ fullHost: opts.url, privateKey: key });
  const owner = tw.address.fromPrivateKey(key) as string;
  const tokenGiven = opts.network === "mainnet" ? (opts.token ?? D.MAINNET_BTT) : opts.token;
  if (tokenGiven && !tw.isAddress(tokenGiven)) throw new DeployError(`--token ${tokenGiven} is not a TRON address`);

  const reach = opts.offline ? ({ ok: false, reason: "--offline" } as const) : await probe(opts.url);
  if (!opts.dryRun && !reach.ok) {
    throw new DeployError(`cannot reach ${opts.network}'s node at ${opts.url} (${reach.reason}); nothing was sent`);
  }
  let chainId = expectedChainId;
  let energyPrice = DEFAULT_ENERGY_PRICE;
  let blockHeader: BlockHeader;
  if (reach.ok) {
    chainId = await D.readChainId(tw);
    if (chainId !== expectedChainId) {
      throw new DeployError(
        `chain id mismatch: ${opts.network} is ${expectedChainId}, but the node at ${opts.url} reports ${chainId} ` +
          `(low 4 bytes of its genesis block id). Wrong --network or --url? Nothing was sent.`,
      );
    }
    energyPrice = await energyPriceOf(tw);
    blockHeader = await blockHeaderOf(tw);
  } else {
    const now = Date.now();
    blockHeader = {
      ref_block_bytes: "0000",
      ref_block_hash: "0000000000000000",
      expiration: now + 60_000,
      timestamp: now,
    };
  }

  console.log(`seedpay deploy: ${opts.network} (chain id ${expectedChainId})${opts.dryRun ? ", DRY RUN" : ""}`);
  console.log(`  node:     ${opts.url} ${reach.ok ? "(reachable)" : `(not contacted: ${reach.reason})`}`);
  console.log(`  deployer: ${owner} (key from ${source})`);
  console.log(
    `  token:    ${tokenGiven ?? `TestToken("${D.TEST_TOKEN_ARGS.join('", "')}"), deployed first`}` +
      (opts.network === "mainnet" && !opts.token ? " (BTT TRC-20)" : ""),
  );
  console.log(`  energy:   ${energyPrice} sun per energy ${reach.ok ? "(getEnergyFee from the node)" : "(default)"}`);

  const estimate = await estimateEnergy(expectedChainId, tokenGiven);

  if (opts.dryRun) {
    // Build and sign the whole sequence offline; the escrow and bond point at the predicted token address.
    const rows: { name: string; energy: number; feeLimit: number; signed: any }[] = [];
    let tokenHex = tokenGiven ? tw.address.toHex(tokenGiven) : undefined;
    if (estimate.token !== undefined) {
      const feeLimit = feeLimitFor(estimate.token, energyPrice, opts.feeLimit);
      const signed = await buildDeployment(tw, key, TOKEN(), D.TEST_TOKEN_ARGS, feeLimit, blockHeader);
      tokenHex = signed.contract_address;
      rows.push({ name: "TestToken", energy: estimate.token, feeLimit, signed });
    }
    const escrowFee = feeLimitFor(estimate.escrow, energyPrice, opts.feeLimit);
    const escrowArgs = [tokenHex, D.MIN_DISPUTE_WINDOW, D.MAX_DISPUTE_WINDOW];
    rows.push({
      name: "ChannelEscrow",
      energy: estimate.escrow,
      feeLimit: escrowFee,
      signed: await buildDeployment(tw, key, ESCROW(), escrowArgs, escrowFee, blockHeader),
    });
    const bondFee = feeLimitFor(estimate.bond, energyPrice, opts.feeLimit);
    rows.push({
      name: "StorageBond",
      energy: estimate.bond,
      feeLimit: bondFee,
      signed: await buildDeployment(tw, key, BOND(), [tokenHex], bondFee, blockHeader),
    });
    console.log("");
    console.log(
      "  contract        energy   energy (TRX)   bandwidth (bytes)   bandwidth (TRX)   fee limit (TRX)   txID / address",
    );
    let energyTotal = 0;
    let bandwidthTotal = 0;
    for (const r of rows) {
      const cost = r.energy * energyPrice;
      energyTotal += cost;
      // java-tron's bandwidth: the signed transaction (raw data, one 65-byte signature and their
      // protobuf framing) plus 64 bytes reserved for its result. A deployment is far above the
      // 600 free bytes a day, so every byte burns getTransactionFee sun unless bandwidth is staked.
      const bytes = r.signed.raw_data_hex.length / 2 + 3 + 67 + 64;
      const bandwidthSun = bytes * SUN_PER_BYTE;
      bandwidthTotal += bandwidthSun;
      console.log(
        `  ${r.name.padEnd(14)}${r.energy.toLocaleString("en-US").padStart(10)}${trx(cost).padStart(15)}` +
          `${bytes.toLocaleString("en-US").padStart(20)}${trx(bandwidthSun).padStart(18)}` +
          `${trx(r.feeLimit).padStart(18)}   ${r.signed.txID}`,
      );
      console.log(`  ${"".padEnd(98)}${tw.address.fromHex(r.signed.contract_address)}`);
    }
    console.log(
      `  total cost: ${trx(energyTotal + bandwidthTotal)} TRX burnt: ${trx(energyTotal)} for energy and ` +
        `${trx(bandwidthTotal)} for bandwidth (${SUN_PER_BYTE} sun a byte; none staked)`,
    );
    console.log(
      reach.ok
        ? "  signed against the node's current block; NOT broadcast (dry run)."
        : "  signed offline with a placeholder reference block (the node was not contacted); NOT broadcast (dry run).",
    );
    return;
  }

  // Real deployment.
  const contracts: Record<string, any> = {};
  const deploy = async (name: string, art: Artifact, params: unknown[], energy: number, recordArgs: unknown[]) => {
    const feeLimit = feeLimitFor(energy, energyPrice, opts.feeLimit);
    const signed = await buildDeployment(tw, key, art, params, feeLimit);
    console.log(`  ${name}: broadcasting ${signed.txID} (fee limit ${trx(feeLimit)} TRX)`);
    await broadcast(tw, signed, name);
    const record = await D.contractRecord(tw, {
      address: signed.contract_address,
      txId: signed.txID,
      constructorArgs: recordArgs,
    });
    const onChain = await tw.trx.getContract(record.hex);
    if (D.stripMetadata(onChain.bytecode).length !== D.stripMetadata(art.deployedBytecode).length) {
      throw new DeployError(`${name} at ${record.address}: the runtime code on chain is not the compiled one`);
    }
    console.log(`  ${name}: ${record.address} in block ${record.block}, code hash ${record.codeHash}`);
    return record;
  };

  if (tokenGiven) {
    contracts.token = await D.contractRecord(tw, { address: tokenGiven, txId: null, constructorArgs: [] });
  } else {
    contracts.token = await deploy("TestToken", TOKEN(), D.TEST_TOKEN_ARGS, estimate.token!, D.TEST_TOKEN_ARGS);
  }
  contracts.escrow = await deploy(
    "ChannelEscrow",
    ESCROW(),
    [contracts.token.hex, D.MIN_DISPUTE_WINDOW, D.MAX_DISPUTE_WINDOW],
    estimate.escrow,
    [contracts.token.address, D.MIN_DISPUTE_WINDOW, D.MAX_DISPUTE_WINDOW],
  );
  contracts.bond = await deploy("StorageBond", BOND(), [contracts.token.hex], estimate.bond, [contracts.token.address]);

  await verify(tw, contracts, expectedChainId);
  const file = D.writeDeployment({
    network: opts.network,
    chainId,
    deployer: owner,
    contracts,
    compiler: D.COMPILER,
    deployedAt: new Date().toISOString(),
  });
  console.log(`  wrote ${file}`);
}

/** Reads the deployment back and checks it against what the library computes for the network. */
async function verify(tw: TronWeb, contracts: Record<string, any>, expectedChainId: number): Promise<void> {
  const escrow = tw.contract(ESCROW().abi as never, contracts.escrow.address);
  const bond = tw.contract(BOND().abi as never, contracts.bond.address);
  const fail = (what: string) => {
    throw new DeployError(`verification failed: ${what}`);
  };
  const escrowToken = tw.address.fromHex(await escrow.token().call());
  if (escrowToken !== contracts.token.address) fail(`escrow.token() is ${escrowToken}, not ${contracts.token.address}`);
  const bondToken = tw.address.fromHex(await bond.token().call());
  if (bondToken !== contracts.token.address) fail(`bond.token() is ${bondToken}, not ${contracts.token.address}`);

  const d = await escrow.eip712Domain().call();
  const domainChainId = BigInt(d.chainId);
  if (domainChainId !== BigInt(expectedChainId)) {
    fail(`eip712Domain().chainId is ${domainChainId}, the network's chain id is ${expectedChainId}`);
  }
  const verifying = `0x${tw.address.toHex(d.verifyingContract).slice(2)}`;
  if (tw.address.fromHex(d.verifyingContract) !== contracts.escrow.address) {
    fail(`eip712Domain().verifyingContract is ${tw.address.fromHex(d.verifyingContract)}`);
  }
  const onChain = keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "bytes32", "uint256", "address"],
      [
        EIP712_DOMAIN_TYPEHASH,
        keccak256(toUtf8Bytes(d.name)),
        keccak256(toUtf8Bytes(d.version)),
        domainChainId,
        verifying,
      ],
    ),
  );
  const expected = escrowDomainSeparator({ chainId: expectedChainId, escrow: contracts.escrow.address });
  if (onChain !== expected) {
    fail(`the escrow's domain separator ${onChain} is not the library's ${expected} for chain ${expectedChainId}`);
  }
  console.log(`  verified: token() = ${escrowToken}, TIP-712 domain "${d.name}" v${d.version} chain ${domainChainId}`);
  console.log(`  domain separator ${expected} (matches the library's escrowDomainSeparator)`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof DeployError ? `deploy: ${err.message}` : err);
    process.exit(1);
  },
);
