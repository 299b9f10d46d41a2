import { keccak256, Wallet } from "ethers";
import { TEST_TOKEN_ARGS } from "./deployContracts";
import { readArtifact, readCompilerSettings, type DeploymentContract, type DeploymentFile } from "./deployments";
import { CliUsageError } from "./errors";
import type { TxLog } from "./progressChain";
import { hex41, toBase58, type TronNode } from "./tronNode";

export type DeployTronContractsParameters = {
  node: TronNode;
  /** The deployer's key (64 hex digits, with or without 0x). */
  privateKey: string;
  /** An existing TRC-20 to escrow (any address form); when absent a fresh TestToken is deployed. */
  token?: string;
  minDisputeWindow: number;
  maxDisputeWindow: number;
  network: string;
  /** Fee limit per deployment in sun: tronbox.js's default, 1,000 TRX (TRONBOX_FEE_LIMIT overrides it there too). */
  feeLimit: number;
  txs: TxLog;
};

const TRON_BASE58 = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

/** Milliseconds a deployment's receipt is awaited: TRON transactions expire after 60 s. */
const RECEIPT_TIMEOUT_MS = 90_000;

/**
 * Deploys the TestToken (unless a token is given), ChannelEscrow and StorageBond to TRON from
 * Hardhat's artifacts (the bytecode the tests ran, as scripts/deploy.ts does), each as a
 * CreateSmartContract transaction built by TronWeb and signed locally, and returns the deployment
 * file TronBox's migration and scripts/deploy.ts also write.
 */
export async function deployTronContracts(p: DeployTronContractsParameters): Promise<DeploymentFile> {
  const owner = toBase58(new Wallet(p.privateKey).address);
  const token: DeploymentContract =
    p.token === undefined
      ? await deploy(p, "contracts/test/TestToken.sol", "TestToken", TEST_TOKEN_ARGS)
      : await existing(p.node, p.token);
  const escrow = await deploy(p, "contracts/ChannelEscrow.sol", "ChannelEscrow", [
    token.address,
    p.minDisputeWindow,
    p.maxDisputeWindow,
  ]);
  const bond = await deploy(p, "contracts/StorageBond.sol", "StorageBond", [token.address]);
  return {
    network: p.network,
    chainId: Number(p.node.chainId),
    deployer: owner,
    contracts: { token, escrow, bond },
    compiler: readCompilerSettings("contracts/ChannelEscrow.sol", "ChannelEscrow"),
    deployedAt: new Date().toISOString(),
  };
}

async function existing(node: TronNode, address: string): Promise<DeploymentContract> {
  return { ...(await readBack(node, address)), txId: null, block: null, constructorArgs: [] };
}

async function deploy(
  p: DeployTronContractsParameters,
  sourceName: string,
  contractName: string,
  args: (string | number)[],
): Promise<DeploymentContract> {
  const artifact = readArtifact(sourceName, contractName);
  const tronWeb = p.node.tronWeb;
  const key = p.privateKey.replace(/^0x/, "");
  let contractAddress = "";
  const result = await p.txs.track(`deploy ${contractName}`, async () => {
    const built = await tronWeb.transactionBuilder.createSmartContract(
      {
        abi: artifact.abi as never,
        bytecode: artifact.bytecode,
        // TRON's HTTP API takes addresses as 41-hex.
        parameters: args.map((a) => (typeof a === "string" && TRON_BASE58.test(a) ? hex41(a) : a)),
        feeLimit: p.feeLimit,
        userFeePercentage: 100,
        originEnergyLimit: 10_000_000,
        name: contractName,
      },
      hex41(new Wallet(p.privateKey).address),
    );
    const signed = await tronWeb.trx.sign(built as never, key);
    const sent = (await tronWeb.trx.sendRawTransaction(signed as never)) as {
      result?: boolean;
      code?: string;
      message?: string;
    };
    if (!sent.result) {
      const message = sent.message ? Buffer.from(sent.message, "hex").toString("utf8") : JSON.stringify(sent);
      throw new CliUsageError(`the node refused to deploy ${contractName}: ${sent.code ?? ""} ${message}`.trim(), {
        metaMessages: ["The deployer needs TRX for energy (≈ 450 TRX for all three contracts on a testnet)."],
      });
    }
    contractAddress = (signed as unknown as { contract_address: string }).contract_address;
    const info = await receipt(p.node, (signed as unknown as { txID: string }).txID, contractName);
    return {
      hash: `0x${info.id}`,
      blockNumber: BigInt(info.blockNumber),
      gasUsed: BigInt(info.receipt?.energy_usage_total ?? 0),
    };
  });
  const read = await readBack(p.node, contractAddress);
  return { ...read, txId: result.hash.slice(2), block: Number(result.blockNumber), constructorArgs: args };
}

type TransactionInfo = {
  id: string;
  blockNumber: number;
  receipt?: { result?: string; energy_usage_total?: number };
  result?: string;
  resMessage?: string;
};

/** Polls for a transaction's info until it is in a block; anything but SUCCESS fails with the node's reason. */
async function receipt(node: TronNode, txId: string, contractName: string): Promise<TransactionInfo> {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
  for (;;) {
    const info = (await node.tronWeb.fullNode.request(
      "wallet/gettransactioninfobyid",
      { value: txId },
      "post",
    )) as TransactionInfo;
    if (info?.id) {
      const result = info.receipt?.result ?? (info.result === "FAILED" ? "FAILED" : "SUCCESS");
      if (result !== "SUCCESS") {
        const message = info.resMessage ? Buffer.from(info.resMessage, "hex").toString("utf8") : "";
        throw new CliUsageError(
          `deploying ${contractName} failed in transaction ${txId}: ${result} ${message}`.trim(),
          {
            metaMessages:
              result === "OUT_OF_ENERGY"
                ? ["The fee limit or the deployer's TRX ran out: fund the deployer, or raise TRONBOX_FEE_LIMIT (sun)."]
                : [],
          },
        );
      }
      return info;
    }
    if (Date.now() > deadline) {
      throw new CliUsageError(`deploying ${contractName}: transaction ${txId} was not in a block after 90 s`, {
        metaMessages: ["Look it up on the network's explorer before deploying again."],
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The address forms and the code hash of the runtime code read back from the chain. */
async function readBack(
  node: TronNode,
  address: string,
): Promise<Pick<DeploymentContract, "address" | "hex" | "codeHash">> {
  const hex = hex41(address);
  const contract = (await node.tronWeb.fullNode.request("wallet/getcontract", { value: hex }, "post")) as {
    bytecode?: string;
  };
  if (!contract?.bytecode) {
    throw new CliUsageError(`no contract at ${toBase58(address)} on chain ${node.chainId} at ${node.url}`);
  }
  return { address: toBase58(address), hex, codeHash: keccak256(`0x${contract.bytecode.replace(/^0x/, "")}`) };
}
