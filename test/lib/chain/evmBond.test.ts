import hre from "hardhat";
import { EvmBond } from "../../../src/chain/evm/EvmBond";
import { BTT } from "./adapterSuite";
import { describeBondAdapter, type BondFixture } from "./bondAdapterSuite";

const { ethers, network } = hre;

/** A fresh blacklisting token and StorageBond on Hardhat's network, and an EvmBond per party. */
async function setup(): Promise<BondFixture> {
  const [deployer, client, provider, keeper] = await ethers.getSigners();
  const token = await ethers.deployContract("RevertingToken", [], deployer);
  const bond = await ethers.deployContract("StorageBond", [await token.getAddress()], deployer);
  const bondAddress = await bond.getAddress();
  for (const a of [client, provider]) await token.mint(a.address, 10_000n * BTT);
  const connect = (signer: typeof client) => EvmBond.connect({ signer, bond: bondAddress });
  return {
    clientBond: await connect(client),
    providerBond: await connect(provider),
    keeperBond: await connect(keeper),
    client: client.address,
    provider: provider.address,
    keeper: keeper.address,
    nativeAddress: (address) => address,
    tokenBalance: (account) => token.balanceOf(account),
    setBlacklisted: async (account, value) => {
      await (await token.setBlacklisted(account, value)).wait();
    },
    increaseTime: async (seconds) => {
      await network.provider.send("evm_increaseTime", [seconds]);
      await network.provider.send("evm_mine", []);
    },
    blockNumber: async () => BigInt(await ethers.provider.getBlockNumber()),
    unreachable: async () => {
      const wallet = ethers.Wallet.createRandom().connect(
        new ethers.JsonRpcProvider("http://127.0.0.1:9", 1, { staticNetwork: true }),
      );
      return EvmBond.connect({ signer: wallet, bond: bondAddress });
    },
  };
}

describeBondAdapter("EvmBond", setup);
