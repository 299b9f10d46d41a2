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
import { checkReorg } from "./reorg";
import type { ForkPoint, ReorgParameters, ReorgResult } from "./reorg";
import { createHash } from "node:crypto";

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
  /**
   * Keep a fork point (an EVM snapshot) per unsolidified block so `reorg` can replace them. Off by
   * default: EDR copies its irregular state (every hardhat_setBalance) into each snapshot and frees
   * none until reverted to, so memory grows with the square of the chain's length (bench/devnode-snapshots.json).
   */
  reorgs?: boolean;
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
  /** Transactions of reorganised blocks waiting for `reincludeAfterMs` before they go back to the pool. */
  private readonly held = new Map<string, Submission>();
  /** With `reorgs`: the state at the end of each unsolidified block, and its transactions as submitted. */
  private readonly forkPoints = new Map<number, ForkPoint>();
  private readonly submissions = new Map<string, Submission>();
  /** The block each account was created in (not genesis accounts): a reorg forgets accounts of dropped blocks. */
  private readonly createdIn = new Map<EvmAddress, number>();
  /** Ids of blocks a reorg dropped: a block id never names two different blocks. */
  private readonly retiredIds = new Set<string>();
  private prunedUpTo = -1;
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
    return this.txs.has(txID) || this.pending.has(txID) || this.held.has(txID);
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
    if (this.options.reorgs) await this.keepForkPoint(block);
    return block;
  }

  /** Saves the state at the end of `block` for a reorg, and forgets what is now solidified. */
  private async keepForkPoint(block: TronBlock): Promise<void> {
    this.forkPoints.set(block.number, { snapshot: await this.evm.snapshot(), bandwidth: this.bandwidth.save() });
    const solid = this.solidHead().number;
    for (const n of this.forkPoints.keys()) if (n < solid) this.forkPoints.delete(n);
    // A solidified block's transactions are final: no reorg can send them back to the pool.
    for (; this.prunedUpTo < solid; this.prunedUpTo++) {
      for (const id of this.blocks[this.prunedUpTo + 1].txIds) this.submissions.delete(id);
    }
  }

  /**
   * Replaces the last `depth` blocks with a fork one block longer, as java-tron switches to a longer
   * fork: everything the dropped blocks made goes (receipts, block bodies, events, contracts, accounts
   * created, bandwidth charged, EVM state), and their transactions go back to the pending pool after
   * `reincludeAfterMs` (those in `drop` are lost), to be packed again, each checked again for
   * expiration, TaPoS (a reference to a dropped block fails) and state, as java-tron re-pushes them.
   * The fork's blocks are empty and have new ids.
   */
  async reorg(p: ReorgParameters): Promise<ReorgResult> {
    return this.queue.run(async () => {
      checkReorg(p, {
        head: this.head().number,
        headId: this.head().id,
        solidityDelay: this.options.solidityDelay ?? 0,
        reorgs: this.options.reorgs === true,
      });
      const base = this.head().number - p.depth;
      const point = this.forkPoints.get(base);
      if (!point) throw new Error(`the devnode has no fork point for block ${base}`);
      // EDR deletes the snapshot reverted to (and every later one): take the fork point again.
      await this.evm.revert(point.snapshot);
      point.snapshot = await this.evm.snapshot();
      this.bandwidth.restore(point.bandwidth);
      for (const n of this.forkPoints.keys()) if (n > base) this.forkPoints.delete(n);

      const removed = this.blocks.splice(base + 1);
      const drop = new Set((p.drop ?? []).map((id) => id.toLowerCase()));
      const back: Submission[] = [];
      const dropped: string[] = [];
      for (const block of removed) {
        this.retiredIds.add(block.id);
        for (const id of block.txIds) {
          this.txs.delete(id);
          const submission = this.submissions.get(id);
          this.submissions.delete(id);
          if (drop.has(id) || !submission) dropped.push(id);
          else back.push(submission);
        }
      }
      const gone = new Set(removed.flatMap((b) => b.txIds));
      for (const [address, contract] of this.contracts) if (gone.has(contract.txID)) this.contracts.delete(address);
      for (const [address, n] of this.createdIn) {
        if (n > base) {
          this.createdIn.delete(address);
          this.created.delete(address);
        }
      }
      this.events.dropAfter(base);
      if (p.dropPending) {
        dropped.push(...this.pending.keys());
        this.pending.clear();
      }

      for (let i = 0; i <= p.depth; i++) await this.mineEmpty();
      const after = p.reincludeAfterMs ?? 0;
      for (const s of back) this.held.set(s.txID, s);
      if (after === 0) await this.reinclude(back);
      else {
        setTimeout(() => void this.queue.run(() => this.reinclude(back)).catch(() => undefined), after).unref();
      }
      const head = this.head();
      return {
        removed: removed.map((b) => ({ number: b.number, id: b.id })),
        head: { number: head.number, id: head.id },
        reincluded: back.map((s) => s.txID),
        dropped,
      };
    });
  }

  /**
   * Puts reorganised transactions back: into the pool (with a block time: the next block packs them),
   * or, a block per transaction, executed at once. One no longer valid is dropped.
   */
  private async reinclude(submissions: Submission[]): Promise<void> {
    for (const s of submissions) {
      if (!this.held.delete(s.txID)) continue;
      const ref = this.blockForTapos(s.raw.refBlockBytes);
      if (!ref || ref.id.slice(16, 32) !== s.raw.refBlockHash) continue; // its reference block lost the fork
      if (s.raw.expiration <= this.nowMs()) continue;
      if (this.options.blockTime !== undefined) {
        this.pending.set(s.txID, s);
        continue;
      }
      try {
        await validateAgainstState(s, this);
        await this.execute(s, this.nextTimestampSec());
      } catch {
        // No longer valid, or the node failed on it: dropped, as in produceBlock.
      } finally {
        await this.sealIfMined();
      }
    }
  }

  /** The EVM block tag to read a TRON block's state at (its last EVM block). */
  stateTag(block: TronBlock): string {
    return "0x" + block.evmNumber.toString(16);
  }

  private tronBlock(b: EvmBlock): TronBlock {
    const number = this.blocks.length;
    const num = number.toString(16).padStart(16, "0");
    // The genesis id ends in the chain id: TRON's chain id is the low 4 bytes of the genesis block id.
    let id =
      number === 0
        ? num + b.hash.slice(18, 58) + this.options.chainId.toString(16).padStart(8, "0")
        : num + b.hash.slice(18);
    // A fork's empty block can be the EVM block a dropped one was (same parent, time and state).
    for (let fork = 0; this.retiredIds.has(id); fork++) {
      id = num + createHash("sha256").update(`${b.hash}:${fork}`).digest("hex").slice(16);
    }
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
      if (!this.created.has(c.transfer.to)) this.markCreated(c.transfer.to, timestampSec * 1000);
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
      this.markCreated(contractAddress, timestampSec * 1000);
      this.events.registerAbi(contractAddress, contract.abi);
    }
    this.building.push({ record, logs: outcome.logs, caller: contractAddress });
    if (this.options.reorgs) this.submissions.set(s.txID, s);
  }

  private markCreated(address: EvmAddress, ms: number): void {
    this.created.set(address, ms);
    // Created by a transaction of the block being built.
    this.createdIn.set(address, this.blocks.length);
  }
}
