import { Contract, ContractFactory, keccak256, type Signer } from "ethers";
import { readArtifact, readCompilerSettings, type DeployedContract, type DeploymentRecord } from "./deployments";
import type { TxLog } from "./progressChain";

export type DeployContractsParameters = {
  /** Pays for the deployments; must be connected to a provider. */
  deployer: Signer;
  /** An existing token to escrow; when absent a fresh TestToken is deployed. */
  token?: string;
  minDisputeWindow: number;
  maxDisputeWindow: number;
  network: string;
  txs: TxLog;
};

/** The test token's constructor arguments (scripts/tronbox-deployments.js's TEST_TOKEN_ARGS). */
export const TEST_TOKEN_ARGS = ["Test BTT", "tBTT"];

/**
 * Deploys the ChannelEscrow and the StorageBond (and a TestToken when no token is given) from the
 * compiled artifacts on an EVM chain, and returns the deployment (`toDeploymentFile` gives the
 * file `seedpay deploy` writes): addresses, transactions, blocks, the runtime code hashes read
 * back from the chain and the compiler settings.
 */
export async function deployContracts(p: DeployContractsParameters): Promise<DeploymentRecord> {
  const provider = p.deployer.provider!;
  const chainId = (await provider.getNetwork()).chainId;
  let token: DeploymentRecord["token"];
  if (p.token === undefined) {
    const deployed = await deploy(p, "contracts/test/TestToken.sol", "TestToken", TEST_TOKEN_ARGS);
    token = { ...deployed, testToken: true };
  } else {
    token = { address: p.token, codeHash: keccak256(await provider.getCode(p.token)), testToken: false };
  }
  const escrow = await deploy(p, "contracts/ChannelEscrow.sol", "ChannelEscrow", [
    token.address,
    p.minDisputeWindow,
    p.maxDisputeWindow,
  ]);
  const bond = await deploy(p, "contracts/StorageBond.sol", "StorageBond", [token.address]);
  return {
    network: p.network,
    chainId: chainId.toString(),
    deployer: await p.deployer.getAddress(),
    deployedAt: new Date().toISOString(),
    escrow: { ...escrow, minDisputeWindow: p.minDisputeWindow, maxDisputeWindow: p.maxDisputeWindow },
    token,
    bond,
    compiler: readCompilerSettings("contracts/ChannelEscrow.sol", "ChannelEscrow"),
  };
}

async function deploy(
  p: DeployContractsParameters,
  sourceName: string,
  contractName: string,
  args: unknown[],
): Promise<DeployedContract> {
  const artifact = readArtifact(sourceName, contractName);
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, p.deployer);
  let contract: Contract | undefined;
  const tx = await p.txs.send(`deploy ${contractName}`, async () => {
    contract = (await factory.deploy(...args)) as Contract;
    return contract.deploymentTransaction()!;
  });
  const address = await contract!.getAddress();
  const code = await p.deployer.provider!.getCode(address);
  return { address, txHash: tx.hash, blockNumber: Number(tx.blockNumber), codeHash: keccak256(code) };
}
