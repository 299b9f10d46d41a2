import { Command, InvalidArgumentError } from "commander";
import { Wallet } from "ethers";
import type { ChainAdapter } from "../../chain/types";
import type { Watchtower, WatchtowerEvent } from "../../channel/watchtowerTypes";
import type { Session } from "../session";
import { WrongChainError } from "../errors";
import { action, examples, untilInterrupted } from "../commandKit";
import { amountJson, formatBtt, formatDuration, formatGas, shortId } from "../format";
import type { CliIo } from "../output";

type WatchOptions = {
  fromBlock?: bigint;
  interval: number;
  confirmations: number;
  metricsPort?: number;
  logFormat: "text" | "json";
  alsoRpc: string[];
};

const portArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("Expected a port, 0 to 65535.");
  return Number(value);
};

const logFormatArg = (value: string): "text" | "json" => {
  if (value !== "text" && value !== "json") throw new InvalidArgumentError("Expected text or json.");
  return value;
};

const urlArg = (value: string, previous: string[]): string[] => {
  if (!/^https?:\/\/\S+$/.test(value)) throw new InvalidArgumentError("Expected an http:// or https:// JSON-RPC URL.");
  return [...previous, value];
};

/** A tower event as one JSON log line: bigints as decimal strings, errors by name and message. */
function jsonLine(e: WatchtowerEvent): string {
  const level =
    e.type === "atRisk" || e.type === "gaveUp"
      ? "error"
      : e.type === "claimFailed" || e.type === "error"
        ? "warn"
        : "info";
  return JSON.stringify({ time: new Date().toISOString(), level, event: e.type, ...e }, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v instanceof Error ? { name: v.name, message: v.message.split("\n")[0] } : v,
  );
}

const blockArg = (value: string): bigint => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("Expected a block number: 0, 1, 2, ...");
  return BigInt(value);
};

const millisecondsArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 10 || Number(value) > 3_600_000) {
    throw new InvalidArgumentError("Expected milliseconds from 10 to 3600000, e.g. 1000.");
  }
  return Number(value);
};

const confirmationsArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) > 1000) throw new InvalidArgumentError("Expected 0 to 1000 blocks.");
  return Number(value);
};

/**
 * `seedpay watch`: the watchtower (src/channel/watchtower.ts) as a process. It protects every
 * payee whose vouchers the store holds: when a payer starts a unilateral close, it claims the
 * best voucher before the dispute window ends. Its wallet pays the fees; the escrow pays the payee.
 */
export function watchCommand(io: CliIo): Command {
  return new Command("watch")
    .summary("watchtower: answer every unilateral close with the best stored voucher, until Ctrl-C")
    .description(
      "Runs the watchtower over this store (--db): it follows the escrow's events from a cursor kept in the " +
        "store, and when a payer starts a unilateral close on a channel whose vouchers the store holds, it claims " +
        "the best voucher within the dispute window (several channels in one claimMany). At start it also checks " +
        "the channels the store knows to be closing, so a close started while it was down is still answered. A " +
        "failed claim is retried with backoff until it lands or the channel is settled. Any wallet may run it " +
        "(it pays the fees; the escrow pays the payee). Each action is printed on stderr; Ctrl-C or SIGTERM stops " +
        "it after any claim in flight, and prints a summary.",
    )
    .option(
      "--from-block <n>",
      "on a first start (no cursor in the store yet), read events from this block, e.g. the escrow's deployment block",
      blockArg,
    )
    .option("--interval <ms>", "milliseconds between polls for events", millisecondsArg, 1000)
    .option("--confirmations <n>", "blocks an event must be buried under before it is acted on", confirmationsArg, 0)
    .option(
      "--metrics-port <port>",
      "serve Prometheus metrics (GET /metrics) and a health check (GET /health: 503 while a window is at risk) on 127.0.0.1:port",
      portArg,
    )
    .option("--log-format <format>", "text, or json: one JSON object per event on stderr", logFormatArg, "text")
    .option(
      "--also-rpc <url>",
      "another node of the same chain (repeatable; an EVM JSON-RPC URL, or with --tron / --network a TRON node serving /wallet and /v1): requests go to all, the freshest answer wins, a node on another chain is left out",
      urlArg,
      [],
    )
    .addHelpText(
      "after",
      examples([
        [
          "seedpay --db payee.db watch",
          "protect the payee's channels until Ctrl-C (fees from SEEDPAY_PRIVATE_KEY's wallet)",
        ],
        ["seedpay --network shasta --db payee.db watch --from-block 51234567", "on Shasta, first start"],
      ]),
    )
    .action(
      action<WatchOptions>(io, async (s, o) => {
        const { startWatchtower } = await import("../../channel/watchtower");
        const { createWatchtowerMetrics } = await import("../../channel/watchtowerMetrics");
        const chain = o.alsoRpc.length > 0 ? await multiNodeChain(s, o.alsoRpc) : await s.chain();
        const store = s.store();
        const claimed: { channelId: string; paid: bigint; tx: string }[] = [];
        const lost: { channelId: string; unclaimed: bigint; reason: string }[] = [];
        const say = (text: string): void => {
          if (o.logFormat === "text") s.out.note(text);
        };
        let tower: Watchtower | undefined;
        const metrics = createWatchtowerMetrics(() => tower);
        const onEvent = (e: WatchtowerEvent): void => {
          metrics.onEvent(e);
          if (o.logFormat === "json") s.out.note(jsonLine(e));
          switch (e.type) {
            case "started":
              say(
                `watching escrow ${s.address(chain.escrow)} ${e.resumed ? `from the stored cursor (block ${e.fromBlock})` : e.fromBlock === undefined ? "from the current block" : `from block ${e.fromBlock}`}; ` +
                  `checking ${e.scanning} stored channel(s) (Ctrl-C stops)`,
              );
              break;
            case "closeSeen":
              say(
                `channel ${shortId(e.channelId)} is closing (${e.source === "event" ? "close started" : "found at start"}); ` +
                  `window ends ${new Date(Number(e.closesAt) * 1000).toISOString()} (in ${formatDuration(timeLeft(e.closesAt))})`,
              );
              break;
            case "claimed":
              for (const c of e.channels) claimed.push({ channelId: c.channelId, paid: c.paid, tx: e.tx.hash });
              say(
                `claimed ${e.channels.map((c) => `${shortId(c.channelId)} +${formatBtt(c.paid)}`).join(", ")} ` +
                  `in one transaction (${s.txs.unit} ${formatGas(e.tx.gasUsed)})`,
              );
              break;
            case "claimFailed":
              say(
                `claim of ${e.channelIds.map(shortId).join(", ")} failed (attempt ${e.attempt}, retrying in ` +
                  `${Math.ceil(e.retryInMs / 1000)} s): ${e.error.message.split("\n")[0]}`,
              );
              break;
            case "skipped":
              say(`nothing to claim on ${shortId(e.channelId)}: ${e.detail}`);
              break;
            case "gaveUp":
              lost.push({ channelId: e.channelId, unclaimed: e.unclaimed, reason: e.reason });
              say(`gave up on ${shortId(e.channelId)} (${formatBtt(e.unclaimed)} unclaimed): ${e.detail}`);
              break;
            case "atRisk":
              say(
                `ERROR: channel ${shortId(e.channelId)} is still unclaimed with ${formatDuration(BigInt(e.secondsLeft))} of its ` +
                  `window left (${e.attempts} failed attempt(s)): check the node (--also-rpc adds endpoints) and this wallet's funds`,
              );
              break;
            case "error":
              say(`warning: ${e.error.message.split("\n")[0]}`);
              break;
          }
        };
        const served = o.metricsPort === undefined ? undefined : await metrics.serve(o.metricsPort);
        if (served) say(`metrics on ${served.url}/metrics, health on ${served.url}/health`);
        if (served && o.logFormat === "json")
          s.out.note(JSON.stringify({ level: "info", event: "metrics", url: served.url }));
        tower = await startWatchtower({
          chain,
          store,
          onEvent,
          fromBlock: o.fromBlock,
          pollingInterval: o.interval,
          confirmations: o.confirmations,
        });
        await untilInterrupted();
        await tower.stop();
        await served?.close();
        const { cursor, pending } = tower.status();
        const total = claimed.reduce((sum, c) => sum + c.paid, 0n);
        return {
          json: {
            claimed: claimed.map((c) => ({ channelId: c.channelId, paid: amountJson(c.paid), tx: c.tx })),
            gaveUp: lost.map((l) => ({ channelId: l.channelId, unclaimed: amountJson(l.unclaimed), reason: l.reason })),
            pending: pending.map((p) => p.channelId),
            cursor: cursor?.toString() ?? null,
            transactions: s.txs.sent,
          },
          text: [
            `stopped: claimed ${formatBtt(total)} on ${claimed.length} channel(s)` +
              (pending.length ? `; ${pending.length} still to claim at the next start` : "") +
              (lost.length ? `; gave up on ${lost.length}` : ""),
          ],
        };
      }),
    );
}

/**
 * The escrow through the session's node and `also`, as the session's wallet: on EVM through
 * MultiNodeProvider, on TRON through TronConnection.alsoNodes (TronNodeSet). Every node must be on
 * the session's chain; one that is not is left out until it is again.
 */
async function multiNodeChain(s: Session, also: string[]): Promise<ChainAdapter> {
  const { ProgressChain } = await import("../progressChain");
  const tron = await s.tronNode();
  if (tron) {
    const { TronHttp } = await import("../../chain/tron/tronHttp");
    const { TronChain } = await import("../../chain/tron/TronChain");
    const http = new TronHttp(
      { fullNode: tron.url, apiKey: tron.http.connection.apiKey, alsoNodes: also, chainId: tron.chainId },
      "seedpay watch --also-rpc",
    );
    // A node of another network is most likely a wrong URL: refused now, not left out silently.
    await http.nodes!.checkNow();
    for (const node of http.nodes!.status().slice(1)) {
      if (node.chainId === undefined) {
        s.out.warn(`--also-rpc ${node.url} does not answer; it is used once it answers on chain ${tron.chainId}`);
      } else if (node.chainId !== tron.chainId) {
        throw new WrongChainError(
          `--also-rpc ${node.url} is chain ${node.chainId}, but ${tron.url} is chain ${tron.chainId} ` +
            "(the low 4 bytes of the genesis block id)",
          { metaMessages: ["Give --also-rpc nodes of the same network as --tron / --network."] },
        );
      }
    }
    const chain = await TronChain.connect({ connection: http, privateKey: s.walletKey(), escrow: await s.escrow() });
    return new ProgressChain(chain, s.txs);
  }
  const node = await s.evmNode("--also-rpc");
  const { MultiNodeProvider } = await import("../../chain/evm/MultiNodeProvider");
  const { EvmChain } = await import("../../chain/evm/EvmChain");
  const provider = new MultiNodeProvider({ urls: [node.url, ...also], chainId: await s.chainId() });
  const signer = new Wallet(s.walletKey(), provider);
  return new ProgressChain(await EvmChain.connect({ signer, escrow: await s.escrow() }), s.txs);
}

function timeLeft(closesAt: bigint): bigint {
  const left = closesAt - BigInt(Math.floor(Date.now() / 1000));
  return left > 0n ? left : 0n;
}
