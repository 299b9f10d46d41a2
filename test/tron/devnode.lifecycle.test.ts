import { expect } from "chai";
import { id as keccakText, MaxUint256 } from "ethers";
import hre from "hardhat";
import { Trx } from "tronweb";
import type { TronWeb } from "tronweb";
import { estimateTronEnergy, SHASTA_CHAIN_ID, startDevnode } from "../../src/devnode";
import type { Devnode } from "../../src/devnode";
import { channelId, ESCROW_DOMAIN_VERSION, escrowDomain, VOUCHER_TYPES } from "../../src/voucher/typedData";
import { deploy, ESCROW, hexToUtf8, TOKEN, tronWebFor, waitForInfo } from "./helpers";

const BTT = 10n ** 18n;
const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * A channel's whole life through TronWeb 6 against the devnode: deploy the token and the escrow,
 * mint, approve, open, claim with a voucher signed by TronWeb's Trx._signTypedData, close, read
 * state back with constant calls and events from the TronGrid API.
 */
describe("devnode: channel lifecycle through TronWeb", function () {
  let node: Devnode;
  let payerWeb: TronWeb;
  let payeeWeb: TronWeb;
  let tokenAddress: string;
  let escrowAddress: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let token: any, escrowAsPayer: any, escrowAsPayee: any;
  let key: [string, string, string, number, number];
  let id: string;
  const energy: Record<string, number> = {};

  const payer = () => node.accounts[0];
  const payee = () => node.accounts[1];
  const hotKey = () => node.accounts[2];
  const domain = () => ({
    name: "Seedpay ChannelEscrow",
    version: ESCROW_DOMAIN_VERSION,
    chainId: SHASTA_CHAIN_ID,
    verifyingContract: "0x" + payerWeb.address.toHex(escrowAddress).slice(2),
  });
  const voucher = (amount: bigint, privateKey = hotKey().privateKey) =>
    Trx._signTypedData(domain(), VOUCHER_TYPES, { channelId: id, cumulativeAmount: amount }, privateKey);

  before(async () => {
    node = await startDevnode({ port: 0 });
    payerWeb = tronWebFor(node, 0);
    payeeWeb = tronWebFor(node, 1);
  });

  after(async () => {
    await node?.close();
  });

  it("deploys TestToken and ChannelEscrow from the compiled artifacts", async () => {
    const t = await deploy(payerWeb, TOKEN(), ["Test BTT", "tBTT"]);
    tokenAddress = t.address;
    const e = await deploy(payerWeb, ESCROW(), [tokenAddress, HOUR, 30 * DAY]);
    escrowAddress = e.address;
    energy.deployEscrow = e.info.receipt.energy_usage_total;
    token = payerWeb.contract(TOKEN().abi as never, tokenAddress);
    escrowAsPayer = payerWeb.contract(ESCROW().abi as never, escrowAddress);
    escrowAsPayee = payeeWeb.contract(ESCROW().abi as never, escrowAddress);

    expect(await token.symbol().call()).to.equal("tBTT");
    expect(payerWeb.address.fromHex(await escrowAsPayer.token().call())).to.equal(tokenAddress);
    // block.chainid is Shasta's: the TIP-712 domain the contract reports carries it.
    const domainFields = await escrowAsPayer.eip712Domain().call();
    expect(domainFields.chainId).to.equal(BigInt(SHASTA_CHAIN_ID));
    expect(domainFields.name).to.equal("Seedpay ChannelEscrow");
  });

  it("mints, approves and opens a channel", async () => {
    const mint = await token.mint(payer().address, 1000n * BTT).send({ feeLimit: 100_000_000 });
    expect((await waitForInfo(payerWeb, mint)).receipt.result).to.equal("SUCCESS");
    const approve = await token.approve(escrowAddress, 2n ** 256n - 1n).send({ feeLimit: 100_000_000 });
    expect((await waitForInfo(payerWeb, approve)).receipt.result).to.equal("SUCCESS");

    key = [payer().address, payee().address, hotKey().address, DAY, 7];
    id = await escrowAsPayer.channelId(key).call();
    // The id is computable off-chain from the keys' 20-byte addresses.
    expect(id).to.equal(
      channelId({ payer: payer().evm, payee: payee().evm, signer: hotKey().evm, disputeWindow: DAY, salt: 7n }),
    );

    const open = await escrowAsPayer.open(key, 100n * BTT).send({ feeLimit: 200_000_000 });
    const info = await waitForInfo(payerWeb, open);
    expect(info.receipt.result).to.equal("SUCCESS");
    energy.open = info.receipt.energy_usage_total;

    const { state } = await escrowAsPayer.getChannel(id).call();
    expect(state.status).to.equal(1n); // Open
    expect(state.deposit).to.equal(100n * BTT);
    expect(await token.balanceOf(escrowAddress).call()).to.equal(100n * BTT);
  });

  it("claims with a voucher signed by TronWeb's Trx._signTypedData", async () => {
    const amount = 30n * BTT;
    const signature = voucher(amount);
    // The digest the contract computes equals the one TronWeb signed.
    const estimate = await payeeWeb.transactionBuilder.estimateEnergy(
      escrowAddress,
      "claim((address,address,address,uint32,uint64),uint256,bytes)",
      {},
      [
        { type: "(address,address,address,uint32,uint64)", value: key },
        { type: "uint256", value: amount },
        { type: "bytes", value: signature },
      ],
      payee().address,
    );
    const claim = await escrowAsPayee.claim(key, amount, signature).send({ feeLimit: 200_000_000 });
    const info = await waitForInfo(payeeWeb, claim);
    expect(info.receipt.result).to.equal("SUCCESS");
    energy.claim = info.receipt.energy_usage_total;
    expect(estimate.energy_required).to.equal(energy.claim);

    expect(await escrowAsPayer.balanceOf(payee().address).call()).to.equal(amount);
    expect((await escrowAsPayer.getChannel(id).call()).state.claimed).to.equal(amount);
  });

  it("records a failing claim as REVERT, with the revert data and the energy it burnt", async () => {
    const forged = voucher(50n * BTT, payee().privateKey); // signed by the wrong key
    const txID = await escrowAsPayee.claim(key, 50n * BTT, forged).send({ feeLimit: 200_000_000 });
    const info = await waitForInfo(payeeWeb, txID);
    expect(info.receipt.result).to.equal("REVERT");
    expect(info.result).to.equal("FAILED");
    expect(hexToUtf8(info.resMessage)).to.equal("REVERT opcode executed");
    expect(info.receipt.energy_usage_total).to.be.greaterThan(0);
    expect(info.fee).to.equal(info.receipt.energy_usage_total * 100);
    const selector = keccakText("WrongSigner(bytes32,address,address)").slice(2, 10);
    expect(info.contractResult[0].slice(0, 8)).to.equal(selector);
    expect(info.contractResult[0]).to.include(hotKey().evm.slice(2)); // the expected signer
    expect(info.log).to.equal(undefined);
    const tx = await payeeWeb.trx.getTransaction(txID);
    expect(tx.ret?.[0].contractRet).to.equal("REVERT");
    // Nothing changed.
    expect((await escrowAsPayer.getChannel(id).call()).state.claimed).to.equal(30n * BTT);
  });

  it("refuses a reverting constant call the way java-tron does", async () => {
    const error = await escrowAsPayee
      .voucherDigest(id, 1n)
      .call()
      .then(() => undefined);
    expect(error).to.equal(undefined); // a view that succeeds
    const rejected = await payeeWeb.transactionBuilder
      .triggerConstantContract(escrowAddress, "withdraw(address,uint256)", {}, [
        { type: "address", value: payee().address },
        { type: "uint256", value: 10n ** 30n },
      ])
      .then(
        () => "resolved",
        (e: Error) => e.message,
      );
    expect(rejected).to.equal("REVERT opcode executed");
  });

  it("closes as the payee with a final voucher; the payer gets the rest", async () => {
    const before = BigInt(await token.balanceOf(payer().address).call());
    const close = await escrowAsPayee.close(key, 45n * BTT, voucher(45n * BTT)).send({ feeLimit: 200_000_000 });
    const info = await waitForInfo(payeeWeb, close);
    expect(info.receipt.result).to.equal("SUCCESS");
    energy.close = info.receipt.energy_usage_total;
    const { state } = await escrowAsPayer.getChannel(id).call();
    expect(state.status).to.equal(3n); // Closed
    expect(state.claimed).to.equal(45n * BTT);
    expect(await escrowAsPayer.balanceOf(payee().address).call()).to.equal(45n * BTT);
    expect(BigInt(await token.balanceOf(payer().address).call()) - before).to.equal(55n * BTT);
  });

  it("serves ChannelOpened and ChannelClaimed decoded from TronGrid's events API, paged", async () => {
    const opened = await payerWeb.event.getEventsByContractAddress(escrowAddress, { eventName: "ChannelOpened" });
    expect(opened.data).to.have.length(1);
    const e = opened.data![0] as unknown as {
      result: Record<string, string>;
      event_name: string;
      contract_address: string;
    };
    expect(e.event_name).to.equal("ChannelOpened");
    expect(e.contract_address).to.equal(escrowAddress);
    expect("0x" + e.result.id).to.equal(id);
    expect(e.result.payer).to.equal(payer().evm);
    expect(e.result.payee).to.equal(payee().evm);
    expect(e.result.signer).to.equal(hotKey().evm);
    expect(e.result.disputeWindow).to.equal(String(DAY));
    expect(e.result.salt).to.equal("7");
    expect(e.result.deposit).to.equal(String(100n * BTT));

    const claimed = await payerWeb.event.getEventsByContractAddress(escrowAddress, { eventName: "ChannelClaimed" });
    expect(claimed.data!.map((c) => (c as unknown as { result: { claimed: string } }).result.claimed)).to.deep.equal([
      String(30n * BTT),
    ]);

    // All escrow events, one per page, following the fingerprint, oldest first.
    const names: string[] = [];
    let fingerprint: string | undefined;
    do {
      const page = await payerWeb.event.getEventsByContractAddress(escrowAddress, {
        limit: 1,
        orderBy: "block_timestamp,asc",
        ...(fingerprint ? { fingerprint } : {}),
      });
      names.push(...page.data!.map((d) => (d as unknown as { event_name: string }).event_name));
      fingerprint = (page.meta as { fingerprint?: string }).fingerprint;
    } while (fingerprint);
    expect(names).to.deep.equal(["ChannelOpened", "ChannelClaimed", "ChannelClosed"]);

    // The token's events are the token's: Transfer into the escrow on open.
    const transfers = await payerWeb.event.getEventsByContractAddress(tokenAddress, { eventName: "Transfer" });
    expect(transfers.data!.length).to.be.greaterThan(0);
  });

  it("charges what estimateTronEnergy computes for the same calls on Hardhat's EVM", async () => {
    const provider = hre.network.provider;
    const snapshot = await provider.request({ method: "evm_snapshot" });
    try {
      const [p, q, hot] = await hre.ethers.getSigners();
      const t = await hre.ethers.deployContract("TestToken", ["Test BTT", "tBTT"]);
      const e = await hre.ethers.deployContract("ChannelEscrow", [await t.getAddress(), HOUR, 30 * DAY]);
      await (await t.mint(p.address, 1000n * BTT)).wait();
      await (await t.approve(await e.getAddress(), MaxUint256)).wait();
      const k = { payer: p.address, payee: q.address, signer: hot.address, disputeWindow: DAY, salt: 7n };
      const d = escrowDomain(SHASTA_CHAIN_ID, await e.getAddress());
      const sign = (amount: bigint) =>
        hot.signTypedData(d, VOUCHER_TYPES, { channelId: channelId(k), cumulativeAmount: amount });
      const hashes = {
        deployEscrow: e.deploymentTransaction()!.hash,
        open: (await e.open(k, 100n * BTT)).hash,
        claim: (await e.connect(q).claim(k, 30n * BTT, await sign(30n * BTT))).hash,
        close: (await e.connect(q).close(k, 45n * BTT, await sign(45n * BTT))).hash,
      };
      for (const [what, hash] of Object.entries(hashes)) {
        expect((await estimateTronEnergy(provider, hash)).energy, what).to.equal(energy[what]);
      }
    } finally {
      await provider.request({ method: "evm_revert", params: [snapshot] });
    }
  });

  it("reports TRON energy for open, claim and close, and served every request TronWeb made", async () => {
    console.log(
      `      energy: deploy escrow ${energy.deployEscrow}, open ${energy.open}, claim ${energy.claim}, close ${energy.close}`,
    );
    for (const what of ["open", "claim", "close"]) expect(energy[what], what).to.be.within(10_000, 150_000);
    expect(node.unknownPaths).to.deep.equal([]);
  });
});
