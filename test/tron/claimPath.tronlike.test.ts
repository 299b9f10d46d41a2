import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Trx } from "tronweb";
import { TransactionFailedError } from "../../src/chain/escrowErrors";
import { TronChain } from "../../src/chain/tron/TronChain";
import { escrowDomain, VOUCHER_TYPES } from "../../src/voucher/typedData";
import { setupTronTowerChannel, type TronTowerSetup } from "./watchtowerSetup";

const BTT = 10n ** 18n;

type Exchange = { path: string; arrivedAt: number; answeredAt?: number };

/**
 * A node that answers every request `holdMs` late (a slow provider), recording when each arrived
 * and was answered, and running `before(path)` ahead of forwarding (a price change at broadcast).
 */
async function slowNode(
  target: string,
  holdMs: number,
  before?: (path: string) => Promise<void>,
): Promise<{ url: string; log: Exchange[]; close: () => Promise<void> }> {
  const log: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "").replace(/^\/+/, "").split("?")[0];
      const exchange: Exchange = { path, arrivedAt: Date.now() };
      log.push(exchange);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      await new Promise((r) => setTimeout(r, holdMs));
      await before?.(path);
      const answer = await fetch(target + req.url, {
        method: req.method,
        headers: { "content-type": "application/json" },
        body: req.method === "GET" ? undefined : Buffer.concat(chunks),
      });
      const text = await answer.text();
      exchange.answeredAt = Date.now();
      res.writeHead(answer.status, { "content-type": "application/json" }).end(text);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * TronChain.claimMany, the watchtower's claim path, on the devnode in its TRON-like mode (3 s
 * blocks): what it waits for before the claim is on its way, and the wider fee limit near a deadline.
 */
describe("TronChain.claimMany: the claim path of a TRON watchtower", function () {
  this.timeout(120_000);
  let setup: TronTowerSetup;

  const voucher = async (amount: bigint) => ({
    key: setup.key,
    amount,
    signature: await Trx._signTypedData(
      escrowDomain(await setup.payerChain.chainId(), setup.escrow) as never,
      VOUCHER_TYPES,
      { channelId: setup.channelId, cumulativeAmount: amount },
      setup.node.accounts[3].privateKey,
    ),
  });
  const towerChain = (fullNode: string) =>
    new TronChain({ connection: { fullNode }, privateKey: setup.towerKey, escrow: setup.escrow, pollingInterval: 100 });

  before(async () => {
    setup = await setupTronTowerChannel({ disputeWindow: 3600 });
    await setup.payerChain.startClose(setup.key);
  });
  after(() => setup?.node.close());

  it("reads what the claim needs at once and builds the transaction itself: one round trip before the broadcast", async () => {
    const node = await slowNode(setup.node.url, 200);
    try {
      const result = await towerChain(node.url).claimMany([await voucher(2n * BTT)]);
      expect(result.credited).to.equal(2n * BTT);
      expect((await setup.payerChain.getChannel(setup.channelId)).claimed).to.equal(2n * BTT);

      const first = node.log.findIndex((e) => e.path === "wallet/broadcasttransaction");
      expect(first, "a broadcast").to.be.greaterThan(0);
      const before = node.log.slice(0, first);
      // The node's own build (triggersmartcontract) is one more round trip on a slow node.
      expect(before.map((e) => e.path)).to.not.include("wallet/triggersmartcontract");
      // Everything read before the broadcast was asked before any of it was answered.
      const firstAnswer = Math.min(...before.map((e) => e.answeredAt ?? Infinity));
      const late = before.filter((e) => e.arrivedAt > firstAnswer).map((e) => e.path);
      expect(late, `requests sent only after another was answered: ${late.join(", ")}`).to.deep.equal([]);
    } finally {
      await node.close();
    }
  });

  it("near its deadline widens the fee limit: an energy price rise between build and execution does not run it out of energy", async () => {
    // A committee proposal taking effect between the fee limit's reading of the price (100 sun)
    // and the claim's execution: three times the price.
    const rise = async (path: string) => {
      if (path === "wallet/broadcasttransaction") await setup.node.setEnergyPrice(300);
    };
    const node = await slowNode(setup.node.url, 0, rise);
    try {
      await setup.node.setEnergyPrice(100);
      // Far from any deadline: the usual margin (1.3) under a price three times what was read.
      const calm = await towerChain(node.url)
        .claimMany([await voucher(3n * BTT)])
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(calm).to.be.instanceOf(TransactionFailedError);
      expect((calm as Error).message).to.match(/ran out of energy/);
      expect((calm as Error).message).to.match(/energy price changed from 100 to 300/);
      expect((await setup.payerChain.getChannel(setup.channelId)).claimed).to.equal(2n * BTT);

      // A second of the window left: the fee limit widens (feeLimitMargin × urgency) and the claim lands.
      await setup.node.setEnergyPrice(100);
      const urgent = await towerChain(node.url).claimMany([await voucher(3n * BTT)], { deadline: Date.now() + 1_000 });
      expect(urgent.credited).to.equal(1n * BTT);
      expect((await setup.payerChain.getChannel(setup.channelId)).claimed).to.equal(3n * BTT);
    } finally {
      await node.close();
      await setup.node.setEnergyPrice(100);
    }
  });
});
