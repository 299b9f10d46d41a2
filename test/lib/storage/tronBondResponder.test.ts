import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TronBond } from "../../../src/chain/tron/TronBond";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { startResponder } from "../../../src/storage/bond/startResponder";
import { TOKEN, deploy, artifact, tronWebFor, waitForInfo } from "../../tron/helpers";
import { until } from "../chain/adapterSuite";
import { openDeal } from "./bondDeal";

const HOUR = 3600;

describe("storage bond responder through TronBond on the devnode", function () {
  this.timeout(120_000);
  let node: Devnode;
  let dir: string;

  before(async () => {
    node = await startDevnode({ port: 0 });
    dir = mkdtempSync(path.join(tmpdir(), "seedpay-tron-responder-"));
  });
  after(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers challenges from the file on disk: one made before it started, one while it runs", async () => {
    const web = tronWebFor(node, 0);
    const token = (await deploy(web, TOKEN(), ["Test BTT", "tBTT"])).address;
    const bond = (await deploy(web, artifact("StorageBond.sol/StorageBond.json"), [token])).address;
    const [client, provider] = [node.accounts[1], node.accounts[2]];
    for (const account of [client, provider]) {
      const txID = await web
        .contract(TOKEN().abi as never, token)
        .mint(account.address, 10n ** 24n)
        .send({ feeLimit: 100_000_000 });
      expect((await waitForInfo(web, txID)).receipt.result).to.equal("SUCCESS");
    }
    const bondOf = (privateKey: string) => new TronBond({ fullHost: node.url, privateKey, bond, pollingInterval: 20 });
    const clientBond = bondOf(client.privateKey);
    const providerBond = bondOf(provider.privateKey);

    const { terms, file } = await openDeal(dir, clientBond, providerBond, {
      client: client.address,
      provider: provider.address,
    });
    const before = await clientBond.challenge(terms, 5n);

    const answered: { index: bigint; energy: bigint }[] = [];
    const errors: Error[] = [];
    const stop = startResponder({
      bond: providerBond,
      deals: [{ terms, path: file }],
      pollingInterval: 20,
      onAnswered: (a) => void answered.push({ index: a.index, energy: a.tx.gasUsed }),
      onError: (e) => void errors.push(e),
    });
    try {
      await until(() => answered.length === 1, 20_000);
      expect((await clientBond.getDeal(terms)).status).to.equal("active");
      // The next challenge may come once the last deadline passed.
      await node.increaseTime(6 * HOUR);
      const during = await clientBond.challenge(terms, 2n);
      expect(during.blockNumber).to.be.greaterThan(before.blockNumber);
      await until(() => answered.length === 2, 20_000);
      // Let more polls re-read the challenges: nothing more may be answered or reported.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      stop();
    }
    expect(answered.map((a) => a.index)).to.deep.equal([5n, 2n]);
    expect(answered.every((a) => a.energy > 0n)).to.equal(true);
    expect(errors).to.deep.equal([]);
    expect(await clientBond.getDeal(terms)).to.deep.include({ status: "active", challenges: 2n, challengedIndex: 2n });
  });
});
