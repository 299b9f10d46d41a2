/** The orchestrator's side of the chain: deploy, fund, move time, and the final balance table. */
import { Contract, Wallet, type JsonRpcProvider } from "ethers";
import { deployContracts } from "../../src/cli/deployContracts";
import type { EmbeddedChain } from "../../src/cli/embeddedChain";
import { bttString, formatGas } from "../../src/cli/format";
import { quietTxLog } from "./role";

const BTT = 10n ** 18n;

export type Deployment = { escrow: string; token: Contract; gasUsed: bigint };

/** Deploys a test BTT and the escrow (dispute windows 1 h .. 30 d) and mints `mint` BTT to each of `holders`. */
export async function deployAndFund(
  node: EmbeddedChain,
  provider: JsonRpcProvider,
  holders: string[],
  mint: bigint,
): Promise<Deployment> {
  const deployer = new Wallet(node.accounts[0].privateKey, provider);
  const txs = quietTxLog();
  const record = await deployContracts({
    deployer,
    minDisputeWindow: 3600,
    maxDisputeWindow: 30 * 86400,
    network: "demo",
    txs,
  });
  const token = new Contract(
    record.token.address,
    [
      "function mint(address,uint256)",
      "function balanceOf(address) view returns (uint256)",
      "function totalSupply() view returns (uint256)",
    ],
    deployer,
  );
  for (const holder of holders) await txs.send("mint", () => token.mint(holder, mint * BTT));
  return { escrow: record.escrow.address, token, gasUsed: txs.gasUsed };
}

/** Moves the chain's clock forward and mines a block with the new time. */
export async function increaseTime(node: EmbeddedChain, seconds: number): Promise<void> {
  await node.provider.request({ method: "evm_increaseTime", params: [seconds] });
  await node.provider.request({ method: "evm_mine", params: [] });
}

export async function balances(token: Contract, accounts: Record<string, string>): Promise<Record<string, bigint>> {
  const result: Record<string, bigint> = {};
  for (const [name, address] of Object.entries(accounts)) result[name] = (await token.balanceOf(address)) as bigint;
  return result;
}

/** The before/after table; returns whether the total is unchanged. */
export function balanceTable(
  before: Record<string, bigint>,
  after: Record<string, bigint>,
): { lines: string[]; conserved: boolean } {
  const sum = (b: Record<string, bigint>): bigint => Object.values(b).reduce((a, v) => a + v, 0n);
  const rows = [["BTT", "before", "after", "change"]];
  for (const name of Object.keys(before)) {
    const change = after[name] - before[name];
    rows.push([name, bttString(before[name]), bttString(after[name]), `${change > 0n ? "+" : ""}${bttString(change)}`]);
  }
  const conserved = sum(before) === sum(after);
  rows.push(["total", bttString(sum(before)), bttString(sum(after)), conserved ? "conserved" : "CHANGED"]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("   "),
  );
  lines.splice(rows.length - 1, 0, "-".repeat(lines[0].length));
  return { lines: lines.map((l) => `  ${l}`), conserved };
}

export { formatGas };
