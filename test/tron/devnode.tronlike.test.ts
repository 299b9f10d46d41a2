import { expect } from "chai";
import { TronWeb, Trx } from "tronweb";
import { TronChain } from "../../src/chain/tron/TronChain";
import { startDevnode, type Devnode } from "../../src/devnode";
import { createBandwidth, triggerBandwidth } from "../../src/devnode/tronBandwidth";
import { escrowDomain, VOUCHER_TYPES } from "../../src/voucher/typedData";
import { deploy, deployEscrowOn, tronWebFor, waitForInfo, TOKEN } from "./helpers";

/** POSTs to the devnode's HTTP API. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(node: Devnode, path: string, body: Record<string, unknown> = {}): Promise<any> {
  const answer = await fetch(`${node.url}/${path}`, { method: "POST", body: JSON.stringify(body) });
  return answer.json();
}

const deployedEvm = (base58: string) => ("0x" + TronWeb.address.toHex(base58).slice(2).toLowerCase()) as `0x${string}`;

const balanceOf = async (tw: TronWeb, address: string) => BigInt(await tw.trx.getBalance(address));

describe("devnode in its TRON-like modes", function () {
  this.timeout(60_000);

  describe("energy: OUT_OF_ENERGY per operation", () => {
    let node: Devnode;
    before(async () => {
      node = await startDevnode({ port: 0, accounts: 3 });
    });
    after(() => node?.close());

    it("a call that passes its fee limit and reverts later is OUT_OF_ENERGY, charged exactly the fee limit", async () => {
      const tw = tronWebFor(node, 1);
      const owner = node.accounts[1].address;
      const { token } = await deployEscrowOn(node, node.accounts[0].address);
      // account 1 holds no tokens: transfer(…, 1) reverts (ERC20InsufficientBalance) after reading its balance.
      const transfer = async (feeLimit: number) => {
        const { transaction } = await tw.transactionBuilder.triggerSmartContract(
          token,
          "transfer(address,uint256)",
          { feeLimit },
          [
            { type: "address", value: node.accounts[2].address },
            { type: "uint256", value: 1 },
          ],
          owner,
        );
        const signed = await tw.trx.sign(transaction);
        const before = await balanceOf(tw, owner);
        expect((await tw.trx.sendRawTransaction(signed)).result).to.equal(true);
        const info = await waitForInfo(tw, signed.txID);
        return { info, burnt: before - (await balanceOf(tw, owner)) };
      };
      const reverted = await transfer(100_000_000);
      expect(reverted.info.receipt.result).to.equal("REVERT");
      const energy = Number(reverted.info.receipt.energy_usage_total);
      expect(energy).to.be.greaterThan(100);
      // Half the energy it needs: the limit is passed before the REVERT is reached.
      const feeLimit = Math.floor(energy / 2) * 100;
      const starved = await transfer(feeLimit);
      expect(starved.info.receipt.result).to.equal("OUT_OF_ENERGY");
      expect(starved.info.receipt.energy_fee).to.equal(feeLimit);
      expect(starved.burnt).to.equal(BigInt(feeLimit));
    });
  });

  describe("bandwidth estimates", () => {
    let node: Devnode;
    before(async () => {
      node = await startDevnode({ port: 0, accounts: 3 });
    });
    after(() => node?.close());

    it("triggerBandwidth and createBandwidth (the benchmarks' figures) give the bytes the node bills", async () => {
      const tw = tronWebFor(node, 1);
      const deployed = await deploy(tw, TOKEN(), ["Sized", "SZD"], 2_000_000_000);
      const created = await createBandwidth({
        abi: TOKEN().abi,
        bytecode: TOKEN().bytecode,
        parameters: ["Sized", "SZD"],
        feeLimit: 2_000_000_000,
        originEnergyLimit: 10_000_000,
        privateKey: node.accounts[1].privateKey,
      });
      expect(created).to.equal(deployed.info.receipt.net_usage);
      for (const [amount, feeLimit] of [
        [1n, 100_000_000],
        [10n ** 30n, 1_234_567],
      ] as const) {
        const { transaction } = await tw.transactionBuilder.triggerSmartContract(
          deployed.address,
          "transfer(address,uint256)",
          { feeLimit },
          [
            { type: "address", value: node.accounts[2].address },
            { type: "uint256", value: amount.toString() },
          ],
          node.accounts[1].address,
        );
        const signed = await tw.trx.sign(transaction);
        await tw.trx.sendRawTransaction(signed);
        const info = await waitForInfo(tw, signed.txID);
        const data = "0x" + (transaction.raw_data.contract[0].parameter.value as { data: string }).data;
        expect(
          triggerBandwidth({ owner: node.accounts[1].evm, contract: deployedEvm(deployed.address), data, feeLimit }),
        ).to.equal(info.receipt.net_usage);
      }
    });
  });

  describe("bandwidth", () => {
    let node: Devnode;
    before(async () => {
      node = await startDevnode({ port: 0, accounts: 3, bandwidth: true });
    });
    after(() => node?.close());

    it("pays from 600 free bytes a day, then burns 1,000 sun a byte, then refuses with BANDWITH_ERROR", async () => {
      const rich = tronWebFor(node, 0);
      const poor = new TronWeb({ fullHost: node.url, privateKey: "7".repeat(64) });
      const poorAddress = poor.defaultAddress.base58 as string;
      const funded = await rich.trx.sendTrx(poorAddress, 300_000);
      expect(funded.result).to.equal(true);
      const send = async () => {
        const tx = await poor.transactionBuilder.sendTrx(node.accounts[0].address, 1, poorAddress);
        const signed = await poor.trx.sign(tx);
        const before = await balanceOf(poor, poorAddress);
        const sent = await poor.trx.sendRawTransaction(signed);
        if (!sent.result) return { sent, burnt: 0n, info: undefined };
        const info = await waitForInfo(poor, signed.txID);
        return { sent, info, burnt: before - (await balanceOf(poor, poorAddress)) - 1n };
      };
      const first = await send();
      const bytes = first.info.receipt.net_usage as number;
      expect(bytes).to.be.within(200, 300);
      expect(first.burnt).to.equal(0n);
      const second = await send();
      expect(second.info.receipt.net_usage).to.equal(bytes);
      expect(second.burnt).to.equal(0n);
      // 600 − 2 × bytes < bytes: the third pays in TRX, all of it.
      const third = await send();
      expect(third.info.receipt.net_usage).to.equal(undefined);
      expect(third.info.receipt.net_fee).to.equal(bytes * 1000);
      expect(third.info.fee).to.equal(bytes * 1000);
      expect(third.burnt).to.equal(BigInt(bytes * 1000));
      // What is left (300,000 − 3 − 1,000 × bytes) cannot pay another.
      const fourth = await send();
      expect(fourth.sent).to.include({ code: "BANDWITH_ERROR" });
    });

    it("reports the bandwidth and what it burnt in TronChain's transaction results", async () => {
      const { escrow } = await deployEscrowOn(node, node.accounts[1].address);
      const chain = new TronChain({
        fullHost: node.url,
        privateKey: node.accounts[1].privateKey,
        escrow,
        pollingInterval: 20,
      });
      const first = await chain.approve(1n);
      const second = await chain.approve(2n);
      // A TriggerSmartContract is ~350 bytes: the first fits the day's free bytes, the second does not.
      expect(first.fee!.bandwidth).to.be.within(300n, 400n);
      expect(first.fee!.bandwidthSun).to.equal(0n);
      expect(second.fee!.bandwidth).to.be.within(300n, 400n);
      expect(second.fee!.bandwidthSun).to.equal(second.fee!.bandwidth * 1000n);
      expect(second.fee!.totalSun).to.equal(second.fee!.energySun + second.fee!.bandwidthSun);
      expect(second.fee!.energySun).to.equal(second.fee!.energy * 100n);
    });
  });

  describe("solidification", () => {
    let node: Devnode;
    before(async () => {
      node = await startDevnode({ port: 0, accounts: 3, solidityDelay: 19, blockTime: 100 });
    });
    after(() => node?.close());

    it("serves the chain 19 blocks behind the head on /walletsolidity", async () => {
      // A block per transaction here, so the head moves only when asked to.
      const node = await startDevnode({ port: 0, accounts: 2, solidityDelay: 19 });
      after(() => node.close());
      const tw = tronWebFor(node, 0);
      await post(node, "admin/mine", { blocks: 25 });
      const sent = await tw.trx.sendTrx(node.accounts[1].address, 1_000);
      const id = sent.transaction.txID;
      // On the full node at once (TronWeb's getTransactionInfo reads the solidity node).
      const info = await post(node, "wallet/gettransactioninfobyid", { value: id });
      expect(info.blockNumber).to.be.a("number");
      expect(await post(node, "walletsolidity/gettransactioninfobyid", { value: id })).to.deep.equal({});
      const head = (await post(node, "wallet/getblock", { detail: false })).block_header.raw_data.number;
      const solid = (await post(node, "walletsolidity/getblock", { detail: false })).block_header.raw_data.number;
      expect(head - solid).to.equal(19);
      await post(node, "admin/mine", { blocks: 20 });
      expect((await post(node, "walletsolidity/gettransactioninfobyid", { value: id })).blockNumber).to.equal(
        info.blockNumber,
      );
    });

    it("confirm: 'solidified' returns only once the solid block number has reached the transaction's block", async () => {
      const { escrow } = await deployEscrowOn(node, node.accounts[1].address);
      const chain = new TronChain({
        fullHost: node.url,
        privateKey: node.accounts[1].privateKey,
        escrow,
        confirm: "solidified",
        pollingInterval: 20,
      });
      const result = await chain.approve(5n);
      const solid = (await post(node, "walletsolidity/getblock", { detail: false })).block_header.raw_data.number;
      expect(BigInt(solid) >= result.blockNumber).to.equal(true);
      expect(await chain.allowance(chain.account)).to.equal(5n);
    });
  });

  describe("solidity node state", () => {
    let node: Devnode;
    before(async () => {
      // A block per transaction, so the head (and with it the solid block) moves only when asked to.
      node = await startDevnode({ port: 0, accounts: 3, solidityDelay: 19 });
    });
    after(() => node?.close());

    it("answers constant calls, energy estimates and accounts on /walletsolidity from the solid block's state", async () => {
      const [a0, a1, a2] = node.accounts;
      const { token } = await deployEscrowOn(node, a1.address);
      await post(node, "admin/mine", { blocks: 20 });
      const tw1 = tronWebFor(node, 1);
      const transfer = await tw1
        .contract(TOKEN().abi as never, token)
        .transfer(a2.address, 7n)
        .send({ feeLimit: 100_000_000 });
      await waitForInfo(tw1, transfer);
      const trxBefore = (await post(node, "walletsolidity/getaccount", { address: a2.hex })).balance;
      await tronWebFor(node, 0).trx.sendTrx(a2.address, 1_000);
      const later = await deploy(tronWebFor(node, 0), TOKEN(), ["Later", "LTR"]);

      const call = (api: string, contract: string, selector: string, parameter: string) =>
        post(node, `${api}/triggerconstantcontract`, {
          owner_address: a2.hex,
          contract_address: TronWeb.address.toHex(contract),
          function_selector: selector,
          parameter,
        });
      const balanceArg = a2.evm.slice(2).padStart(64, "0");
      const balanceAt = async (api: string) =>
        BigInt("0x" + (await call(api, token, "balanceOf(address)", balanceArg)).constant_result[0]);
      // transfer(a0, 1): a2 can pay it on the head, not in the solid block.
      const sendOne = a0.evm.slice(2).padStart(64, "0") + "1".padStart(64, "0");
      const estimate = (api: string) =>
        post(node, `${api}/estimateenergy`, {
          owner_address: a2.hex,
          contract_address: TronWeb.address.toHex(token),
          function_selector: "transfer(address,uint256)",
          parameter: sendOne,
        });

      expect(await balanceAt("wallet")).to.equal(7n);
      expect(await balanceAt("walletsolidity")).to.equal(0n);
      expect((await estimate("wallet")).energy_required).to.be.greaterThan(0);
      expect((await estimate("walletsolidity")).result.code).to.equal("CONTRACT_EXE_ERROR");
      expect((await post(node, "wallet/getaccount", { address: a2.hex })).balance).to.equal(trxBefore + 1_000);
      expect((await post(node, "walletsolidity/getaccount", { address: a2.hex })).balance).to.equal(trxBefore);
      // A contract created after the solid block does not exist there yet.
      expect((await call("wallet", later.address, "decimals()", "")).constant_result[0]).to.match(/12$/);
      expect((await call("walletsolidity", later.address, "decimals()", "")).result.code).to.equal(
        "CONTRACT_VALIDATE_ERROR",
      );
      expect(
        await post(node, "walletsolidity/getaccount", { address: TronWeb.address.toHex(later.address) }),
      ).to.deep.equal({});

      // The event API splits confirmed (solid) from unconfirmed events the same way.
      const transfers = async (flag: string) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (
          (await (await fetch(`${node.url}/v1/contracts/${token}/events?${flag}=true&limit=200`)).json()) as any
        ).data.map((e: { transaction_id: string }) => e.transaction_id);
      expect(await transfers("only_confirmed")).to.not.include(transfer);
      expect(await transfers("only_unconfirmed")).to.deep.equal([transfer]);

      await post(node, "admin/mine", { blocks: 19 });
      expect(await transfers("only_confirmed")).to.include(transfer);
      expect(await transfers("only_unconfirmed")).to.deep.equal([]);
      expect(await balanceAt("walletsolidity")).to.equal(7n);
      expect((await estimate("walletsolidity")).energy_required).to.equal((await estimate("wallet")).energy_required);
      expect((await post(node, "walletsolidity/getaccount", { address: a2.hex })).balance).to.equal(trxBefore + 1_000);
      expect((await call("walletsolidity", later.address, "decimals()", "")).constant_result[0]).to.match(/12$/);
    });

    it("TronChain reads with at: 'solidified' see a claim only once its block is solid", async () => {
      const [, payer, payee] = node.accounts;
      const { escrow } = await deployEscrowOn(node, payer.address);
      const payerChain = new TronChain({
        fullHost: node.url,
        privateKey: payer.privateKey,
        escrow,
        pollingInterval: 20,
      });
      const payeeChain = new TronChain({
        fullHost: node.url,
        privateKey: payee.privateKey,
        escrow,
        pollingInterval: 20,
      });
      const key = { payer: payer.evm, payee: payee.evm, signer: payer.evm, disputeWindow: 3600, salt: 7n };
      await payerChain.approve(10n);
      const { channelId: id } = await payerChain.open(key, 10n);
      await post(node, "admin/mine", { blocks: 19 });
      const solid = { at: "solidified" } as const;
      expect((await payeeChain.getChannel(id, solid)).status).to.equal("open");

      const chainId = await payeeChain.chainId();
      const signature = await Trx._signTypedData(
        escrowDomain(chainId, payeeChain.escrow) as never,
        VOUCHER_TYPES,
        { channelId: id, cumulativeAmount: 3n },
        payer.privateKey,
      );
      await payeeChain.claim({ key, amount: 3n, signature });
      expect((await payeeChain.getChannel(id)).claimed).to.equal(3n);
      expect(await payeeChain.escrowBalance(payee.evm)).to.equal(3n);
      // In a block, but not final yet.
      expect((await payeeChain.getChannel(id, solid)).claimed).to.equal(0n);
      expect(await payeeChain.escrowBalance(payee.evm, solid)).to.equal(0n);
      await post(node, "admin/mine", { blocks: 18 });
      expect(await payeeChain.escrowBalance(payee.evm, solid)).to.equal(0n);
      await post(node, "admin/mine", { blocks: 1 });
      expect((await payeeChain.getChannel(id, solid)).claimed).to.equal(3n);
      expect(await payeeChain.escrowBalance(payee.evm, solid)).to.equal(3n);
    });
  });

  describe("faults: TronGrid under load", () => {
    let node: Devnode;
    before(async () => {
      node = await startDevnode({ port: 0, accounts: 3 });
    });
    after(() => node?.close());

    it("answers every n-th request with 429, SERVER_BUSY or 503, and pages without fingerprints", async () => {
      const { token } = await deployEscrowOn(node, node.accounts[1].address);
      const web = tronWebFor(node, 0);
      const mint = await web
        .contract(TOKEN().abi as never, token)
        .mint(node.accounts[2].address, 1n)
        .send({ feeLimit: 100_000_000 });
      await waitForInfo(web, mint);
      node.setFaults({ every: 1, kinds: ["429", "SERVER_BUSY", "503"] });
      const throttled = await fetch(`${node.url}/wallet/getnowblock`, { method: "POST" });
      expect(throttled.status).to.equal(429);
      const busy = await post(node, "wallet/broadcasttransaction", {});
      expect(busy.code).to.equal("SERVER_BUSY");
      const down = await fetch(`${node.url}/v1/contracts/${token}/events`);
      expect(down.status).to.equal(503);
      expect(await down.json()).to.include({ success: false, statusCode: 503 });
      expect(node.faultsInjected).to.equal(3);
      node.setFaults({ dropFingerprint: true });
      const page = (await (await fetch(`${node.url}/v1/contracts/${token}/events?limit=1`)).json()) as {
        data: unknown[];
        meta: Record<string, unknown>;
      };
      expect(page.data).to.have.length(1);
      expect(page.meta.fingerprint).to.equal(undefined);
      node.setFaults({});
      const paged = (await (await fetch(`${node.url}/v1/contracts/${token}/events?limit=1`)).json()) as {
        meta: Record<string, unknown>;
      };
      expect(paged.meta.fingerprint).to.be.a("string");
    });
  });
});
