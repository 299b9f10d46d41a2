import { expect } from "chai";
import { rmSync } from "node:fs";
import { startDevnode, type Devnode } from "../../../src/devnode";
import { startTronFaultProxy, type RpcFaultProxy } from "../../faults/rpcFaultProxy";
import { seedpay, startProcess, tempDir, until, type CliRun } from "./helpers";

/**
 * `seedpay watch --also-rpc` on TRON, as a process: the tower's first node (a fault proxy in front
 * of the devnode) shows none of the escrow's events and loses every broadcast; the second is the
 * devnode itself. The close is seen and claimed through the second.
 */
describe("seedpay CLI: watch --also-rpc on TRON (several nodes)", function () {
  this.timeout(120_000);
  let node: Devnode;
  let proxy: RpcFaultProxy;
  let cwd: string;
  let env: Record<string, string>;
  const key = (i: number) => node.accounts[i].privateKey;
  const address = (i: number) => node.accounts[i].address;
  const signerKey = `0x${"5e".repeat(32)}`;
  const ok = (run: CliRun, what: string): CliRun => {
    expect(run.code, `${what}:\n${run.stderr}`).to.equal(0);
    return run;
  };

  before(async () => {
    node = await startDevnode({ port: 0, accounts: 4 });
    proxy = await startTronFaultProxy(node.url);
    cwd = tempDir();
    env = { TRONBOX_DEVELOPMENT_URL: node.url, SEEDPAY_NETWORK: "development" };
    const deployer = { env: { ...env, SEEDPAY_PRIVATE_KEY: key(0) }, cwd };
    ok(await seedpay(["deploy", "--test-token"], deployer), "deploy");
    ok(await seedpay(["mint", "--to", address(1), "--amount", "10"], deployer), "mint");
  });
  after(async () => {
    await proxy?.close();
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("claims a close that its first node hides (no events, broadcasts lost) through the other", async () => {
    const payer = { ...env, SEEDPAY_PRIVATE_KEY: key(1), SEEDPAY_SIGNER_KEY: signerKey };
    const payee = { ...env, SEEDPAY_PRIVATE_KEY: key(2) };
    const run = async (who: Record<string, string>, db: string, args: string[], input?: string) =>
      ok(await seedpay(["--db", db, ...args], { env: who, cwd, input }), args.find((a) => !a.startsWith("-"))!);
    const open = await run(payer, "payer.db", ["--json", "open", "--payee", address(2), "--deposit", "4"]);
    const id = (JSON.parse(open.stdout) as { channel: { id: string } }).channel.id;
    const pay = await run(payer, "payer.db", ["pay", "--channel", id, "--amount", "2"]);
    await run(payee, "payee.db", ["receive"], pay.stdout);

    proxy.set({ kind: "emptyLogs" }, { kind: "swallow" });
    // The tower: the payee's store, another wallet paying the fees, the proxy first and the devnode second.
    const tower = startProcess(
      ["--db", "payee.db", "--json", "watch", "--interval", "100", "--also-rpc", node.url],
      { ...env, TRONBOX_DEVELOPMENT_URL: proxy.url, SEEDPAY_PRIVATE_KEY: key(3) },
      cwd,
    );
    try {
      await until(() => tower.stderr().includes("Ctrl-C stops"), "the tower to start");
      await run(payer, "payer.db", ["start-close", "--channel", id]);
      await until(() => /claimed 0x[0-9a-f]{8} \+2 BTT/.test(tower.stderr()), "the claim", 60_000);
    } finally {
      const stopped = await tower.stop();
      expect(stopped.code, stopped.stderr).to.equal(0);
      const summary = JSON.parse(stopped.stdout) as { claimed: { channelId: string }[] };
      expect(summary.claimed.map((c) => c.channelId)).to.deep.equal([id]);
    }
    // The first node did hide the close and lose the claim: the second is what saved it.
    expect(proxy.faulted.get("v1/contracts/{address}/events") ?? 0, "events hidden").to.be.greaterThan(0);
    expect(proxy.faulted.get("wallet/broadcasttransaction") ?? 0, "broadcasts lost").to.be.greaterThan(0);
    const status = JSON.parse((await run(payee, "payee.db", ["--json", "status"])).stdout) as {
      channels: { id: string; claimed: { btt: string } }[];
    };
    expect(status.channels.find((c) => c.id === id)?.claimed.btt).to.equal("2");
  });

  it("refuses an --also-rpc node of another chain at start, saying which and what to do", async () => {
    const other = await startTronFaultProxy(node.url);
    other.set({ kind: "chainId", chainId: 3448148188n });
    try {
      const run = await seedpay(["--db", "payee.db", "watch", "--also-rpc", other.url], {
        env: { ...env, SEEDPAY_PRIVATE_KEY: key(3) },
        cwd,
      });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.equal(
        `error: --also-rpc ${other.url} is chain 3448148188, but ${node.url} is chain 2494104990 (the low 4 bytes of the genesis block id)\n` +
          "  Give --also-rpc nodes of the same network as --tron / --network.\n",
      );
    } finally {
      await other.close();
    }
  });
});
