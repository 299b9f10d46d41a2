import { expect } from "chai";
import { TronChain } from "../../src/chain/tron/TronChain";
import { startWatchtower } from "../../src/channel/watchtower";
import type { Watchtower, WatchtowerEvent } from "../../src/channel/watchtowerTypes";
import { BTT, until } from "../lib/chain/adapterSuite";
import { setupTronTowerChannel, type TronTowerSetup } from "./watchtowerSetup";

/**
 * The watchtower against the devnode in its TRON-like mode: 3 s blocks, solidification 19 blocks
 * behind, bandwidth charged, and every third request answered 429, SERVER_BUSY or 503, as TronGrid
 * under load. The tower's connection has TronGrid's free budget (100,000 requests a day), so it
 * idles at one poll every ~22 s.
 */
describe("watchtower on a throttling TRON-like devnode", function () {
  this.timeout(120_000);
  let setup: TronTowerSetup;
  let tower: Watchtower | undefined;

  before(async () => {
    setup = await setupTronTowerChannel({ voucher: 6n * BTT });
  });
  after(async () => {
    await tower?.stop();
    await setup?.node.close();
  });

  it("answers a unilateral close inside its window while the node throttles", async () => {
    const { node, payerChain, key, store, escrow } = setup;
    node.setFaults({ every: 3, kinds: ["429", "SERVER_BUSY", "503"] });
    const towerChain = new TronChain({
      connection: { fullNode: node.url, requestsPerDay: 100_000, backoffMs: 100 },
      privateKey: setup.towerKey,
      escrow,
      pollingInterval: 500,
    });
    const events: WatchtowerEvent[] = [];
    tower = await startWatchtower({
      chain: towerChain,
      store,
      retryDelay: 200,
      maxRetryDelay: 2000,
      onEvent: (e) => void events.push(e),
    });
    await until(() => events.some((e) => e.type === "started"), 30_000);
    // The payer's own sends ride out the faults too (TronHttp's retries; the same bytes re-sent).
    const started = await payerChain.startClose(key);
    const { closesAt } = await payerChain.getChannel(setup.channelId);

    await until(() => events.some((e) => e.type === "claimed"), 90_000).catch((error: Error) => {
      throw new Error(`${error.message}; the tower reported: ${events.map((e) => e.type).join(", ")}`);
    });
    const claimed = events.find((e) => e.type === "claimed") as Extract<WatchtowerEvent, { type: "claimed" }>;
    expect(claimed.channels.map((c) => c.paid)).to.deep.equal([6n * BTT]);
    expect(claimed.tx.blockNumber > started.blockNumber).to.equal(true);
    // Inside the window, by the chain's clock.
    expect((await payerChain.latestBlock()).timestamp < closesAt).to.equal(true);
    expect(await payerChain.escrowBalance(setup.payee)).to.equal(6n * BTT);
    // The node did throttle, and the claim paid for its bandwidth.
    expect(node.faultsInjected).to.be.greaterThan(0);
    expect(claimed.tx.fee!.bandwidth > 0n).to.equal(true);
    expect(events.filter((e) => e.type === "gaveUp")).to.deep.equal([]);
  });
});
