/*
 * Run by `tronbox test --network development` (tronbox.js: test_directory), against seedpay's
 * devnode: TronBox deploys through migrations/ first, then these tests get `contract`,
 * `artifacts`, `tronWeb` and `assert` as globals. Not a Hardhat test (test/tronbox/tronbox.test.ts
 * runs TronBox on it).
 *
 * `hardhat test` (npm test) also loads every .js under test/: there `contract`/`tronWeb` are not
 * TronBox's globals, so this file defines nothing.
 */
/* global contract, artifacts, tronWeb, assert */
if (typeof contract === "function" && typeof tronWeb === "object" && typeof tronWeb.trx === "object") {
  defineTests();
}

function defineTests() {
  const TestToken = artifacts.require("TestToken");
  const ChannelEscrow = artifacts.require("ChannelEscrow");

  const BTT = 10n ** 18n;
  const DAY = 86400;
  const SHASTA_CHAIN_ID = 2494104990n;

  async function waitForInfo(txId) {
    for (let i = 0; i < 60; i++) {
      const info = await tronWeb.trx.getUnconfirmedTransactionInfo(txId);
      if (info && info.id) return info;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`transaction ${txId} not mined`);
  }

  contract("ChannelEscrow (TronBox on the devnode)", function (accounts) {
    let token;
    let escrow;

    before(async function () {
      const deployedToken = await TestToken.deployed();
      const deployedEscrow = await ChannelEscrow.deployed();
      // The compiled ABI (tuple components included): TRON's stored ABI drops them.
      token = tronWeb.contract(TestToken.abi, deployedToken.address);
      escrow = tronWeb.contract(ChannelEscrow.abi, deployedEscrow.address);
    });

    it("was migrated with the test token and the chain's TIP-712 domain", async function () {
      assert.equal(await token.symbol().call(), "tBTT");
      const onChainToken = tronWeb.address.fromHex(await escrow.token().call());
      assert.equal(onChainToken, tronWeb.address.fromHex(token.address));
      const domain = await escrow.eip712Domain().call();
      assert.equal(BigInt(domain.chainId), SHASTA_CHAIN_ID);
    });

    it("opens a channel", async function () {
      const payer = accounts[0];
      const payee = accounts[1];
      const signer = accounts[2];
      const salt = Date.now();
      for (const tx of [
        await token.mint(payer, (1000n * BTT).toString()).send({ feeLimit: 100_000_000 }),
        await token.approve(escrow.address, (100n * BTT).toString()).send({ feeLimit: 100_000_000 }),
      ]) {
        assert.equal((await waitForInfo(tx)).receipt.result, "SUCCESS");
      }
      const key = [payer, payee, signer, DAY, salt];
      const id = await escrow.channelId(key).call();
      const open = await escrow.open(key, (100n * BTT).toString()).send({ feeLimit: 300_000_000 });
      const info = await waitForInfo(open);
      assert.equal(info.receipt.result, "SUCCESS");
      const state = await escrow.getChannel(id).call();
      const s = state.state || state[0] || state;
      assert.equal(BigInt(s.deposit !== undefined ? s.deposit : s[1]), 100n * BTT);
      assert.equal(Number(s.status !== undefined ? s.status : s[0]), 1, "status Open");
    });
  });
}
