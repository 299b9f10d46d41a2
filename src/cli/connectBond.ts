import path from "node:path";
import { readDeployment } from "./deployments";
import { CliUsageError, EscrowNotFoundError, WrongChainError } from "./errors";
import { ProgressBond } from "./progressBond";
import { parseAddress, type Session } from "./session";

/** The StorageBond's address and where it came from (for messages). */
export type BondTarget = { address: string; source: string };

/**
 * The StorageBond a `seedpay bond` command uses, on EVM or TRON: `--bond`, else SEEDPAY_BOND, else
 * the deployment file's `bond` (checked to be a deployment on the node's chain, as the escrow's is),
 * checked to be a StorageBond before anything is sent. Writes go through the wallet and are
 * reported on stderr; without `write`, no key is needed.
 */
export async function connectBond(s: Session, flag: string | undefined, write: boolean): Promise<ProgressBond> {
  const node = await s.node();
  const { address, source } = resolveBondAddress(s, flag, node.chainId, node.url);
  const shown = s.address(address);
  if (!(await node.hasCode(address))) {
    throw new EscrowNotFoundError(`no contract at ${shown} (from ${source}) on chain ${node.chainId} at ${node.url}`, {
      metaMessages: [
        `A restarted development node starts an empty chain: deploy again (${deployHint(s)}).`,
        `Otherwise check ${nodeFlag(s)}, --bond and --network.`,
      ],
    });
  }
  try {
    // Only the StorageBond has this constant; the escrow (a likely mix-up) does not.
    await node.view(address, "function SLASH_REWARD_BPS() view returns (uint256)");
  } catch {
    throw new EscrowNotFoundError(`the contract at ${shown} (from ${source}) is not a StorageBond`, {
      metaMessages: [
        "--bond takes the StorageBond's address (the deployment file's contracts.bond), not the escrow's.",
      ],
    });
  }
  const adapter = await node.bond(address, write ? s.walletKey() : undefined);
  return new ProgressBond(adapter, s.txs);
}

function resolveBondAddress(s: Session, flag: string | undefined, chainId: bigint, url: string): BondTarget {
  const env = s.io.env.SEEDPAY_BOND;
  if (flag !== undefined) return { address: parseAddress(flag, "--bond"), source: "--bond" };
  if (env) return { address: parseAddress(env, "SEEDPAY_BOND"), source: "SEEDPAY_BOND" };
  const file = s.deploymentPath;
  const source = path.relative(s.io.cwd, file);
  const deployment = readDeployment(file);
  if (!deployment) {
    throw new EscrowNotFoundError(`no StorageBond configured, and ${source} does not exist`, {
      metaMessages: [
        "Pass --bond ADDR or set SEEDPAY_BOND, choose a deployment with --network NAME",
        `(--deployments DIR says where the files are), or deploy one to this node: ${deployHint(s)}`,
      ],
    });
  }
  if (BigInt(deployment.chainId) !== chainId) {
    throw new WrongChainError(
      `${source} is a deployment on chain ${deployment.chainId}, but the node at ${url} is chain ${chainId}`,
      {
        metaMessages: [`Point ${nodeFlag(s)} at that chain's node, or choose another deployment with --network NAME.`],
      },
    );
  }
  if (!deployment.bond) {
    throw new CliUsageError(
      `${source} records no StorageBond (it was written before bonds were deployed with the escrow)`,
      {
        metaMessages: [
          "Pass --bond ADDR or set SEEDPAY_BOND if one is deployed,",
          `or deploy escrow and bond again: ${deployHint(s)} --force (the old escrow's channels stay where they are).`,
        ],
      },
    );
  }
  return { address: deployment.bond.address, source };
}

function nodeFlag(s: Session): string {
  return s.isTron ? "--tron / --network" : "--rpc";
}

function deployHint(s: Session): string {
  return s.isTron ? `seedpay deploy --test-token --network ${s.network}` : "seedpay deploy --test-token";
}
