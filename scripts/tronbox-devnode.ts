/**
 * Starts seedpay's development TRON node for TronBox (`tronbox migrate --network development`,
 * `tronbox test --network development`) until Ctrl-C. `seedpay devnode` does the same once the
 * CLI ships it.
 *
 *   npx ts-node --transpile-only scripts/tronbox-devnode.ts [--port 9090]
 */
import { startDevnode } from "../src/devnode";

async function main(): Promise<void> {
  const i = process.argv.indexOf("--port");
  const port = i > 0 ? Number(process.argv[i + 1]) : 9090;
  const node = await startDevnode({ port });
  console.log(`devnode listening on ${node.url} (chain id 2494104990)`);
  console.log(`account 0: ${node.accounts[0].address} (TronBox's development default)`);
  const stop = (): void => {
    void node.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
