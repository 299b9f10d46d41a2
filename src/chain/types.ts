import type { ChannelKey } from "../voucher/typedData";

/** Where a channel is in its life (the escrow's ChannelStatus). */
export type ChannelStatus = "none" | "open" | "closing" | "closed";

/** A channel's on-chain state. Amounts in token base units. */
export type ChannelState = {
  status: ChannelStatus;
  deposit: bigint;
  claimed: bigint;
  /** Unix seconds when a closing channel's dispute window ends; 0n unless closing. */
  closesAt: bigint;
};

/** A confirmed transaction: its reference on the chain and what it cost. */
export type TxResult = {
  /** Transaction hash (EVM) or txID (TRON), 0x-prefixed hex. */
  hash: string;
  blockNumber: bigint;
  /** Gas (EVM) or energy (TRON) the transaction used. */
  gasUsed: bigint;
  /** What the transaction burnt (TRON: energy and bandwidth, in sun); undefined on EVM chains. */
  fee?: TxFee;
};

/**
 * A TRON transaction's cost from its receipt. Bandwidth is the signed transaction's size: free
 * (600 bytes a day per account) or staked bandwidth pays it when enough is left, else it burns
 * `bandwidthSun` (1,000 sun a byte); energy the account does not have staked burns `energySun`.
 */
export type TxFee = {
  energy: bigint;
  energySun: bigint;
  /** Bytes of bandwidth used, free or burnt. */
  bandwidth: bigint;
  bandwidthSun: bigint;
  /** Everything burnt: energySun + bandwidthSun (+ any other fee TRON charged). */
  totalSun: bigint;
};

/** One voucher to claim in a batch. */
export type ClaimRequest = {
  key: ChannelKey;
  amount: bigint;
  signature: string;
};

/** How a claim is sent when its dispute window is about to end (see ChainAdapter.claimMany). */
export type ClaimOptions = {
  /**
   * Unix milliseconds, by this machine's clock, by which the claim must be in a block (a
   * watchtower converts the window's end from the chain's clock). The nearer it is, the harder the
   * sender pushes: an EVM replacement comes sooner with a larger fee raise; a TRON transaction gets
   * a wider fee limit and is broadcast again every block.
   */
  deadline?: number;
};

/** A consent close, sent by the payer (or by anyone holding the payer's or signer's authorisation). */
export type CloseWithConsentRequest = {
  key: ChannelKey;
  finalAmount: bigint;
  /** Unix seconds (chain time) after which the escrow refuses the consent. */
  deadline: bigint;
  /** The payee's signature over CloseConsent(channelId, finalAmount, deadline). */
  payeeSignature: string;
  /** The payer's or signer's signature over CloseAuthorization(…) when someone else sends; omit as the payer. */
  authorization?: string;
};

/** Where an event sits on the chain; `id` is unique per log and stable across re-reads. */
export type EventMeta = {
  id: string;
  blockNumber: bigint;
  blockHash: string;
  txHash: string;
  logIndex: number;
};

/** An escrow event, decoded. Together they rebuild every channel and balance. */
export type EscrowEvent = EventMeta &
  (
    | {
        type: "ChannelOpened";
        channelId: string;
        payer: string;
        payee: string;
        signer: string;
        disputeWindow: number;
        salt: bigint;
        deposit: bigint;
      }
    | { type: "ChannelToppedUp"; channelId: string; deposit: bigint }
    | { type: "ChannelClaimed"; channelId: string; claimed: bigint }
    | { type: "ChannelCloseStarted"; channelId: string; closesAt: bigint }
    | { type: "ChannelClosed"; channelId: string; claimed: bigint; refunded: bigint }
    | { type: "Credited"; account: string; amount: bigint }
    | { type: "Withdrawn"; account: string; to: string; amount: bigint }
  );

export type WatchEscrowEventsParameters = {
  /** First block to read; default: the current block. */
  fromBlock?: bigint;
  /**
   * Called with each new batch of events, in chain order, never the same log twice once it has
   * returned. If it throws (or rejects), the error goes to `onError` and the batch comes again at
   * the next poll: events are not lost to a failing handler.
   */
  onEvents: (events: EscrowEvent[]) => void | Promise<void>;
  /** Called when a poll fails (node unreachable, ...); the watcher keeps polling. */
  onError?: (error: Error) => void;
  /** Milliseconds between polls; default 1000. */
  pollingInterval?: number;
  /** Blocks an event must be buried under before it is delivered (reorg safety); default 0. */
  confirmations?: number;
  /**
   * Whether something still needs the watcher's fast polling, asked before each poll. A watcher
   * that slows down while nothing is urgent (TRON's, on a request budget) polls fast after an event
   * opens a dispute window; this lets the caller end that early: a watchtower whose claims are all
   * confirmed answers false and the watcher drops back to its idle pace. Default: always (the
   * window alone decides).
   */
  urgent?: () => boolean;
  /**
   * Called after each successful poll with how far the event source has shown it has indexed:
   * the head the poll read up to, the newest block the source has returned an event of, and the
   * connection's request budget (Infinity: none). A watchtower reads what is at stake directly
   * while the source lags (TronGrid's event service can be many blocks behind its node). Only TRON's
   * watcher reports it.
   */
  onProgress?: (progress: EventSourceProgress) => void;
};

/** How far an event source has got, as a watcher last saw it (see WatchEscrowEventsParameters.onProgress). */
export type EventSourceProgress = {
  head: bigint;
  /** The newest block the source has shown an event of (it has indexed at least that far); undefined: none yet. */
  indexed: bigint | undefined;
  /** Requests a day the connection may spend; Infinity for a node without a quota. */
  requestsPerDay: number;
};

/** Stops a watcher. */
export type Unwatch = () => void;

/**
 * Everything the library and CLI do on-chain, for one escrow. Implemented by EvmChain (ethers,
 * any EVM JSON-RPC node: Hardhat, BTTC) and TronChain (TronWeb). Addresses are 0x-hex, amounts
 * bigint, and every write waits for its transaction and returns a TxResult, or throws a
 * SeedpayError (contract errors decoded with their values).
 */
export interface ChainAdapter {
  readonly escrow: string;
  /** The account that signs transactions. */
  readonly account: string;

  chainId(): Promise<bigint>;
  /**
   * The newest block and its time in unix seconds: the chain's clock, which dispute windows are
   * measured by (a local clock may be off, and development chains move theirs at will).
   */
  latestBlock(): Promise<{ number: bigint; timestamp: bigint }>;
  token(): Promise<string>;
  getChannel(channelId: string): Promise<ChannelState>;
  /** What `account` can withdraw from the escrow. */
  escrowBalance(account: string): Promise<bigint>;
  tokenBalance(account: string): Promise<bigint>;
  allowance(owner: string): Promise<bigint>;

  /** Approves the escrow to pull `amount` from this account. */
  approve(amount: bigint): Promise<TxResult>;
  open(key: ChannelKey, amount: bigint): Promise<TxResult & { channelId: string }>;
  openMany(deposits: { key: ChannelKey; amount: bigint }[]): Promise<TxResult & { channelIds: string[] }>;
  topUp(channelId: string, amount: bigint): Promise<TxResult>;
  claim(request: ClaimRequest): Promise<TxResult>;
  claimMany(requests: ClaimRequest[], options?: ClaimOptions): Promise<TxResult & { credited: bigint }>;
  withdraw(to: string, amount: bigint): Promise<TxResult>;
  close(request: ClaimRequest | { key: ChannelKey }): Promise<TxResult>;
  closeWithConsent(request: CloseWithConsentRequest): Promise<TxResult>;
  startClose(key: ChannelKey): Promise<TxResult>;
  settle(key: ChannelKey): Promise<TxResult>;

  watchEvents(parameters: WatchEscrowEventsParameters): Unwatch;
}
