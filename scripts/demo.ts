/**
 * `npm run demo`: a WebTorrent seeder and two WebTorrent leechers, as separate processes on TCP
 * loopback, each with its own SQLite store: the leechers download real files over the BitTorrent
 * wire and pay per verified piece through the sp_pay BEP 10 extension, settling on the embedded
 * chain (Hardhat Network with TRON Shasta's chain id, served over JSON-RPC on a free loopback
 * port). The roles live in scripts/demo/; this file only directs them.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connectNode } from "../src/cli/connectNode";
import { startEmbeddedChain } from "../src/cli/embeddedChain";
import { balances, balanceTable, deployAndFund, formatGas, increaseTime } from "./demo/chain";
import { RoleProcess } from "./demo/ipc";
import { CREDIT_LIMIT, DISPUTE_WINDOW, PIECE_BYTES, PRICE_PER_MIB } from "./demo/role";

const say = (line: string): void => console.log(`${"[demo]".padEnd(12)}${line}`);

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), "seedpay-demo-"));
  const node = await startEmbeddedChain({ port: 0 });
  const roles: RoleProcess[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      await Promise.all(roles.map((r) => r.stop()));
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    })());
  const abort = (why: string): void => {
    console.error(`[demo] ${why}: stopping`);
    void cleanup().finally(() => process.exit(1));
  };
  process.once("SIGINT", () => abort("interrupted"));
  process.once("SIGTERM", () => abort("terminated"));
  setTimeout(() => abort("no end after 120 s"), 120_000).unref();
  try {
    say(`embedded chain up: chain id ${node.chainId} (TRON Shasta's), JSON-RPC on ${node.url}`);
    const [, l1, l2, seederAccount] = node.accounts;
    const { provider } = await connectNode(node.url);
    const { escrow, token, gasUsed } = await deployAndFund(node, provider, [l1.address, l2.address], 100n);
    say(`deployed test BTT and ChannelEscrow ${escrow}; minted 100 BTT to each leecher (gas ${formatGas(gasUsed)})`);
    const accounts = { "leecher-1": l1.address, "leecher-2": l2.address, seeder: seederAccount.address, escrow };
    const before = await balances(token, accounts);

    const env = (name: string, key: string): Record<string, string> => ({
      SEEDPAY_RPC: node.url,
      SEEDPAY_ESCROW: escrow,
      SEEDPAY_PRIVATE_KEY: key,
      SEEDPAY_DB: path.join(dir, `${name}.db`),
    });
    // Three processes, started together.
    const role = (name: string, script: string, key: string): RoleProcess => {
      const child = new RoleProcess(name, path.join(__dirname, "demo", script), env(name, key));
      roles.push(child);
      return child;
    };
    const seeder = role("seeder", "seeder.ts", seederAccount.privateKey);
    const leechers = [l1, l2].map((account, i) => role(`leecher-${i + 1}`, "leecher.ts", account.privateKey));
    await seeder.once("listening");
    const [one, two] = leechers;

    const ids = await Promise.all(
      leechers.map((l) =>
        l.call<{ channelId: string }>("open", { payee: seederAccount.address, deposit: String(5n * 10n ** 18n) }),
      ),
    );
    await Promise.all(ids.map(({ channelId }, i) => seeder.call("name", { channelId, name: `leecher-${i + 1}` })));
    // Two real files, seeded one after the other; the leechers reuse their channels for the second.
    const share = async (name: string, bytes: number) => {
      const file = path.join(dir, name);
      writeFileSync(file, randomBytes(bytes));
      const seeded = await seeder.call<{ torrent: string; port: number; sha256: string }>("seed", {
        file,
        pieceLength: PIECE_BYTES,
        pricePerMiB: PRICE_PER_MIB.toString(),
        creditLimit: CREDIT_LIMIT.toString(),
      });
      const download = {
        torrent: seeded.torrent,
        peer: `127.0.0.1:${seeded.port}`,
        maxPricePerMiB: PRICE_PER_MIB.toString(),
      };
      const results = await Promise.all([
        one.call<{ sha256: string }>("download", download),
        two.call<{ sha256: string }>("download", download),
      ]);
      for (const [i, r] of results.entries()) {
        if (r.sha256 !== seeded.sha256) throw new Error(`leecher-${i + 1}'s copy of ${name} differs from the seeder's`);
      }
    };
    await share("movie.bin", 4 * 1024 * 1024);
    await seeder.call("claim");
    await share("extras.bin", 2 * PIECE_BYTES);
    await seeder.call("close", { channelId: ids[0].channelId });
    await two.call("startClose");
    await seeder.once("claimedInWindow");
    await increaseTime(node, DISPUTE_WINDOW + 1);
    say(`${DISPUTE_WINDOW / 3600} h pass on the chain (evm_increaseTime): the dispute window is over`);
    await two.call("settle");
    await seeder.call("withdraw");

    const after = await balances(token, accounts);
    const table = balanceTable(before, after);
    say("token balances:");
    for (const line of table.lines) console.log(line);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (!table.conserved) throw new Error("the total of the balances changed");
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`[demo] failed: ${(error as Error).message ?? String(error)}`);
  process.exitCode = 1;
});
