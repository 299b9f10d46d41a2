/*
 * Deploys seedpay's ChannelEscrow and StorageBond, and on development/testnets a test BTT
 * token, then records everything in deployments/<network>.json (SEEDPAY_DEPLOYMENTS_DIR
 * overrides the directory). Run: `tronbox migrate --network shasta` (see docs/deploy.md).
 *
 * There is no Migrations contract (TronBox 4 does not need one), so every `tronbox migrate`
 * runs this file. To avoid an accidental second deployment it stops when
 * deployments/<network>.json already names an escrow that has code on that chain; pass
 * `--reset` or set SEEDPAY_REDEPLOY=1 to deploy again.
 *
 * Environment: SEEDPAY_TOKEN=<T... address> uses an existing TRC-20 instead of deploying the
 * test token (mainnet always uses BTT, TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4).
 */
/* global artifacts, tronWeb */
const {
  CHAIN_IDS,
  MAINNET_BTT,
  MIN_DISPUTE_WINDOW,
  MAX_DISPUTE_WINDOW,
  TEST_TOKEN_ARGS,
  COMPILER,
  readDeployment,
  writeDeployment,
  readChainId,
  contractRecord,
} = require("../scripts/tronbox-deployments");

const TestToken = artifacts.require("TestToken");
const ChannelEscrow = artifacts.require("ChannelEscrow");
const StorageBond = artifacts.require("StorageBond");

async function alreadyDeployed(deployer, network) {
  const migrateOptions = (deployer.options && deployer.options.options) || {};
  const reset = migrateOptions.reset === true || process.argv.includes("--reset");
  if (reset || process.env.SEEDPAY_REDEPLOY === "1") return undefined;
  const previous = readDeployment(network);
  const escrow = previous && previous.contracts && previous.contracts.escrow;
  if (!escrow) return undefined;
  try {
    const code = await tronWeb.trx.getContract(escrow.hex);
    return code && code.bytecode ? escrow : undefined;
  } catch {
    return undefined;
  }
}

module.exports = async function (deployer, network) {
  // TronBox may suffix a network name ("development-fork"); the record keeps the base name.
  const name = Object.keys(CHAIN_IDS).find((n) => network === n || network.startsWith(`${n}-`)) || network;

  const existing = await alreadyDeployed(deployer, name);
  if (existing) {
    console.log(`  seedpay is already deployed on ${name}: escrow ${existing.address}. Pass --reset to deploy again.`);
    return;
  }

  const chainId = await readChainId(tronWeb);
  if (CHAIN_IDS[name] !== undefined && name !== "development" && chainId !== CHAIN_IDS[name]) {
    throw new Error(
      `network ${name} should have chain id ${CHAIN_IDS[name]} but the node at its fullHost reports ${chainId}`,
    );
  }

  const contracts = {};
  let token;
  if (name === "mainnet") {
    token = { address: MAINNET_BTT, txId: null, constructorArgs: [] };
  } else if (process.env.SEEDPAY_TOKEN) {
    token = { address: process.env.SEEDPAY_TOKEN, txId: null, constructorArgs: [] };
  } else {
    await deployer.deploy(TestToken, ...TEST_TOKEN_ARGS);
    token = { address: TestToken.address, txId: TestToken.transactionHash, constructorArgs: TEST_TOKEN_ARGS };
  }
  contracts.token = await contractRecord(tronWeb, token);

  const escrowArgs = [contracts.token.hex, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW];
  await deployer.deploy(ChannelEscrow, ...escrowArgs);
  contracts.escrow = await contractRecord(tronWeb, {
    address: ChannelEscrow.address,
    txId: ChannelEscrow.transactionHash,
    constructorArgs: [contracts.token.address, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW],
  });

  await deployer.deploy(StorageBond, contracts.token.hex);
  contracts.bond = await contractRecord(tronWeb, {
    address: StorageBond.address,
    txId: StorageBond.transactionHash,
    constructorArgs: [contracts.token.address],
  });

  // The voucher domain must carry this chain's id: a wrong one would only show as failed claims.
  const escrow = await tronWeb.contract(ChannelEscrow.abi, contracts.escrow.hex);
  const domain = await escrow.eip712Domain().call();
  const domainChainId = Number(domain.chainId !== undefined ? domain.chainId : domain[3]);
  if (domainChainId !== chainId) {
    throw new Error(`escrow eip712Domain().chainId is ${domainChainId}, the chain's id is ${chainId}`);
  }
  const onChainToken = tronWeb.address.fromHex(
    "41" +
      String(await escrow.token().call())
        .replace(/^(0x|41)/, "")
        .slice(-40),
  );
  if (onChainToken !== contracts.token.address) {
    throw new Error(`escrow token() is ${onChainToken}, expected ${contracts.token.address}`);
  }

  const file = writeDeployment({
    network: name,
    chainId,
    deployer: tronWeb.defaultAddress.base58,
    contracts,
    compiler: COMPILER,
    deployedAt: new Date().toISOString(),
  });
  console.log(`  wrote ${file}`);
};
