import hre from "hardhat";
import { Signature, type Log, type Provider } from "ethers";
import { EvmChain } from "../../../src/chain/evm/EvmChain";
import { watchEscrowEvents } from "../../../src/chain/evm/watchEscrowEvents";
import {
  channelId,
  CLOSE_CONSENT_TYPES,
  escrowDomain,
  VOUCHER_TYPES,
  type ChannelKey,
} from "../../../src/voucher/typedData";
import { BTT, describeChainAdapter, type AdapterFixture } from "./adapterSuite";

const { ethers, network } = hre;

/** A fresh token and escrow on Hardhat's network, and an EvmChain for the payer and the payee. */
async function setup(): Promise<AdapterFixture> {
  const [deployer, payer, payee, signer] = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["t", "t"], deployer);
  const escrow = await ethers.deployContract("ChannelEscrow", [await token.getAddress(), 3600, 2592000], deployer);
  const escrowAddress = await escrow.getAddress();
  await token.mint(payer.address, 1000n * BTT);
  const payerChain = await EvmChain.connect({ signer: payer, escrow: escrowAddress });
  const payeeChain = await EvmChain.connect({ signer: payee, escrow: escrowAddress });
  const domain = escrowDomain((await ethers.provider.getNetwork()).chainId, escrowAddress);
  return {
    payerChain,
    payeeChain,
    payer: payer.address,
    payee: payee.address,
    signer: signer.address,
    signVoucher: async (key: ChannelKey, amount: bigint) =>
      Signature.from(
        await signer.signTypedData(domain, VOUCHER_TYPES, { channelId: channelId(key), cumulativeAmount: amount }),
      ).compactSerialized,
    signConsent: (key: ChannelKey, finalAmount: bigint, deadline: bigint) =>
      payee.signTypedData(domain, CLOSE_CONSENT_TYPES, { channelId: channelId(key), finalAmount, deadline }),
    increaseTime: async (seconds: number) => {
      await network.provider.send("evm_increaseTime", [seconds]);
    },
    blockNumber: async () => BigInt(await ethers.provider.getBlockNumber()),
    watchFlaky: (parameters) => {
      // A provider that fails every third log read (the first among them), as a dropped connection does.
      let calls = 0;
      const flaky = new Proxy(ethers.provider, {
        get(target, prop, receiver) {
          if (prop === "getLogs") {
            return async (filter: unknown): Promise<Log[]> => {
              if (++calls % 3 === 1) throw new Error("connection dropped");
              return target.getLogs(filter as never);
            };
          }
          const value = Reflect.get(target, prop, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as unknown as Provider;
      return watchEscrowEvents(flaky, escrowAddress, parameters);
    },
    unreachable: async () => {
      const wallet = ethers.Wallet.createRandom().connect(
        new ethers.JsonRpcProvider("http://127.0.0.1:9", 1, { staticNetwork: true }),
      );
      return EvmChain.connect({ signer: wallet, escrow: escrowAddress });
    },
  };
}

describeChainAdapter("EvmChain", setup);
