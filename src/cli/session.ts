import { mkdirSync } from "node:fs";
import path from "node:path";
import { Contract, VoidSigner, Wallet, getAddress } from "ethers";
import type { EvmChain } from "../chain/evm/EvmChain";
import type { ChainAdapter } from "../chain/types";
import type { ChannelRecord, ChannelRole, VoucherStore } from "../store/types";
import type { SqliteStore } from "../store/sqliteStore";
import type { VoucherSigner } from "../voucher/createVoucherSigner";
import type { VoucherVerifier } from "../voucher/createVoucherVerifier";
import { connectNode, type ConnectedNode } from "./connectNode";
import { deploymentFile, readDeployment } from "./deployments";
import { ChannelNotInStoreError, CliUsageError, EscrowNotFoundError } from "./errors";
import { findWalletKey, loadSignerKey, loadWalletKey } from "./keys";
import type { CliIo, Output } from "./output";
import { ProgressChain, TxLog } from "./progressChain";

// The chain adapter, store and voucher crypto load on first use: through ts-node the contract
// bindings alone take a second or more, which `--help` and a mistyped option should not wait for.
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  EvmChain: () => (require("../chain/evm/EvmChain") as typeof import("../chain/evm/EvmChain")).EvmChain,
  SqliteStore: () => (require("../store/sqliteStore") as typeof import("../store/sqliteStore")).SqliteStore,
  createVoucherSigner: () =>
    (require("../voucher/createVoucherSigner") as typeof import("../voucher/createVoucherSigner")).createVoucherSigner,
  createVoucherVerifier: () =>
    (require("../voucher/createVoucherVerifier") as typeof import("../voucher/createVoucherVerifier"))
      .createVoucherVerifier,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const DEFAULT_RPC = "http://127.0.0.1:8545";
export const DEFAULT_DB = "seedpay.db";
export const DEFAULT_NETWORK = "localhost";

/** The options every command accepts (see main.ts for their help). */
export type GlobalOptions = {
  rpc?: string;
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
 * What one command run needs, created on first use and released by `close`: the node connection,
 * the escrow, the wallet, the store. Flags win over environment variables, which win over defaults.
 */
export class Session {
  readonly txs: TxLog;
  readonly rpc: string;
  readonly dbPath: string;
  readonly network: string;
  readonly deploymentsDir: string;
  private nodePromise?: Promise<ConnectedNode>;
  private escrowPromise?: Promise<string>;
  private storeValue?: SqliteStore;
  private walletValue?: Wallet;

  constructor(
    readonly out: Output,
    readonly options: GlobalOptions,
    /** The subcommand's name, for messages. */
    readonly command: string,
  ) {
    const env = this.io.env;
    this.txs = new TxLog(out);
    this.rpc = options.rpc ?? env.SEEDPAY_RPC ?? DEFAULT_RPC;
    this.dbPath = path.resolve(this.io.cwd, options.db ?? env.SEEDPAY_DB ?? DEFAULT_DB);
    this.network = options.network ?? env.SEEDPAY_NETWORK ?? DEFAULT_NETWORK;
    this.deploymentsDir = path.resolve(this.io.cwd, options.deployments ?? env.SEEDPAY_DEPLOYMENTS ?? "deployments");
  }

  get io(): CliIo {
    return this.out.io;
  }

  get deploymentPath(): string {
    return deploymentFile(this.deploymentsDir, this.network);
  }

  node(): Promise<ConnectedNode> {
    this.nodePromise ??= connectNode(this.rpc);
    return this.nodePromise;
  }

  /** The escrow's address, checked to be a ChannelEscrow on the connected chain. */
  escrow(): Promise<string> {
    this.escrowPromise ??= this.resolveEscrow();
    return this.escrowPromise;
  }

  async chainId(): Promise<bigint> {
    return (await this.node()).chainId;
  }

  /** The wallet that signs transactions, connected to the node. */
  async wallet(): Promise<Wallet> {
    if (!this.walletValue) {
      const key = loadWalletKey(this.out, this.options, this.command);
      this.walletValue = new Wallet(key, (await this.node()).provider);
    }
    return this.walletValue;
  }

  /** The wallet's address if a key is configured, without requiring one. */
  walletAddress(): string | undefined {
    const key = findWalletKey(this.out, this.options);
    return key === undefined ? undefined : new Wallet(key).address;
  }

  /** The escrow through the wallet, reporting each transaction. */
  async chain(): Promise<ProgressChain> {
    const signer = await this.wallet();
    const inner: EvmChain = await lazy.EvmChain().connect({ signer, escrow: await this.escrow() });
    return new ProgressChain(inner, this.txs);
  }

  /** The escrow for reading only, as `account` (sending anything through it fails). */
  async readChain(account: string): Promise<ChainAdapter> {
    const signer = new VoidSigner(account, (await this.node()).provider);
    return lazy.EvmChain().connect({ signer, escrow: await this.escrow() });
  }

  async voucherSigner(): Promise<VoucherSigner> {
    const key = loadSignerKey(this.out, this.options, this.command);
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

  /** The channel `--channel` names: a full id or a unique prefix of one (at least 4 hex digits). */
  async findChannel(idOrPrefix: string, role?: ChannelRole): Promise<ChannelRecord> {
    if (!/^0x[0-9a-fA-F]{4,64}$/.test(idOrPrefix)) {
      throw new CliUsageError(`--channel ${JSON.stringify(idOrPrefix)} is not a channel id`, {
        metaMessages: [
          "Pass the id `seedpay open` printed (0x + 64 hex digits), or its first 4 bytes, e.g. 0x1a2b3c4d.",
        ],
      });
    }
    const wanted = idOrPrefix.toLowerCase();
    const matches = (await this.channels()).filter((c) => c.id.startsWith(wanted));
    if (matches.length === 0) {
      throw new ChannelNotInStoreError(`no channel ${idOrPrefix} in ${this.dbPath} for escrow ${await this.escrow()}`, {
        metaMessages: [
          "A payer's channels get there with `seedpay open`, a payee's with `seedpay receive`; `seedpay status` lists them.",
          "Check --db (SEEDPAY_DB) and the escrow (--escrow / --network).",
        ],
      });
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
    void this.nodePromise?.then((n) => n.provider.destroy()).catch(() => undefined);
  }

  private async resolveEscrow(): Promise<string> {
    const { chainId, provider, url } = await this.node();
    let address: string;
    let source: string;
    if (this.options.escrow ?? this.io.env.SEEDPAY_ESCROW) {
      source = this.options.escrow ? "--escrow" : "SEEDPAY_ESCROW";
      address = parseAddress(this.options.escrow ?? this.io.env.SEEDPAY_ESCROW!, source);
    } else {
      const file = this.deploymentPath;
      const deployment = readDeployment(file);
      if (!deployment) {
        throw new EscrowNotFoundError(`no escrow configured, and ${path.relative(this.io.cwd, file)} does not exist`, {
          metaMessages: [
            "Pass --escrow ADDR or set SEEDPAY_ESCROW, or choose a deployment with --network NAME,",
            "or deploy one to this node: seedpay deploy --test-token",
          ],
        });
      }
      source = path.relative(this.io.cwd, file);
      if (BigInt(deployment.chainId) !== chainId) {
        throw new EscrowNotFoundError(
          `${source} is a deployment on chain ${deployment.chainId}, but the node at ${url} is chain ${chainId}`,
          { metaMessages: ["Point --rpc at that chain's node, or choose another deployment with --network NAME."] },
        );
      }
      address = parseAddress(deployment.escrow.address, source);
    }
    if ((await provider.getCode(address)) === "0x") {
      throw new EscrowNotFoundError(`no contract at ${address} (from ${source}) on chain ${chainId} at ${url}`, {
        metaMessages: [
          "A restarted development node starts an empty chain: deploy again (seedpay deploy --test-token).",
          "Otherwise check --rpc and --escrow / --network.",
        ],
      });
    }
    try {
      await new Contract(address, ["function token() view returns (address)"], provider).token();
    } catch {
      throw new EscrowNotFoundError(`the contract at ${address} (from ${source}) is not a ChannelEscrow`);
    }
    return address;
  }
}

/** A 0x address from an option or a file, EIP-55 checksummed. */
export function parseAddress(text: string, source: string): string {
  try {
    return getAddress(text);
  } catch {
    throw new CliUsageError(`${source}: ${JSON.stringify(text)} is not an address (0x + 40 hex digits)`);
  }
}
