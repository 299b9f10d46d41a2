import { expect } from "chai";
import type { TronWeb } from "tronweb";
import { TronBond } from "../../../src/chain/tron/TronBond";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { normalizeAddress } from "../../../src/voucher/normalizeAddress";
import { toTronAddress } from "../../../src/voucher/toTronAddress";
import { artifact, deploy, tronWebFor, waitForInfo } from "../../tron/helpers";
import { BTT } from "./adapterSuite";
import { describeBondAdapter, type BondFixture } from "./bondAdapterSuite";

const BLACKLIST_TOKEN = () => artifact("test/RevertingToken.sol/RevertingToken.json");
const STORAGE_BOND = () => artifact("StorageBond.sol/StorageBond.json");

/** Sends a token call as account 0 and waits for it to succeed. */
async function sendAs(web: TronWeb, token: string, method: string, args: unknown[]): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const contract: any = web.contract(BLACKLIST_TOKEN().abi as never, token);
  const txID = (await contract[method](...args).send({ feeLimit: 100_000_000 })) as string;
  expect((await waitForInfo(web, txID)).receipt.result, `${method} on the token`).to.equal("SUCCESS");
}

describe("TronBond on the devnode", function () {
  this.timeout(120_000);
  let node: Devnode;

  before(async () => {
    node = await startDevnode({ port: 0 });
  });
  after(async () => {
    await node?.close();
  });

  const bondFor = (bond: string, index: number, fullHost = node.url) =>
    new TronBond({ fullHost, privateKey: node.accounts[index].privateKey, bond, pollingInterval: 20 });

  /** A fresh blacklisting token and StorageBond deployed with TronWeb by account 0; client 1, provider 2, keeper 3. */
  async function setup(): Promise<BondFixture> {
    const web = tronWebFor(node, 0);
    const token = (await deploy(web, BLACKLIST_TOKEN(), [])).address;
    const bond = (await deploy(web, STORAGE_BOND(), [token])).address;
    for (const i of [1, 2]) await sendAs(web, token, "mint", [node.accounts[i].address, 10_000n * BTT]);
    const reader = web.contract(BLACKLIST_TOKEN().abi as never, token);
    return {
      clientBond: bondFor(bond, 1),
      providerBond: bondFor(bond, 2),
      keeperBond: bondFor(bond, 3),
      client: normalizeAddress(node.accounts[1].address),
      provider: normalizeAddress(node.accounts[2].address),
      keeper: normalizeAddress(node.accounts[3].address),
      nativeAddress: toTronAddress,
      tokenBalance: async (account) => BigInt(String(await reader.balanceOf(toTronAddress(account)).call())),
      setBlacklisted: (account, value) => sendAs(web, token, "setBlacklisted", [toTronAddress(account), value]),
      increaseTime: (seconds) => node.increaseTime(seconds),
      blockNumber: async () => BigInt((await web.trx.getCurrentBlock()).block_header.raw_data.number),
      unreachable: async () => bondFor(bond, 1, "http://127.0.0.1:9"),
    };
  }

  describeBondAdapter("TronBond", setup);

  it("takes the bond's address in any form and reports 0x-hex, as TronChain does", async () => {
    const web = tronWebFor(node, 0);
    const token = (await deploy(web, BLACKLIST_TOKEN(), [])).address;
    const bond = (await deploy(web, STORAGE_BOND(), [token])).address;
    const fromHex41 = bondFor("41" + normalizeAddress(bond).slice(2), 1);
    expect(fromHex41.bond).to.equal(normalizeAddress(bond));
    expect(bondFor(bond, 1).bond).to.equal(fromHex41.bond);
    expect(fromHex41.account).to.equal(normalizeAddress(node.accounts[1].address));
    expect(await fromHex41.token()).to.equal(normalizeAddress(token));
    expect(() => new TronBond({ fullHost: node.url, privateKey: "0x12", bond })).to.throw(
      "TronBond: privateKey must be 64 hex characters",
    );
  });
});
