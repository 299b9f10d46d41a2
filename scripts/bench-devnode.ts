/**
 * How the development node holds up under a stream of transactions:
 *
 *   npm run bench:devnode
 *
 * Sends TRX transfers, then TRC-20 transfers (a contract call), through TronWeb over HTTP, each
 * waited for, and prints transactions per second and the process's resident memory every
 * REPORT_EVERY transactions. Writes bench/devnode.json. Memory must stay flat: the devnode once
 * took an EVM snapshot per transaction and grew by ~1 MB per transaction, faster as the chain grew.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { TronWeb } from "tronweb";
import { startDevnode } from "../src/devnode";
import { deploy, TOKEN } from "../test/tron/helpers";

const PER_KIND = 1_500;
const REPORT_EVERY = 500;

type Sample = { transactions: number; perSecond: number; rssMiB: number };

const rssMiB = (): number => {
  global.gc?.();
  return Math.round(process.memoryUsage().rss / 2 ** 20);
};

async function measure(send: () => Promise<void>): Promise<Sample[]> {
  const samples: Sample[] = [];
  let mark = Date.now();
  for (let i = 1; i <= PER_KIND; i++) {
    await send();
    if (i % REPORT_EVERY === 0) {
      const perSecond = Math.round(REPORT_EVERY / ((Date.now() - mark) / 1000));
      samples.push({ transactions: i, perSecond, rssMiB: rssMiB() });
      console.log(`  ${i} transactions: ${perSecond} tx/s, rss ${samples.at(-1)!.rssMiB} MiB`);
      mark = Date.now();
    }
  }
  return samples;
}

async function main(): Promise<void> {
  const node = await startDevnode({ port: 0 });
  try {
    const [a, b] = node.accounts;
    const tw = new TronWeb({ fullHost: node.url, privateKey: a.privateKey });
    const startMiB = rssMiB();
    console.log(`devnode started: rss ${startMiB} MiB`);

    console.log("TRX transfers (TransferContract):");
    const trx = await measure(async () => {
      const sent = await tw.trx.sendTransaction(b.address, 1);
      if (!sent.result) throw new Error(`transfer refused: ${JSON.stringify(sent)}`);
    });

    const { address: token } = await deploy(tw, TOKEN(), ["Test BTT", "tBTT"]);
    const contract = tw.contract(TOKEN().abi as never, token);
    await contract.mint(a.address, 10n ** 24n).send({ feeLimit: 100_000_000, shouldPollResponse: true });
    console.log("TRC-20 transfers (TriggerSmartContract):");
    const trc20 = await measure(async () => {
      await contract.transfer(b.address, 1n).send({ feeLimit: 100_000_000, shouldPollResponse: true });
    });

    const result = {
      startRssMiB: startMiB,
      trxTransfers: trx,
      trc20Transfers: trc20,
      node: process.version,
      note: "each transaction sent with TronWeb over loopback HTTP and waited for; one block per transaction",
    };
    writeFileSync(path.join(__dirname, "..", "bench", "devnode.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log("wrote bench/devnode.json");
  } finally {
    await node.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
