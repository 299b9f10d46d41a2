import type { EvmAddress } from "../address";
import type { DevAccount } from "../devAccounts";
import { createEvm } from "../evm";
import type { Evm, EvmBlock, EvmLog } from "../evm";
import { EventStore } from "./events";
import { contractAddressFor, executeConstant, executeCreate, executeTrigger } from "./executor";
import type { ConstantCall, ConstantCallResult, RawOutcome } from "./executor";
import type { ContractRecord, ExecutionOutcome, TronBlock, TxRecord } from "./records";
import { BroadcastError, validateAgainstState, validateSubmission } from "./validate";
import { BandwidthLedger, bandwidthOf } from "./bandwidth";
import type { ChainView, Submission } from "./validate";
import { SerialQueue } from "./serialQueue";

export interface DevChainOptions {
  chainId: number;
  accounts: DevAccount[];
  /** Sun each dev account starts with. */
  balance: bigint;
  /** Sun per unit of energy burnt. */
  energyPrice: number;
  /**
   * Milliseconds between blocks: the transactions broadcast in between are packed into the next
   * block, in the order they arrived. Undefined: a block per transaction (and an empty one when the
   * head is 3 s old).
   */
  blockTime?: number;
  hardfork: string;
  /** Blocks between the head and the newest solidified block (TRON: 19); default 0, every block solid at once. */
  solidityDelay?: number;
  /** Charge bandwidth: free bytes per day, then 1,000 sun a byte, BANDWITH_ERROR when unpaid. Default false. */
  bandwidth?: boolean;
}

/** TRON produces a block every 3 s; the head never looks older than that. */
const SLOT_MS = 3000;

/** A transaction executed for the block being built; published with the block. */
interface Staged {
  record: TxRecord;
  logs: EvmLog[];
  caller?: EvmAddress;
}

/**
 * The devnode's chain: TRON blocks, transactions, receipts, contracts and events over an
 * in-process EVM. Each transaction runs in an EVM block of its own (its trace, pricing and undo
 * need that); a TRON block is the range of EVM blocks of its transactions (see TronBlock). All EVM
 * access is serialized.
 */
export class DevChain implements ChainView {
  readonly queue = new SerialQueue();
  readonly events = new EventStore();
  readonly blocks: TronBlock[] = [];
  readonly txs = new Map<string, TxRecord>();
  readonly contracts = new Map<EvmAddress, ContractRecord>();
  /** Accounts TRON would know (activated), with their creation time. */
  readonly created = new Map<EvmAddress, number>();
  private readonly pending = new Map<string, Submission>();
  /**
   * Transactions of the block being built. Readers outside the queue (receipts, blocks, events)
   * see them only once the block is sealed, all at once, so a receipt never names a block that
   * does not exist yet.
   */
  private building: Staged[] = [];
  readonly bandwidth = new BandwidthLedger();
  private offsetMs = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly evm: Evm,
    readonly options: DevChainOptions,
  ) {}

  static async create(options: DevChainOptions): Promise<DevChain> {
    const evm = await createEvm({
      chainId: options.chainId,
      hardfork: options.hardfork,
      genesisAccounts: options.accounts.map((a) => ({ privateKey: "0x" + a.privateKey, balance: options.balance })),
    });
    const chain = new DevChain(evm, options);
    await chain.seal();
    for (const a of options.accounts) chain.created.set(a.evm, chain.blocks[0].timestamp);
    if (options.blockTime !== undefined) {
      chain.timer = setInterval(
        () => void chain.queue.run(() => chain.produceBlock()).catch(() => undefined),
        options.blockTime,
      );
      chain.timer.unref();
    }
    return chain;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  head(): TronBlock {
    return this.blocks[this.blocks.length - 1];
  }

  /** The newest solidified block: `solidityDelay` blocks behind the head. */
  solidHead(): TronBlock {
    return this.blocks[Math.max(0, this.blocks.length - 1 - (this.options.solidityDelay ?? 0))];
  }

  /** Changes the energy price from the next transaction on, as a committee proposal does. */
  async setEnergyPrice(sun: number): Promise<void> {
    if (!Number.isSafeInteger(sun) || sun <= 0)
      throw new Error(`the energy price must be a positive integer, not ${sun}`);
    await this.queue.run(async () => {
      this.options.energyPrice = sun;
    });
  }

  nowMs(): number {
    return Math.max(Date.now() + this.offsetMs, this.head().timestamp);
  }

  /** Transactions broadcast and waiting for the next block (only with a block time). */
  get pendingCount(): number {
    return this.pending.size;
  }

  isKnownTransaction(txID: string): boolean {
    return this.txs.has(txID) || this.pending.has(txID);
  }

  blockForTapos(refBlockBytes: string): TronBlock | undefined {
    const low = parseInt(refBlockBytes, 16);
    const head = this.head().number;
    const n = head - ((head - low) & 0xffff);
    if (n < 0 || Number.isNaN(low)) return undefined;
    return this.blocks[n];
  }

  /** Mines an empty block if the head is a slot old, so a transaction built on it does not expire early. */
  async ensureFreshHead(): Promise<void> {
    if (this.options.blockTime !== undefined) return;
    await this.queue.run(async () => {
      if (Date.now() + this.offsetMs - this.head().timestamp >= SLOT_MS) await this.mineEmpty();
    });
  }

  /** Moves the chain clock forward and produces a block at the new time (with what is pending). */
  async increaseTime(seconds: number): Promise<TronBlock> {
    return this.queue.run(async () => {
      this.offsetMs += Math.round(seconds * 1000);
      await this.produceBlock();
      return this.head();
    });
  }

  /**
   * Produces `count` blocks now; with a block time, the first packs the transactions pending, as
   * the next tick would (a test can then choose which transactions share a block).
   */
  async mine(count: number): Promise<TronBlock> {
    return this.queue.run(async () => {
      for (let i = 0; i < count; i++) await this.produceBlock();
      return this.head();
    });
  }

  /**
   * Runs a call without a transaction (triggerconstantcontract, estimateenergy) on the state of
   * block `at` (the solidity node's: the solid block), or of the head.
   */
  async constantCall(call: ConstantCall, at?: TronBlock): Promise<ConstantCallResult> {
    return this.queue.run(() =>
      executeConstant(this.evm, call, (a) => this.accountExists(a, at), at ? this.stateTag(at) : "latest"),
    );
  }

  /** The contract at `address` if it exists in block `at` (default: the head). */
  contractAt(address: EvmAddress, at?: TronBlock): ContractRecord | undefined {
    const contract = this.contracts.get(address);
    if (!contract || !at) return contract;
    const created = this.txs.get(contract.txID)?.blockNumber;
    return created !== undefined && created <= at.number ? contract : undefined;
  }

  /** An account's balance in block `at` (default: the head). */
  async balanceAt(address: EvmAddress, at?: TronBlock): Promise<bigint> {
    return this.queue.run(() => this.evm.balance(address, at ? this.stateTag(at) : "latest"));
  }

  /** Validates and executes (or, with a block time, queues) a signed transaction; throws BroadcastError. */
  async submit(rawBytes: Uint8Array, signatures: string[]): Promise<string> {
    return this.queue.run(async () => {
      const submission = validateSubmission(rawBytes, signatures, this);
      await validateAgainstState(submission, this);
      await this.checkBandwidth(submission);
      if (this.options.blockTime !== undefined) {
        this.pending.set(submission.txID, submission);
        return submission.txID;
      }
      try {
        await this.execute(submission, this.nextTimestampSec());
      } finally {
        // Even when the node failed mid-way, EVM blocks it mined become a TRON block.
        await this.sealIfMined();
      }
      return submission.txID;
    });
  }

  /**
   * java-tron refuses a transaction whose bandwidth neither the day's free bytes nor the owner's
   * TRX can pay (BANDWITH_ERROR, java-tron's spelling), before it reaches a block.
   */
  private async checkBandwidth(s: Submission): Promise<void> {
    if (!this.options.bandwidth) return;
    const owner = s.contract.owner;
    const quote = this.bandwidth.quote(owner, bandwidthOf(s.rawBytes, s.signatures), this.nowMs());
    if (quote.free) return;
    const balance = await this.evm.balance(owner);
    if (balance < BigInt(quote.burnt)) {
      throw new BroadcastError(
        "BANDWITH_ERROR",
        `Account resource insufficient error: ${quote.bytes} bytes of bandwidth need ${quote.burnt} sun, ` +
          `the account has ${balance} sun and no free bandwidth left`,
      );
    }
  }

  private nextTimestampSec(): number {
    return Math.max(Math.floor(this.head().timestamp / 1000), Math.floor((Date.now() + this.offsetMs) / 1000));
  }

  /**
   * Packs the transactions broadcast since the last block into one block, in arrival order (the
   * order java-tron's pending pool gives them), all at the block's timestamp. Each is checked
   * again against the state the ones before it left, as java-tron does when it builds a block.
   */
  private async produceBlock(): Promise<void> {
    const timestamp = this.nextTimestampSec();
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const submission of batch) {
      if (submission.raw.expiration <= timestamp * 1000) continue; // expired while waiting: dropped
      try {
        await validateAgainstState(submission, this);
      } catch {
        continue; // no longer valid (e.g. the balance went): dropped, as java-tron drops it
      }
      try {
        await this.execute(submission, timestamp);
      } catch {
        // The node itself failed on it (not a TRON failure, which is recorded): dropped, so one
        // bad transaction does not stall the chain.
      }
    }
    if (!(await this.sealIfMined())) await this.mineEmpty(timestamp);
  }

  private async mineEmpty(timestampSec = this.nextTimestampSec()): Promise<void> {
    await this.evm.mineEmpty(timestampSec);
    await this.seal();
  }

  /** Seals a block if EVM blocks were mined since the head; whether it did. */
  private async sealIfMined(): Promise<boolean> {
    const latest = Number(BigInt((await this.evm.block("latest")).number));
    if (this.blocks.length > 0 && latest === this.head().evmNumber) return false;
    await this.seal();
    return true;
  }

  /**
   * Makes the EVM blocks mined since the head one TRON block, with the transactions staged for it
   * (in execution order: their position in the block), and publishes their receipts and events.
   */
  private async seal(): Promise<TronBlock> {
    const block = this.tronBlock(await this.evm.block("latest"));
    const staged = this.building;
    this.building = [];
    block.txIds = staged.map((t) => t.record.txID);
    this.blocks.push(block);
    for (const { record, logs, caller } of staged) {
      record.blockNumber = block.number;
      record.blockTimestamp = block.timestamp;
      this.txs.set(record.txID, record);
      this.events.record(logs, {
        txID: record.txID,
        blockNumber: block.number,
        blockTimestamp: block.timestamp,
        caller,
      });
    }
    return block;
  }

  /** The EVM block tag to read a TRON block's state at (its last EVM block). */
  stateTag(block: TronBlock): string {
    return "0x" + block.evmNumber.toString(16);
  }

  private tronBlock(b: EvmBlock): TronBlock {
    const number = this.blocks.length;
    const num = number.toString(16).padStart(16, "0");
    // The genesis id ends in the chain id: TRON's chain id is the low 4 bytes of the genesis block id.
    const id =
      number === 0
        ? num + b.hash.slice(18, 58) + this.options.chainId.toString(16).padStart(8, "0")
        : num + b.hash.slice(18);
    return {
      number,
      evmNumber: Number(BigInt(b.number)),
      id,
      parentId: number === 0 ? b.parentHash.slice(2) : this.blocks[number - 1].id,
      timestamp: Number(BigInt(b.timestamp)) * 1000,
      txIds: [],
    };
  }

  /** Whether TRON knows the account in block `at` (default: the head). */
  async accountExists(address: EvmAddress, at?: TronBlock): Promise<boolean> {
    if (!at) {
      if (this.created.has(address)) return true;
      return (await this.evm.balance(address)) !== 0n || (await this.evm.code(address)) !== "0x";
    }
    const since = this.created.get(address);
    if (since !== undefined && since < at.timestamp) return true;
    // A contract's init code is placed just before its block: only a created contract counts.
    if (this.contracts.has(address)) return this.contractAt(address, at) !== undefined;
    return (await this.evm.balance(address, this.stateTag(at))) !== 0n;
  }

  private async execute(s: Submission, timestampSec: number): Promise<void> {
    const c = s.contract;
    const balance = await this.evm.balance(c.owner);
    // No evm_snapshot here: Hardhat keeps each one until reverted to, at a cost that grows with the
    // chain, so one per transaction exhausted memory within thousands of transactions. A
    // transaction TRON would not have completed is undone from its trace instead (undoExecution).
    let raw: RawOutcome;
    let contractAddress: EvmAddress | undefined;
    try {
      ({ raw, contractAddress } = await this.run(s, balance, timestampSec));
    } catch (e) {
      // The EVM refused to run it (nothing changed), or a devnode fault after it ran: at least
      // take the init code off the address a failed creation would otherwise leave it at.
      if (c.kind === "CreateSmartContract") {
        await this.evm.setCode(contractAddressFor(s.txID, c.owner), "0x").catch(() => undefined);
      }
      throw e;
    }
    const netFee = await this.chargeBandwidth(s, timestampSec);
    this.stage(s, raw, contractAddress, netFee, timestampSec);
  }

  private async run(
    s: Submission,
    balance: bigint,
    timestampSec: number,
  ): Promise<{ raw: RawOutcome; contractAddress?: EvmAddress }> {
    const c = s.contract;
    const price = BigInt(this.options.energyPrice);
    let raw: RawOutcome;
    let contractAddress: EvmAddress | undefined;
    if (c.kind === "TransferContract") {
      // Mined first: the EVM attributes a state change to the block that is newest when it is
      // made, so moving the TRX after mining puts it in this transaction's block, not the parent's
      // (which a solidity-node read of the parent would otherwise see).
      await this.evm.mineEmpty(timestampSec);
      await this.evm.setBalance(c.owner, balance - BigInt(c.transfer.amount));
      await this.evm.setBalance(c.transfer.to, (await this.evm.balance(c.transfer.to)) + BigInt(c.transfer.amount));
      if (!this.created.has(c.transfer.to)) this.created.set(c.transfer.to, timestampSec * 1000);
      raw = { contractRet: "SUCCESS", energy: 0, returnData: "", logs: [], discard: false };
    } else {
      const callValue = BigInt(c.kind === "TriggerSmartContract" ? c.call.callValue : c.create.callValue);
      const spendable = balance - callValue < BigInt(s.raw.feeLimit) ? balance - callValue : BigInt(s.raw.feeLimit);
      const energyLimit = Number(spendable / price);
      if (c.kind === "TriggerSmartContract") {
        contractAddress = c.call.contract;
        raw = await executeTrigger(this.evm, {
          owner: c.owner,
          contract: c.call.contract,
          data: c.call.data,
          callValue,
          energyLimit,
          timestampSec,
        });
      } else {
        contractAddress = contractAddressFor(s.txID, c.owner);
        raw = await executeCreate(this.evm, {
          owner: c.owner,
          address: contractAddress,
          initCode: c.create.bytecode,
          callValue,
          energyLimit,
          timestampSec,
        });
      }
      const fee = BigInt(raw.energy) * price;
      await this.evm.setBalance(c.owner, (await this.evm.balance(c.owner)) - fee);
    }
    return { raw, contractAddress };
  }

  /** Pays a transaction's bandwidth from free bytes, or burns TRX for it (only with the bandwidth option). */
  private async chargeBandwidth(s: Submission, timestampSec: number): Promise<number> {
    if (!this.options.bandwidth) return 0;
    const charge = this.bandwidth.charge(s.contract.owner, bandwidthOf(s.rawBytes, s.signatures), timestampSec * 1000);
    if (charge.burnt > 0) {
      const balance = await this.evm.balance(s.contract.owner);
      const burnt = balance < BigInt(charge.burnt) ? balance : BigInt(charge.burnt);
      await this.evm.setBalance(s.contract.owner, balance - burnt);
    }
    return charge.burnt;
  }

  private stage(
    s: Submission,
    raw: RawOutcome,
    contractAddress: EvmAddress | undefined,
    netFee: number,
    timestampSec: number,
  ): void {
    const c = s.contract;
    const outcome: ExecutionOutcome = {
      ...raw,
      contractAddress,
      energyFee: raw.energy * this.options.energyPrice,
      // Bytes paid from free bandwidth are reported as net_usage, bytes paid in TRX as net_fee only.
      netUsage: netFee > 0 ? 0 : bandwidthOf(s.rawBytes, s.signatures),
      netFee,
    };
    // Block number and time are set when the block is sealed.
    const record: TxRecord = {
      txID: s.txID,
      rawBytes: s.rawBytes,
      signatures: s.signatures,
      blockNumber: -1,
      blockTimestamp: timestampSec * 1000,
      kind: c.kind,
      outcome,
    };
    // A contract is known at once: a later transaction of the same block may call it.
    if (c.kind === "CreateSmartContract" && outcome.contractRet === "SUCCESS" && contractAddress) {
      const contract: ContractRecord = {
        address: contractAddress,
        abi: c.create.abi,
        name: c.create.name,
        origin: c.create.origin ?? c.owner,
        consumeUserResourcePercent: c.create.consumeUserResourcePercent,
        originEnergyLimit: c.create.originEnergyLimit,
        txID: s.txID,
      };
      this.contracts.set(contractAddress, contract);
      this.created.set(contractAddress, timestampSec * 1000);
      this.events.registerAbi(contractAddress, contract.abi);
    }
    this.building.push({ record, logs: outcome.logs, caller: contractAddress });
  }
}
