import { Trx } from "tronweb";
import { TronChain } from "../../src/chain/tron/TronChain";
import { startDevnode, type Devnode } from "../../src/devnode";
import { MemoryStore } from "../../src/store/memoryStore";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../../src/voucher/typedData";
import { deploy, ESCROW, TOKEN, tronWebFor, waitForInfo } from "./helpers";

const BTT = 10n ** 18n;

export type TronTowerSetup = {
  node: Devnode;
  escrow: string;
  /** The payer's adapter, straight to the node (never through a test's fault proxy). */
  payerChain: TronChain;
  key: ChannelKey;
  channelId: string;
  /** A payee store holding the channel (open, 10 BTT) and its best voucher. */
  store: MemoryStore;
  voucher: bigint;
  /** The dev account the watchtower sends its claims from (any account may claim for the payee). */
  towerKey: string;
  payee: string;
};

export type TronTowerSetupParameters = {
  /** The channel's dispute window, seconds; default 3600. */
  disputeWindow?: number;
  /** Blocks between the devnode's head and its solidified block; default 19 (TRON's). */
  solidityDelay?: number;
  /** The escrow's shortest accepted window, seconds; default 3600 (tests of short windows lower it). */
  minWindow?: number;
  voucher?: bigint;
  /** Start the devnode with fork points, so a test can reorganise its head (`POST /admin/reorg`). */
  reorgs?: boolean;
};

/**
 * The devnode in its TRON-like mode (3 s blocks, solidification 19 blocks behind, bandwidth
 * charged) with an escrow, one channel of 10 BTT from a payer to a payee, and the payee's store
 * holding a voucher for it: what a TRON watchtower guards, for the tower's tests and the request
 * benchmark (scripts/bench-tron-requests.ts).
 */
export async function setupTronTowerChannel(p: TronTowerSetupParameters = {}): Promise<TronTowerSetup> {
  const node = await startDevnode({
    port: 0,
    accounts: 6,
    blockTime: 3000,
    solidityDelay: p.solidityDelay ?? 19,
    bandwidth: true,
    reorgs: p.reorgs ?? false,
  });
  try {
    const [, payer, payee, signer, , towerAccount] = node.accounts;
    const web = tronWebFor(node, 0);
    const token = (await deploy(web, TOKEN(), ["Test BTT", "tBTT"])).address;
    const escrow = (await deploy(web, ESCROW(), [token, p.minWindow ?? 3600, 30 * 24 * 3600])).address;
    const mint = await web
      .contract(TOKEN().abi as never, token)
      .mint(payer.address, 1000n * BTT)
      .send({ feeLimit: 100_000_000 });
    const minted = await waitForInfo(web, mint);
    if (minted.receipt?.result !== "SUCCESS") throw new Error(`mint failed: ${JSON.stringify(minted)}`);

    const payerChain = new TronChain({
      fullHost: node.url,
      privateKey: payer.privateKey,
      escrow,
      pollingInterval: 100,
    });
    const key: ChannelKey = {
      payer: payer.evm,
      payee: payee.evm,
      signer: signer.evm,
      disputeWindow: p.disputeWindow ?? 3600,
      salt: 1n,
    };
    await payerChain.approve(10n * BTT);
    await payerChain.open(key, 10n * BTT);
    const chainId = await payerChain.chainId();
    const id = channelId(key);
    const voucher = p.voucher ?? 6n * BTT;
    const signature = await Trx._signTypedData(
      escrowDomain(chainId, payerChain.escrow) as never,
      VOUCHER_TYPES,
      { channelId: id, cumulativeAmount: voucher },
      signer.privateKey,
    );
    const store = new MemoryStore();
    store.upsertChannel({
      chainId: Number(chainId),
      escrow: payerChain.escrow,
      role: "payee",
      key,
      status: "open",
      deposit: 10n * BTT,
    });
    store.recordReceivedVoucher({ channelId: id, cumulativeAmount: voucher, signature });
    return {
      node,
      escrow,
      payerChain,
      key,
      channelId: id,
      store,
      voucher,
      towerKey: towerAccount.privateKey,
      payee: payee.evm,
    };
  } catch (error) {
    await node.close();
    throw error;
  }
}
