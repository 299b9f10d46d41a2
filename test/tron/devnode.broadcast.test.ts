import { expect } from "chai";
import { createHash } from "node:crypto";
import { utils } from "tronweb";
import type { TronWeb } from "tronweb";
import { startDevnode } from "../../src/devnode";
import type { Devnode } from "../../src/devnode";
import { deploy, hexToUtf8, TOKEN, tronWebFor, waitForInfo } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const sha256 = (hex: string) => createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");

/** TRON's broadcast rules: signatures, expiration, reference block, duplicates, and the shapes of refusals. */
describe("devnode: transactions and broadcast", function () {
  let node: Devnode;
  let tw: TronWeb;
  let tokenAddress: string;

  const post = async (path: string, body: unknown): Promise<Json> =>
    (await fetch(node.url + path, { method: "POST", body: JSON.stringify(body) })).json();

  /** A mint(owner, 1) the node builds for account 0, with optional local block header. */
  const mintTx = async (options: Json = {}): Promise<Json> => {
    const built = await tw.transactionBuilder.triggerSmartContract(
      tokenAddress,
      "mint(address,uint256)",
      { feeLimit: 100_000_000, ...options },
      [
        { type: "address", value: node.accounts[0].address },
        { type: "uint256", value: 1 },
      ],
    );
    return built.transaction;
  };

  before(async () => {
    node = await startDevnode({ port: 0 });
    tw = tronWebFor(node, 0);
    tokenAddress = (await deploy(tw, TOKEN(), ["Test BTT", "tBTT"])).address;
  });

  after(async () => {
    await node?.close();
  });

  it("builds transactions TronWeb's own checks accept, with txID = SHA-256(raw_data)", async () => {
    const tx = await mintTx();
    expect(utils.transaction.txCheck(tx)).to.equal(true);
    expect(tx.txID).to.equal(sha256(tx.raw_data_hex));
    const signed = await tw.trx.sign(tx);
    expect((await tw.trx.sendRawTransaction(signed)).result).to.equal(true);
    // What the node stores and serves back is the same transaction.
    await waitForInfo(tw, signed.txID);
    const stored = await tw.trx.getTransaction(signed.txID);
    expect(utils.transaction.txCheck(stored as Json)).to.equal(true);
    expect(stored.raw_data_hex).to.equal(signed.raw_data_hex);
    expect(stored.signature).to.deep.equal(signed.signature);
    expect(stored.ret?.[0].contractRet).to.equal("SUCCESS");
  });

  it("refuses a transaction signed by the wrong key (SIGERROR)", async () => {
    const tx = await mintTx();
    const signed = utils.crypto.signTransaction(node.accounts[1].privateKey, tx);
    const result: Json = await tw.trx.sendRawTransaction(signed);
    expect(result.code).to.equal("SIGERROR");
    expect(result.txid).to.equal(tx.txID);
    expect(hexToUtf8(result.message)).to.include(`is signed by ${node.accounts[1].address}`);
    expect(await tw.trx.getTransactionInfo(tx.txID)).to.deep.equal({});
  });

  it("refuses an expired transaction, and one expiring too far ahead (TRANSACTION_EXPIRATION_ERROR)", async () => {
    const ref = await tw.trx.getCurrentRefBlockParams();
    for (const expiration of [ref.timestamp - 1, ref.timestamp + 25 * 3600 * 1000]) {
      const tx = await mintTx({ txLocal: true, blockHeader: { ...ref, expiration } });
      const result: Json = await tw.trx.sendRawTransaction(await tw.trx.sign(tx));
      expect(result.code).to.equal("TRANSACTION_EXPIRATION_ERROR");
      expect(hexToUtf8(result.message)).to.equal("Transaction expired");
    }
  });

  it("refuses a transaction whose reference block is not on the chain (TAPOS_ERROR)", async () => {
    const ref = await tw.trx.getCurrentRefBlockParams();
    const tx = await mintTx({ txLocal: true, blockHeader: { ...ref, ref_block_hash: "00".repeat(8) } });
    const result: Json = await tw.trx.sendRawTransaction(await tw.trx.sign(tx));
    expect(result.code).to.equal("TAPOS_ERROR");
  });

  it("refuses a duplicate (DUP_TRANSACTION_ERROR)", async () => {
    const signed = await tw.trx.sign(await mintTx());
    expect((await tw.trx.sendRawTransaction(signed)).result).to.equal(true);
    const again: Json = await tw.trx.sendRawTransaction(signed);
    expect(again.code).to.equal("DUP_TRANSACTION_ERROR");
    expect(hexToUtf8(again.message)).to.equal("Dup transaction.");
  });

  it("refuses raw_data altered after signing", async () => {
    const signed = await tw.trx.sign(await mintTx());
    // JSON altered, hex kept: the two disagree.
    const altered = { ...signed, raw_data: { ...signed.raw_data, fee_limit: 1 } };
    expect((await post("/wallet/broadcasttransaction", altered)).code).to.equal("OTHER_ERROR");
    // Both altered consistently: the signature no longer matches the txID.
    const reencoded = await tw.trx.sign(await mintTx({ feeLimit: 99_000_000 }));
    const forged = { ...reencoded, signature: signed.signature };
    expect((await post("/wallet/broadcasttransaction", forged)).code).to.equal("SIGERROR");
  });

  it("runs out of energy at the fee limit: state unchanged, the whole limit charged", async () => {
    const token = tw.contract(TOKEN().abi as never, tokenAddress) as Json;
    const supply = await token.totalSupply().call();
    const balance = await tw.trx.getBalance(node.accounts[0].address);
    const txID = await token.mint(node.accounts[0].address, 5n).send({ feeLimit: 1_000 }); // 10 energy
    const info = await waitForInfo(tw, txID);
    expect(info.receipt.result).to.equal("OUT_OF_ENERGY");
    expect(info.receipt.energy_usage_total).to.equal(10);
    expect(info.fee).to.equal(1_000);
    expect(info.result).to.equal("FAILED");
    expect(await token.totalSupply().call()).to.equal(supply);
    expect(await tw.trx.getBalance(node.accounts[0].address)).to.equal(balance - 1_000);
  });

  it("a call or a deployment the EVM completes but the fee limit cannot pay for leaves no trace in state", async () => {
    const token = tw.contract(TOKEN().abi as never, tokenAddress) as Json;
    const owner = node.accounts[0].address;
    const supply = await token.totalSupply().call();
    const balance = await tw.trx.getBalance(owner);
    // mint costs ~11k energy; 5k cannot pay for it (the EVM, with ample gas, finishes it).
    const mintID = await token.mint(owner, 7n).send({ feeLimit: 500_000 });
    const minted = await waitForInfo(tw, mintID);
    expect(minted.receipt.result).to.equal("OUT_OF_ENERGY");
    expect(minted.fee).to.equal(500_000);
    expect(minted.log).to.equal(undefined);
    expect(await token.totalSupply().call()).to.equal(supply);
    expect(await token.balanceOf(owner).call()).to.equal(supply);

    // A TestToken deployment needs ~590k energy: 300k runs the constructor but cannot pay for it.
    const art = TOKEN();
    const create = await tw.transactionBuilder.createSmartContract(
      { abi: art.abi as never, bytecode: art.bytecode, parameters: ["X", "X"], feeLimit: 30_000_000 },
      owner,
    );
    const signed = await tw.trx.sign(create);
    expect((await tw.trx.sendRawTransaction(signed)).result).to.equal(true);
    const info = await waitForInfo(tw, signed.txID);
    expect(info.receipt.result).to.equal("OUT_OF_ENERGY");
    expect(info.fee).to.equal(30_000_000);
    const address = "0x" + utils.address.toHex(create.contract_address ?? info.contract_address).slice(2);
    expect(await node.provider.request({ method: "eth_getCode", params: [address, "latest"] })).to.equal("0x");
    const name = await node.provider.request({ method: "eth_getStorageAt", params: [address, "0x3", "latest"] });
    expect(BigInt(name as string)).to.equal(0n); // ERC20 _name, set by the constructor
    expect(await tw.trx.getBalance(owner)).to.equal(balance - 500_000 - 30_000_000);
  });

  it("moves TRX with TransferContract", async () => {
    const to = node.accounts[5].address;
    const before = await tw.trx.getBalance(to);
    const sent: Json = await tw.trx.sendTransaction(to, 2_500_000);
    expect(sent.result).to.equal(true);
    const info = await waitForInfo(tw, sent.transaction.txID);
    expect(info.receipt.net_usage).to.be.greaterThan(0);
    expect(await tw.trx.getBalance(to)).to.equal(before + 2_500_000);
  });

  it("serves java-tron's node-built deployment (wallet/deploycontract)", async () => {
    const art = TOKEN();
    const { AbiCoder } = await import("ethers");
    const built: Json = await post("/wallet/deploycontract", {
      owner_address: node.accounts[0].hex,
      abi: JSON.stringify(art.abi),
      bytecode: art.bytecode.slice(2),
      parameter: AbiCoder.defaultAbiCoder().encode(["string", "string"], ["Other", "OTH"]).slice(2),
      fee_limit: 3_000_000_000,
      consume_user_resource_percent: 100,
      origin_energy_limit: 10_000_000,
      name: "TestToken",
    });
    expect(utils.transaction.txCheck(built)).to.equal(true);
    const signed = await tw.trx.sign(built);
    expect((await tw.trx.sendRawTransaction(signed)).result).to.equal(true);
    const info = await waitForInfo(tw, signed.txID);
    expect(info.contract_address).to.equal(built.contract_address);
    const contract: Json = await tw.trx.getContract(built.contract_address);
    expect(contract.name).to.equal("TestToken");
    expect(contract.abi.entrys.find((e: Json) => e.name === "mint").type).to.equal("Function");
    const other = tw.contract(art.abi as never, built.contract_address) as Json;
    expect(await other.symbol().call()).to.equal("OTH");
  });

  it("answers an unknown path with 404, as java-tron does, and records it", async () => {
    // TRC-10 is not emulated: its APIs do not exist here.
    const response = await fetch(node.url + "/wallet/getassetissuelist", { method: "POST", body: "{}" });
    expect(response.status).to.equal(404);
    const viaTronWeb = await tw.fullNode.request("wallet/nosuchapi", {}, "post").then(
      () => "resolved",
      (e: Error) => e.message,
    );
    expect(viaTronWeb).to.include("404");
    expect(node.unknownPaths).to.deep.equal(["POST /wallet/getassetissuelist", "POST /wallet/nosuchapi"]);
    node.unknownPaths.length = 0;
  });

  it("answers TronWeb's node, chain and account reads", async () => {
    expect(await tw.isConnected()).to.deep.equal({ fullNode: true, solidityNode: true, eventServer: true });
    await tw.getFullnodeVersion();
    expect(tw.fullnodeVersion).to.equal("4.8.0");
    const parameters = await tw.trx.getChainParameters();
    expect(parameters.find((p) => p.key === "getEnergyFee")?.value).to.equal(100);
    expect(await tw.trx.getBandwidth(node.accounts[0].address)).to.equal(600);
    const resources: Json = await tw.trx.getAccountResources(node.accounts[0].address);
    expect(resources.EnergyLimit ?? 0).to.equal(0); // no staking: contract calls burn TRX
    const account: Json = await tw.trx.getAccount(node.accounts[0].address);
    expect(account.address).to.equal(node.accounts[0].hex);
    const contract: Json = await tw.trx.getAccount(tokenAddress);
    expect(contract.type).to.equal("Contract");
    expect(await tw.trx.getAccount(tw.address.fromHex("41" + "12".repeat(20)))).to.deep.equal({});
    const confirmed: Json = await tw.trx.getConfirmedCurrentBlock();
    expect(confirmed.blockID).to.match(/^[0-9a-f]{64}$/);
    expect(node.unknownPaths).to.deep.equal([]);
  });

  it("refuses visible=true explicitly instead of answering in the wrong format", async () => {
    const result = await post("/wallet/getaccount", { address: node.accounts[0].address, visible: true });
    expect(result.Error).to.include("visible");
  });

  it("lists the funded accounts in TRE's /admin/accounts-json format", async () => {
    const body: Json = await (await fetch(node.url + "/admin/accounts-json")).json();
    expect(body.privateKeys).to.have.length(node.accounts.length);
    for (const [i, key] of (body.privateKeys as string[]).entries()) {
      expect(key).to.match(/^[0-9a-f]{64}$/);
      expect(tw.address.fromPrivateKey(key)).to.equal(node.accounts[i].address);
    }
    expect(await tw.trx.getBalance(node.accounts[9].address)).to.equal(1_000_000_000_000);
  });

  it("carries the chain id in the genesis block id and chains blocks by parentHash", async () => {
    const genesis: Json = await tw.trx.getBlockByNumber(0);
    expect(genesis.blockID.slice(-8)).to.equal((2494104990).toString(16));
    const first: Json = await tw.trx.getBlockByNumber(1);
    expect(first.block_header.raw_data.parentHash).to.equal(genesis.blockID);
    expect(parseInt(first.blockID.slice(0, 16), 16)).to.equal(1);
  });

  it("moves the clock forward on request (dispute windows)", async () => {
    const before: Json = await tw.trx.getCurrentBlock();
    await node.increaseTime(7200);
    const after: Json = await tw.trx.getCurrentBlock();
    expect(after.block_header.raw_data.timestamp - before.block_header.raw_data.timestamp).to.be.at.least(7_200_000);
    // Transactions built on the new head are valid.
    const signed = await tw.trx.sign(await mintTx());
    expect((await tw.trx.sendRawTransaction(signed)).result).to.equal(true);
  });

  it("with a block time, includes a broadcast transaction in a later block", async () => {
    const timed = await startDevnode({ port: 0, blockTime: 200 });
    try {
      const web = tronWebFor(timed, 0);
      const headBefore: Json = await web.trx.getCurrentBlock();
      const sent: Json = await web.trx.sendTransaction(timed.accounts[1].address, 1_000);
      expect(sent.result).to.equal(true);
      const info = await waitForInfo(web, sent.transaction.txID);
      expect(info.blockNumber).to.be.greaterThan(headBefore.block_header.raw_data.number);
    } finally {
      await timed.close();
    }
  });
});
