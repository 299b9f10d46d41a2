import { mkdirSync } from "node:fs";
import path from "node:path";
import { Wallet, getAddress } from "ethers";
import type { ChainAdapter } from "../chain/types";
import type { ChannelRecord, ChannelRole, VoucherStore } from "../store/types";
import type { SqliteStore } from "../store/sqliteStore";
import type { VoucherSigner } from "../voucher/createVoucherSigner";
import type { VoucherVerifier } from "../voucher/createVoucherVerifier";
import { normalizeAddress } from "../voucher/normalizeAddress";
import { EvmNode, type ChainNode } from "./chainNode";
import { connectNode } from "./connectNode";
import { deploymentFile, readDeployment } from "./deployments";
import { ChannelNotInStoreError, CliUsageError, EscrowNotFoundError, WrongChainError } from "./errors";
import { findWalletKey, loadSignerKey, loadWalletKey } from "./keys";
import { resolveTarget, type ChainTarget } from "./networks";
import type { CliIo, Output } from "./output";
import { ProgressChain, TxLog } from "./progressChain";
import { connectTron, toBase58, type TronNode } from "./tronNode";

// The store and voucher crypto load on first use (the chain adapters too, in chainNode.ts and
// tronNode.ts): through ts-node the contract bindings alone take a second or more, which `--help`
// and a mistyped option should not wait for.
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  SqliteStore: () => (require("../store/sqliteStore") as typeof import("../store/sqliteStore")).SqliteStore,
  createVoucherSigner: () =>
    (require("../voucher/createVoucherSigner") as typeof import("../voucher/createVoucherSigner")).createVoucherSigner,
  createVoucherVerifier: () =>
    (require("../voucher/createVoucherVerifier") as typeof import("../voucher/createVoucherVerifier"))
      .createVoucherVerifier,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export { DEFAULT_RPC } from "./networks";
export const DEFAULT_DB = "seedpay.db";

/** The options every command accepts (see main.ts for their help). */
export type GlobalOptions = {
  rpc?: string;
  tron?: string;
  escrow?: string;
  db?: string;
  network?: string;
  deployments?: string;
  json?: boolean;
  keyFile?: string;
  signerKeyFile?: string;
  verbose?: boolean;
};

/**
 * What one command run needs, created on first use and released by `close`: the node connection
 * (EVM JSON-RPC or TRON's HTTP API), the escrow, the wallet, the store. Flags win over environment
 * variables, which win over defaults (networks.ts says how the node is chosen).
 */
export class Session {
  readonly txs: TxLog;
  readonly target: ChainTarget;
  readonly dbPath: string;
  readonly deploymentsDir: string;
  private nodePromise?: Promise<ChainNode>;
  private escrowPromise?: Promise<string>;
  private storeValue?: SqliteStore;
  private chainValue?: Promise<ProgressChain>;

  constructor(
    readonly out: Output,
    readonly options: GlobalOptions,
    /** The subcommand's name, for messages. */
    readonly command: string,
  ) {
    const env = this.io.env;
    this.target = resolveTarget(options, env);
    this.txs = new TxLog(out, this.target.kind === "tron" ? "energy" : "gas");
    this.dbPath = path.resolve(this.io.cwd, options.db ?? env.SEEDPAY_DB ?? DEFAULT_DB);
    this.deploymentsDir = path.resolve(this.io.cwd, options.deployments ?? env.SEEDPAY_DEPLOYMENTS ?? "deployments");
  }

  get io(): CliIo {
    return this.out.io;
  }

  /** The deployment file's name: --network, SEEDPAY_NETWORK, else `localhost` (EVM) or `development` (TRON). */
  get network(): string {
    return this.target.network;
  }

  get isTron(): boolean {
    return this.target.kind === "tron";
  }

  get deploymentPath(): string {
    return deploymentFile(this.deploymentsDir, this.network);
  }

  node(): Promise<ChainNode> {
    this.nodePromise ??=
      this.target.kind === "tron"
        ? connectTron(this.target)
        : connectNode(this.target.url).then((connected) => new EvmNode(connected));
    return this.nodePromise;
  }

  /** The EVM node, for what only runs there; refuses on TRON. */
  async evmNode(what = `\`seedpay ${this.command}\``): Promise<EvmNode> {
    const node = await this.node();
    if (!(node instanceof EvmNode)) {
      throw new CliUsageError(`${what} runs on EVM JSON-RPC nodes only, not on TRON (${node.url})`, {
        metaMessages: ["Point it at an EVM node with --rpc URL (e.g. `seedpay node`'s http://127.0.0.1:8545)."],
      });
    }
    return node;
  }

  /** The TRON node; undefined on EVM. */
  async tronNode(): Promise<TronNode | undefined> {
    const node = await this.node();
    return node.kind === "tron" ? (node as TronNode) : undefined;
  }

  /** The escrow's address (0x-hex), checked to be a ChannelEscrow on the connected chain. */
  escrow(): Promise<string> {
    this.escrowPromise ??= this.resolveEscrow();
    return this.escrowPromise;
  }

  async chainId(): Promise<bigint> {
    return (await this.node()).chainId;
  }

  /** The escrow's shortest and longest dispute windows, seconds (what a channel's window must lie between). */
  async disputeWindowBounds(): Promise<[min: bigint, max: bigint]> {
    const [min, max] = (await (
      await this.node()
    ).view(await this.escrow(), "function disputeWindowBounds() view returns (uint256, uint256)")) as unknown as [
      bigint,
      bigint,
    ];
    return [min, max];
  }

  /** An address as people see it on this chain: base58 T… on TRON, EIP-55 0x on EVM. */
  address(address: string): string {
    return this.isTron ? toBase58(address) : getAddress(normalizeAddress(address));
  }

  /** The ethers wallet that signs EVM transactions (deploy, mint). */
  async wallet(): Promise<Wallet> {
    const node = await this.evmNode();
    return node.wallet(loadWalletKey(this.out, this.options, this.command));
  }

  /** The wallet's key; commands that send transactions need it. */
  walletKey(): string {
    return loadWalletKey(this.out, this.options, this.command);
  }

  /** The wallet's address (0x-hex) if a key is configured, without requiring one. */
  walletAddress(): string | undefined {
    const key = findWalletKey(this.out, this.options);
    return key === undefined ? undefined : new Wallet(key).address;
  }

  /** The escrow through the wallet, reporting each transaction. */
  chain(): Promise<ProgressChain> {
    this.chainValue ??= (async () => {
      const key = this.walletKey();
      const node = await this.node();
      return new ProgressChain(await node.connect(key, await this.escrow()), this.txs);
    })();
    return this.chainValue;
  }

  /** The escrow for reading only, as `account` (sending anything through it fails). */
  async readChain(account: string): Promise<ChainAdapter> {
    return (await this.node()).readOnly(account, await this.escrow());
  }

  async voucherSigner(): Promise<VoucherSigner> {
    const key = loadSignerKey(this.out, this.options, this.command);
    return lazy.createVoucherSigner()({ privateKey: key, chainId: await this.chainId(), escrow: await this.escrow() });
  }

  /**
   * The wallet key as a TIP-712 signer on this escrow's domain: a close consent is the payee's,
   * and the escrow checks it against `key.payee`, the wallet, not the channel's voucher signer.
   */
  async walletSigner(): Promise<VoucherSigner> {
    const key = this.walletKey();
    return lazy.createVoucherSigner()({ privateKey: key, chainId: await this.chainId(), escrow: await this.escrow() });
  }

  async verifier(): Promise<VoucherVerifier> {
    return lazy.createVoucherVerifier()({ chainId: await this.chainId(), escrow: await this.escrow() });
  }

  store(): VoucherStore {
    if (!this.storeValue) {
      mkdirSync(path.dirname(this.dbPath), { recursive: true });
      this.storeValue = new (lazy.SqliteStore())(this.dbPath);
    }
    return this.storeValue;
  }

  /** The stored channels of this chain and escrow (a store may hold channels of other deployments). */
  async channels(role?: ChannelRole): Promise<ChannelRecord[]> {
    const chainId = Number(await this.chainId());
    const escrow = (await this.escrow()).toLowerCase();
    return this.store()
      .listChannels(role ? { role } : {})
      .filter((c) => c.chainId === chainId && c.escrow.toLowerCase() === escrow);
  }

  /**
   * The channel `--channel` names: a full id or a unique prefix of one, at least 4 hex digits, in
   * any case, with or without 0x (what `open` and `status` print works as is).
   */
  async findChannel(idOrPrefix: string, role?: ChannelRole): Promise<ChannelRecord> {
    const hex = /^(?:0x)?([0-9a-f]{4,64})$/i.exec(idOrPrefix.trim())?.[1];
    if (hex === undefined) {
      throw new CliUsageError(`--channel ${JSON.stringify(idOrPrefix)} is not a channel id or a prefix of one`, {
        metaMessages: [
          "Pass the id `seedpay open` printed (64 hex digits, 0x optional), or a unique prefix of at least 4 hex digits,",
          "e.g. 0x1a2b3c4d as `seedpay status` prints it.",
        ],
      });
    }
    const wanted = `0x${hex.toLowerCase()}`;
    const matches = (await this.channels()).filter((c) => c.id.startsWith(wanted));
    if (matches.length === 0) {
      throw new ChannelNotInStoreError(
        `no channel ${idOrPrefix} in ${this.dbPath} for escrow ${this.address(await this.escrow())}`,
        {
          metaMessages: [
            "A payer's channels get there with `seedpay open`, a payee's with `seedpay receive`; `seedpay status` lists them.",
            "Check --db (SEEDPAY_DB), the node and the escrow (--escrow / --network).",
          ],
        },
      );
    }
    if (matches.length > 1) {
      throw new ChannelNotInStoreError(`--channel ${idOrPrefix} matches ${matches.length} channels`, {
        metaMessages: matches.map((c) => `  ${c.id}`).concat("Pass more of the id."),
      });
    }
    const channel = matches[0];
    if (role && channel.role !== role) {
      throw new CliUsageError(
        `channel ${channel.id}: we are its ${channel.role}, and \`seedpay ${this.command}\` is for the ${role}`,
        { metaMessages: [`Run it with the ${role}'s store (--db) and key.`] },
      );
    }
    return channel;
  }

  close(): void {
    this.storeValue?.close();
    void this.nodePromise?.then((n) => n.close()).catch(() => undefined);
  }

  private async resolveEscrow(): Promise<string> {
    const node = await this.node();
    const { chainId, url } = node;
    const nodeFlag = this.isTron ? "--tron / --network" : "--rpc";
    let address: string;
    let source: string;
    if (this.options.escrow ?? this.io.env.SEEDPAY_ESCROW) {
      source = this.options.escrow ? "--escrow" : "SEEDPAY_ESCROW";
      address = parseAddress(this.options.escrow ?? this.io.env.SEEDPAY_ESCROW!, source);
    } else {
      const file = this.deploymentPath;
      const deployment = readDeployment(file);
      if (!deployment) {
        const deploy = this.isTron
          ? [
              `deploy one to this node: seedpay deploy --test-token --network ${this.network}` +
                (this.network === "development" ? "" : ` --tron ${url}`),
              `(or npx tronbox migrate --network ${this.network}; both write ${path.relative(this.io.cwd, file)})`,
            ]
          : ["or deploy one to this node: seedpay deploy --test-token"];
        throw new EscrowNotFoundError(`no escrow configured, and ${path.relative(this.io.cwd, file)} does not exist`, {
          metaMessages: [
            "Pass --escrow ADDR or set SEEDPAY_ESCROW, choose a deployment with --network NAME",
            `(--deployments DIR says where the files are, default ./deployments), ${deploy[0]}`,
            ...deploy.slice(1),
          ],
        });
      }
      source = path.relative(this.io.cwd, file);
      if (BigInt(deployment.chainId) !== chainId) {
        throw new WrongChainError(
          `${source} is a deployment on chain ${deployment.chainId}, but the node at ${url} is chain ${chainId}`,
          {
            metaMessages: [`Point ${nodeFlag} at that chain's node, or choose another deployment with --network NAME.`],
          },
        );
      }
      address = parseAddress(deployment.escrow.address, source);
    }
    const shown = this.address(address);
    if (!(await node.hasCode(address))) {
      throw new EscrowNotFoundError(`no contract at ${shown} (from ${source}) on chain ${chainId} at ${url}`, {
        metaMessages: [
          this.isTron
            ? "A restarted development node starts an empty chain: deploy again (seedpay deploy --test-token --network development)."
            : "A restarted development node starts an empty chain: deploy again (seedpay deploy --test-token).",
          `Otherwise check ${nodeFlag} and --escrow / --network.`,
        ],
      });
    }
    // Identity first, so a wrong address fails here and not as a raw revert halfway through a
    // command. The token and the StorageBond have token() too; only the escrow has both.
    try {
      await node.view(address, "function token() view returns (address)");
      await node.view(address, "function disputeWindowBounds() view returns (uint256, uint256)");
    } catch {
      throw new EscrowNotFoundError(`the contract at ${shown} (from ${source}) is not a ChannelEscrow`, {
        metaMessages: [
          "It does not answer the escrow's token() and disputeWindowBounds(): is it the token or the StorageBond?",
          "The escrow is contracts.escrow in the deployment file (seedpay deploy prints it as `escrow`).",
        ],
      });
    }
    return address;
  }
}

/** An address from an option or a file (0x, or TRON base58 / 41-hex), as EIP-55 0x-hex. */
export function parseAddress(text: string, source: string): string {
  try {
    return normalizeAddress(text);
  } catch {
    throw new CliUsageError(
      `${source}: ${JSON.stringify(text)} is not an address (0x + 40 hex digits, or a TRON T… address)`,
    );
  }
}
