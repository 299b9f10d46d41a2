import { expect } from "chai";
import hre from "hardhat";
import { Signature, Wallet, type Provider } from "ethers";
import { Trx } from "tronweb";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import {
  decideWatchtowerClaim,
  nextRetryDelay,
  type WatchtowerDecision,
} from "../../../src/channel/watchtowerDecision";
import type { ChannelRecord } from "../../../src/store/types";
import { TronChain } from "../../../src/chain/tron/TronChain";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { normalizeAddress } from "../../../src/voucher/normalizeAddress";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../../../src/voucher/typedData";
import { deploy, dropProxy, ESCROW, TOKEN, tronWebFor, waitForInfo } from "../../tron/helpers";
import { BTT } from "../chain/adapterSuite";
import { describeWatchtower, type NodeFault, type TowerFixture } from "./watchtowerSuite";

const { ethers, network } = hre;

/** Hardhat's provider, failing as `fault()` says: every call, or only transaction broadcasts. */
function faultyProvider(fault: () => NodeFault): Provider {
  return new Proxy(ethers.provider, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const f = fault();
        if (
          f === "all" ||
          (f === "broadcasts" && prop === "broadcastTransaction") ||
          (f === "receipts" && prop === "getTransactionReceipt")
        )
          return Promise.reject(new Error("connection dropped"));
        return value.apply(target, args);
      };
    },
  }) as unknown as Provider;
}

/** A fresh token and escrow on Hardhat's network; the tower is a fresh account behind a faulty provider. */
async function evmSetup(): Promise<TowerFixture> {
  const [deployer, payer, payee, signer, payee2] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"], deployer);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000], deployer);
  const escrowAddress = await escrow.getAddress();
  await token.mint(payer.address, 1000n * BTT);
  const tower = Wallet.createRandom();
  await network.provider.send("hardhat_setBalance", [tower.address, "0x56bc75e2d63100000"]);
  let fault: NodeFault = "none";
  const domain = escrowDomain((await ethers.provider.getNetwork()).chainId, escrowAddress);
  return {
    payerChain: await EvmChain.connect({ signer: payer, escrow: escrowAddress }),
    payeeChain: await EvmChain.connect({ signer: payee, escrow: escrowAddress }),
    towerChain: await EvmChain.connect({
      signer: new Wallet(
        tower.privateKey,
        faultyProvider(() => fault),
      ),
      escrow: escrowAddress,
      // A receipt that cannot be read is given up on after 1 s here (60 s by default).
      transactions: { pollInterval: 50, rebroadcastAfter: 250, replaceAfter: 500, timeout: 1_000 },
    }),
    setFault: (f) => {
      fault = f;
    },
    payer: payer.address,
    payees: [payee.address, payee2.address],
    signer: signer.address,
    signVoucher: async (key: ChannelKey, amount: bigint) =>
      Signature.from(
        await signer.signTypedData(domain, VOUCHER_TYPES, { channelId: channelId(key), cumulativeAmount: amount }),
      ).compactSerialized,
    increaseTime: async (seconds) => {
      await network.provider.send("evm_increaseTime", [seconds]);
    },
    blockNumber: async () => BigInt(await ethers.provider.getBlockNumber()),
  };
}

describeWatchtower("EvmChain (Hardhat)", evmSetup);

describe("watchtower on the TRON devnode", function () {
  this.timeout(60_000);
  let node: Devnode;
  let proxy: { url: string; close: () => Promise<void> };
  let fault: NodeFault = "none";

  before(async () => {
    node = await startDevnode({ port: 0 });
    proxy = await dropProxy(node.url, (url) => {
      const f = fault;
      return (
        f === "all" ||
        (f === "broadcasts" && url.startsWith("/wallet/broadcasttransaction")) ||
        (f === "receipts" && url.includes("gettransactioninfobyid"))
      );
    });
  });
  after(async () => {
    await proxy?.close();
    await node?.close();
  });

  /** A fresh TestToken and ChannelEscrow; accounts 1 payer, 2 and 4 payees, 3 the signer, 5 the tower. */
  async function tronSetup(): Promise<TowerFixture> {
    const web = tronWebFor(node, 0);
    const token = (await deploy(web, TOKEN(), ["Test BTT", "tBTT"])).address;
    const escrow = (await deploy(web, ESCROW(), [token, 3600, 30 * 24 * 3600])).address;
    const [, payer, payee, signer, payee2, tower] = node.accounts;
    const mint = await web
      .contract(TOKEN().abi as never, token)
      .mint(payer.address, 1000n * BTT)
      .send({ feeLimit: 100_000_000 });
    await waitForInfo(web, mint);
    const chainFor = (account: { privateKey: string }, fullHost = node.url) =>
      new TronChain({ fullHost, privateKey: account.privateKey, escrow, pollingInterval: 20 });
    const payerChain = chainFor(payer);
    const domain = escrowDomain(await payerChain.chainId(), payerChain.escrow);
    return {
      payerChain,
      payeeChain: chainFor(payee),
      towerChain: chainFor(tower, proxy.url),
      setFault: (f) => {
        fault = f;
      },
      payer: normalizeAddress(payer.address),
      payees: [normalizeAddress(payee.address), normalizeAddress(payee2.address)],
      signer: normalizeAddress(signer.address),
      signVoucher: async (key, amount) =>
        Trx._signTypedData(
          domain as never,
          VOUCHER_TYPES,
          { channelId: channelId(key), cumulativeAmount: amount },
          signer.privateKey,
        ),
      increaseTime: (seconds) => node.increaseTime(seconds),
      blockNumber: async () => BigInt((await tronWebFor(node).trx.getCurrentBlock()).block_header.raw_data.number),
    };
  }

  describeWatchtower("TronChain (devnode)", tronSetup);
});

describe("watchtower decisions", () => {
  const channel = (status: ChannelRecord["status"], deposit: bigint, claimed: bigint): ChannelRecord => ({
    id: "0x" + "11".repeat(32),
    chainId: 1,
    escrow: "0x" + "22".repeat(20),
    role: "payee",
    key: {
      payer: "0x" + "33".repeat(20),
      payee: "0x" + "44".repeat(20),
      signer: "0x" + "55".repeat(20),
      disputeWindow: 3600,
      salt: 1n,
    },
    status,
    deposit,
    claimed,
    closesAt: status === "closing" ? 1_000 : null,
    openedTx: null,
    createdAt: 0,
    updatedAt: 0,
  });
  const cases: [string, ChannelRecord, bigint | undefined, Partial<WatchtowerDecision>][] = [
    ["claims what the voucher adds", channel("closing", 10n, 2n), 5n, { action: "claim", claimed: 5n }],
    ["caps a claim at the deposit", channel("closing", 4n, 2n), 5n, { action: "claim", claimed: 4n }],
    [
      "skips a voucher already credited",
      channel("closing", 10n, 5n),
      5n,
      { action: "skip", reason: "already-claimed" },
    ],
    ["skips a channel at its deposit", channel("closing", 4n, 4n), 5n, { action: "skip", reason: "already-claimed" }],
    [
      "skips a channel without a voucher",
      channel("closing", 10n, 0n),
      undefined,
      { action: "skip", reason: "no-voucher" },
    ],
    ["skips an open channel", channel("open", 10n, 0n), 5n, { action: "skip", reason: "not-closing" }],
    [
      "skips a settled channel that paid the voucher",
      channel("closed", 10n, 5n),
      5n,
      { action: "skip", reason: "settled" },
    ],
    [
      "gives up on a channel settled below the voucher",
      channel("closed", 10n, 2n),
      5n,
      { action: "giveUp", reason: "settled-unclaimed", unclaimed: 3n },
    ],
  ];
  for (const [title, record, best, expected] of cases) {
    it(title, () => expect(decideWatchtowerClaim(record, best)).to.include(expected));
  }

  it("backs off exponentially up to the cap, but never past half the time left in the window", () => {
    const delays = (closesAt?: bigint) =>
      [1, 2, 3, 4, 5].map((attempts) =>
        nextRetryDelay({ attempts, closesAt, now: 1_000_000, retryDelay: 1000, maxRetryDelay: 10_000 }),
      );
    expect(delays()).to.deep.equal([1000, 2000, 4000, 8000, 10_000]);
    // 7 s left: at most 3.5 s, and never below retryDelay.
    expect(delays(1_007n)).to.deep.equal([1000, 2000, 3500, 3500, 3500]);
    expect(delays(1_001n)).to.deep.equal([1000, 1000, 1000, 1000, 1000]);
    // Past the deadline the escrow still accepts claims until settled: keep the normal backoff.
    expect(delays(900n)).to.deep.equal([1000, 2000, 4000, 8000, 10_000]);
  });
});
