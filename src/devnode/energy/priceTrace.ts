import type { EvmTrace, TraceStep } from "../evm";
import { ENERGY, STATIC_COSTS, precompileEnergy } from "./energyTable";

export interface PriceTraceContext {
  /** Storage owner of the top-level frame: the called contract, or the contract being created. */
  topAddress: string;
  /** A slot's value before the transaction, not counting writes recorded in `committed`. */
  readStorage(address: string, slot: string): Promise<bigint>;
  /** Whether an account existed before the transaction (CALL with value to a new account costs more). */
  accountExists(address: string): Promise<boolean>;
  /**
   * Values written by earlier transactions of the same block, keyed `address:slot`. Read first,
   * and updated with this transaction's writes when it succeeds.
   */
  committed?: Map<string, bigint>;
  /**
   * MLOAD/MSTORE/MSTORE8 cost 1 + memory once java-tron's allowHigherLimitForMaxCpuTimeOfOneTx
   * (proposal #65, put to the vote in August 2022) is active, memory only before. Default true.
   */
  adjustedMemoryOps?: boolean;
}

export interface EnergyBreakdown {
  /** SSTORE. */
  storageWrites: number;
  /** SLOAD. */
  storageReads: number;
  logs: number;
  /** CALL-family and CREATE base costs, value transfers, precompiles. */
  calls: number;
  memory: number;
  /** Everything else: arithmetic, stack, jumps, hashing, copying. */
  compute: number;
}

export interface TracePrice {
  /** Energy the steps of the trace cost. */
  energy: number;
  breakdown: EnergyBreakdown;
  /**
   * Set when the top-level frame ended in an exceptional halt rather than STOP/RETURN/REVERT, as
   * the TRON result code (ILLEGAL_OPERATION, BAD_JUMP_DESTINATION, OUT_OF_ENERGY, UNKNOWN): java-tron
   * then charges the whole energy limit, whatever `energy` says.
   */
  exceptionalHalt?: string;
  /** Calls to modexp/blake2f, whose price depends on input bytes a trace does not show (priced 0). */
  unpricedPrecompileCalls: number;
}

interface Frame {
  storage: string;
  memBytes: number;
  /** (key, previous tx-local value or undefined) for every write, to undo if the frame fails. */
  journal: [string, bigint | undefined][];
}

const CALL_OPS = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL"]);
const CREATE_OPS = new Set(["CREATE", "CREATE2"]);
const words = (bytes: bigint) => (bytes + 31n) / 32n;
const ZERO_WORD = "0".repeat(64);

/**
 * Prices an EVM execution trace (debug_traceTransaction structLogs with the stack) with java-tron's
 * energy table. The trace supplies the control flow; the table supplies the prices.
 */
export async function priceTrace(trace: EvmTrace, ctx: PriceTraceContext): Promise<TracePrice> {
  const adjusted = ctx.adjustedMemoryOps ?? true;
  const committed = ctx.committed ?? new Map<string, bigint>();
  const breakdown: EnergyBreakdown = { storageWrites: 0, storageReads: 0, logs: 0, calls: 0, memory: 0, compute: 0 };
  let unpriced = 0;
  let creations = 0;
  // Slots written by this transaction: java-tron's storage row cache, where a slot once written
  // counts as existing for the rest of the transaction even if the value written was zero.
  const written = new Map<string, bigint>();
  const frames: Frame[] = [{ storage: ctx.topAddress.toLowerCase(), memBytes: 0, journal: [] }];
  const steps = trace.structLogs;

  const memory = (frame: Frame, offset: bigint, size: bigint): number => {
    if (size === 0n) return 0;
    const needed = Number(words(offset + size) * 32n);
    if (needed <= frame.memBytes) return 0;
    const w = needed / 32;
    const old = frame.memBytes / 32;
    frame.memBytes = needed;
    return ENERGY.MEMORY * w + Math.floor((w * w) / 512) - (ENERGY.MEMORY * old + Math.floor((old * old) / 512));
  };

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const frame = frames[frames.length - 1];
    const stack = step.stack ?? [];
    const arg = (n: number): bigint => BigInt("0x" + (stack[stack.length - 1 - n] ?? ZERO_WORD));
    const op = step.op;

    const fixed = STATIC_COSTS[op];
    if (fixed !== undefined) {
      if (op === "SLOAD") breakdown.storageReads += fixed;
      else if (op === "BALANCE" || op === "EXTCODESIZE" || op === "EXTCODEHASH") breakdown.calls += fixed;
      else breakdown.compute += fixed;
    } else if (op === "SSTORE") {
      const key = `${frame.storage}:${stack[stack.length - 1]}`;
      const value = arg(1);
      const exists = written.has(key) || (await committedValue(key, frame.storage, stack[stack.length - 1])) !== 0n;
      breakdown.storageWrites += !exists && value !== 0n ? ENERGY.SET_SSTORE : ENERGY.RESET_SSTORE;
      frame.journal.push([key, written.get(key)]);
      written.set(key, value);
    } else if (op === "KECCAK256" || op === "SHA3") {
      breakdown.compute += ENERGY.SHA3 + ENERGY.SHA3_WORD * Number(words(arg(1)));
      breakdown.memory += memory(frame, arg(0), arg(1));
    } else if (op === "CALLDATACOPY" || op === "CODECOPY" || op === "RETURNDATACOPY") {
      breakdown.compute += ENERGY.COPY * Number(words(arg(2)));
      breakdown.memory += memory(frame, arg(0), arg(2));
    } else if (op === "EXTCODECOPY") {
      breakdown.compute += ENERGY.EXT_CODE_COPY + ENERGY.COPY * Number(words(arg(3)));
      breakdown.memory += memory(frame, arg(1), arg(3));
    } else if (op === "MLOAD" || op === "MSTORE" || op === "MSTORE8") {
      breakdown.compute += adjusted ? ENERGY.SPECIAL_TIER : 0;
      breakdown.memory += memory(frame, arg(0), op === "MSTORE8" ? 1n : 32n);
    } else if (op.startsWith("LOG")) {
      const topics = Number(op.slice(3));
      breakdown.logs += ENERGY.LOG + ENERGY.LOG_TOPIC * topics + ENERGY.LOG_DATA * Number(arg(1));
      breakdown.memory += memory(frame, arg(0), arg(1));
    } else if (op === "EXP") {
      const exponent = arg(1);
      const bytes = exponent === 0n ? 0 : Math.ceil(exponent.toString(16).length / 2);
      breakdown.compute += ENERGY.EXP + ENERGY.EXP_BYTE * bytes;
    } else if (op === "RETURN" || op === "REVERT") {
      breakdown.memory += memory(frame, arg(0), arg(1));
    } else if (CREATE_OPS.has(op)) {
      breakdown.calls += ENERGY.CREATE + (op === "CREATE2" ? ENERGY.SHA3_WORD * Number(words(arg(2))) : 0);
      breakdown.memory += memory(frame, arg(1), arg(2));
    } else if (CALL_OPS.has(op)) {
      const withValue = op === "CALL" || op === "CALLCODE";
      const value = withValue ? arg(2) : 0n;
      const inArgs = withValue ? 3 : 2;
      const target = "0x" + (stack[stack.length - 2] ?? ZERO_WORD).slice(24);
      let cost = ENERGY.CALL;
      if (value !== 0n) {
        cost += ENERGY.VALUE_TRANSFER_CALL;
        if (op === "CALL" && !(await ctx.accountExists(target))) cost += ENERGY.NEW_ACCOUNT_CALL;
      }
      breakdown.calls += cost;
      const inEnd = arg(inArgs + 1) === 0n ? 0n : arg(inArgs) + arg(inArgs + 1);
      const outEnd = arg(inArgs + 3) === 0n ? 0n : arg(inArgs + 2) + arg(inArgs + 3);
      breakdown.memory += memory(frame, 0n, inEnd > outEnd ? inEnd : outEnd);
      const entered = steps[i + 1]?.depth === step.depth + 1;
      if (!entered) {
        const precompile = Number(BigInt(target));
        if (precompile >= 1 && precompile <= 9) {
          const price = precompileEnergy(precompile, Number(arg(inArgs + 1)));
          if (price === undefined) unpriced++;
          else breakdown.calls += price;
        }
      }
    } else if (op === "STOP") {
      // free
    }
    // Anything else (INVALID, an undefined opcode) halts the frame exceptionally: no step price.

    // Frame bookkeeping: entering a callee, or returning from one.
    const next = steps[i + 1];
    if (!next) break;
    if (next.depth === step.depth + 1) {
      let storage = frame.storage;
      if (op === "CALL" || op === "STATICCALL") storage = "0x" + (stack[stack.length - 2] ?? ZERO_WORD).slice(24);
      else if (CREATE_OPS.has(op)) storage = `create#${creations++}`; // a fresh contract: empty storage
      frames.push({ storage, memBytes: 0, journal: [] });
    } else if (next.depth < step.depth) {
      for (let d = step.depth; d > next.depth; d--) {
        const child = frames.pop() as Frame;
        const parent = frames[frames.length - 1];
        const succeeded = d - 1 === next.depth ? (next.stack ?? []).at(-1) !== ZERO_WORD : false;
        if (succeeded) parent.journal.push(...child.journal);
        else undo(child.journal);
      }
    }
  }

  const top = frames[0];
  if (trace.failed) undo(top.journal);
  else for (const [key] of top.journal) if (written.has(key)) committed.set(key, written.get(key) as bigint);

  const energy =
    breakdown.storageWrites +
    breakdown.storageReads +
    breakdown.logs +
    breakdown.calls +
    breakdown.memory +
    breakdown.compute;
  return {
    energy,
    breakdown,
    exceptionalHalt: trace.failed ? haltReason(steps) : undefined,
    unpricedPrecompileCalls: unpriced,
  };

  function undo(journal: [string, bigint | undefined][]) {
    for (let j = journal.length - 1; j >= 0; j--) {
      const [key, previous] = journal[j];
      if (previous === undefined) written.delete(key);
      else written.set(key, previous);
    }
  }

  async function committedValue(key: string, address: string, slot: string | undefined): Promise<bigint> {
    const known = committed.get(key);
    if (known !== undefined) return known;
    if (address.startsWith("create#")) return 0n;
    return ctx.readStorage(address, "0x" + (slot ?? ZERO_WORD));
  }
}

/** Why a failed top-level frame stopped, in TRON's result codes; undefined for a REVERT. */
function haltReason(steps: TraceStep[]): string | undefined {
  let last: TraceStep | undefined;
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i].depth === steps[0].depth) {
      last = steps[i];
      break;
    }
  }
  if (!last) return "UNKNOWN";
  if (last.op === "REVERT") return undefined;
  if (last.gasCost > last.gas) return "OUT_OF_ENERGY";
  if (last.op === "JUMP" || last.op === "JUMPI") return "BAD_JUMP_DESTINATION";
  if (last.op === "INVALID" || !(last.op in STATIC_COSTS || isDynamic(last.op))) return "ILLEGAL_OPERATION";
  return "UNKNOWN";
}

function isDynamic(op: string): boolean {
  return (
    op === "SSTORE" ||
    op === "KECCAK256" ||
    op === "SHA3" ||
    op.endsWith("COPY") ||
    op.startsWith("LOG") ||
    op.startsWith("MSTORE") ||
    op === "MLOAD" ||
    op === "EXP" ||
    op === "RETURN" ||
    op === "REVERT" ||
    CALL_OPS.has(op) ||
    CREATE_OPS.has(op)
  );
}
