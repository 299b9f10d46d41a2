/**
 * The main job on the embedded chain: `npm run demo`.
 *
 * Deploys a test BTT token and the ChannelEscrow on Hardhat's in-process EVM (chain id = Shasta's)
 * and walks one channel through its life: a leecher opens a channel to a seeder, pays per piece
 * with cumulative vouchers signed by a hot key, the seeder checks each voucher and claims without
 * closing, then closes with the last voucher and withdraws; the leecher gets the rest back.
 */
import hre from "hardhat";
import { formatUnits, Signature, verifyTypedData, Wallet } from "ethers";
import { channelId, escrowDomain, VOUCHER_TYPES, type ChannelKey } from "../src/voucher/typedData";

const { ethers } = hre;
const BTT = 10n ** 18n;
const PIECE_PRICE = BTT / 4n; // 0.25 BTT per 256 KiB piece
const fmt = (amount: bigint): string => `${formatUnits(amount, 18)} BTT`;
const short = (hex: string): string => `${hex.slice(0, 10)}…${hex.slice(-6)}`;

async function main(): Promise<void> {
  const [deployer, leecher, seeder] = await ethers.getSigners();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  console.log(`seedpay demo on the embedded chain (chain id ${chainId}, TRON Shasta's)\n`);

  const token = await ethers.deployContract("TestToken", ["Test BTT", "tBTT"], deployer);
  const escrow = await ethers.deployContract(
    "ChannelEscrow",
    [await token.getAddress(), 3600, 30 * 24 * 3600],
    deployer,
  );
  const escrowAddress = await escrow.getAddress();
  console.log(`deployed test BTT at ${await token.getAddress()}`);
  console.log(`deployed ChannelEscrow at ${escrowAddress} (dispute windows 1 h .. 30 d)\n`);

  await token.mint(leecher.address, 100n * BTT);
  await token.mint(seeder.address, 1n * BTT);

  // The leecher's torrent client signs vouchers with a hot key, never with its wallet.
  const hotKey = Wallet.createRandom();
  const key: ChannelKey = {
    payer: leecher.address,
    payee: seeder.address,
    signer: hotKey.address,
    disputeWindow: 6 * 3600,
    salt: BigInt(Date.now()),
  };
  const id = channelId(key);
  await (await token.connect(leecher).approve(escrowAddress, 20n * BTT)).wait();
  const openTx = await (await escrow.connect(leecher).open(key, 20n * BTT)).wait();
  console.log(`leecher opened channel ${short(id)} to the seeder with ${fmt(20n * BTT)}`);
  console.log(`  (vouchers signed by hot key ${short(hotKey.address)}; gas ${openTx!.gasUsed})\n`);

  const domain = escrowDomain(chainId, escrowAddress);
  let owed = 0n;
  let best = { amount: 0n, signature: "" };
  const payForPieces = async (pieces: number): Promise<void> => {
    for (let i = 0; i < pieces; i++) {
      owed += PIECE_PRICE;
      const signature = await hotKey.signTypedData(domain, VOUCHER_TYPES, { channelId: id, cumulativeAmount: owed });
      // The seeder checks the voucher before serving the next piece.
      const signer = verifyTypedData(domain, VOUCHER_TYPES, { channelId: id, cumulativeAmount: owed }, signature);
      if (signer !== key.signer || owed <= best.amount) throw new Error("seeder refused a voucher");
      best = { amount: owed, signature: Signature.from(signature).compactSerialized };
    }
    console.log(`seeder served ${pieces} pieces; best voucher now ${fmt(best.amount)}`);
  };

  await payForPieces(12);
  const claimTx = await (await escrow.connect(seeder).claim(key, best.amount, best.signature)).wait();
  console.log(`seeder claimed ${fmt(best.amount)} without closing (gas ${claimTx!.gasUsed})`);
  console.log(`  seeder's balance in the escrow: ${fmt(await escrow.balanceOf(seeder.address))}\n`);

  await payForPieces(20);
  const before = await token.balanceOf(leecher.address);
  const closeTx = await (await escrow.connect(seeder).close(key, best.amount, best.signature)).wait();
  const refund = (await token.balanceOf(leecher.address)) - before;
  const state = await escrow.getChannel(id);
  console.log(`seeder closed the channel with the last voucher (gas ${closeTx!.gasUsed})`);
  console.log(`  claimed in total ${fmt(state.claimed)}; leecher refunded ${fmt(refund)}`);

  const earned = await escrow.balanceOf(seeder.address);
  const withdrawTx = await (await escrow.connect(seeder).withdraw(seeder.address, earned)).wait();
  console.log(`seeder withdrew ${fmt(earned)} to its wallet (gas ${withdrawTx!.gasUsed})\n`);

  console.log("final balances:");
  console.log(`  leecher wallet ${fmt(await token.balanceOf(leecher.address))} (started with 100 BTT)`);
  console.log(`  seeder wallet  ${fmt(await token.balanceOf(seeder.address))} (started with 1 BTT)`);
  console.log(`  escrow holds   ${fmt(await token.balanceOf(escrowAddress))}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
