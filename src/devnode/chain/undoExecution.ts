import type { EvmAddress } from "../address";
import type { Evm, EvmTrace } from "../evm";

/** What a transaction may have changed, read off its trace. */
export interface TouchedState {
  /** Storage slots written (SSTORE), per contract, in any frame: restoring an unchanged slot is harmless. */
  slots: Map<EvmAddress, Set<string>>;
  /** Accounts whose balance may have moved: frames' contracts, CALL targets, SELFDESTRUCT beneficiaries. */
  accounts: Set<EvmAddress>;
  /** Contracts created by CREATE/CREATE2 inside the transaction. */
  created: Set<EvmAddress>;
  /** Contracts that ran SELFDESTRUCT. */
  destroyed: Set<EvmAddress>;
}

const VALUE_CALLS = new Set(["CALL", "CALLCODE"]);
const CREATES = new Set(["CREATE", "CREATE2"]);

const toAddress = (word: string | undefined): EvmAddress => `0x${(word ?? "").padStart(64, "0").slice(24)}`;

/**
 * Reads from a struct-log trace every piece of state the transaction could have changed. `top`
 * is the contract the transaction ran in (the callee, or the contract being created).
 */
export function touchedState(trace: EvmTrace, top: EvmAddress): TouchedState {
  const touched: TouchedState = {
    slots: new Map(),
    accounts: new Set([top]),
    created: new Set(),
    destroyed: new Set(),
  };
  // Each frame's storage owner; a CREATE's is unknown (undefined) until it returns its address.
  const frames: { address: EvmAddress | undefined; pendingSlots: string[] }[] = [{ address: top, pendingSlots: [] }];
  const steps = trace.structLogs;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const stack = step.stack ?? [];
    const frame = frames[frames.length - 1];
    if (step.op === "SSTORE") {
      const slot = "0x" + (stack.at(-1) ?? "").padStart(64, "0");
      if (frame.address) addSlot(touched, frame.address, slot);
      else frame.pendingSlots.push(slot);
    } else if (VALUE_CALLS.has(step.op)) {
      touched.accounts.add(toAddress(stack.at(-2)));
    } else if (step.op === "SELFDESTRUCT") {
      touched.accounts.add(toAddress(stack.at(-1)));
      if (frame.address) touched.destroyed.add(frame.address);
    }

    const next = steps[i + 1];
    if (!next) break;
    if (next.depth === step.depth + 1) {
      let address: EvmAddress | undefined = frame.address;
      if (step.op === "CALL" || step.op === "STATICCALL") address = toAddress(stack.at(-2));
      else if (CREATES.has(step.op)) address = undefined;
      frames.push({ address, pendingSlots: [] });
    } else if (next.depth < step.depth) {
      for (let d = step.depth; d > next.depth; d--) {
        const child = frames.pop()!;
        if (child.address !== undefined) continue;
        // Back in the creator: the top of its stack is the new contract's address (0 if it failed).
        const created = d - 1 === next.depth ? toAddress(next.stack?.at(-1)) : undefined;
        if (!created || /^0x0{40}$/.test(created)) continue;
        touched.created.add(created);
        touched.accounts.add(created);
        for (const slot of child.pendingSlots) addSlot(touched, created, slot);
      }
    }
  }
  return touched;
}

function addSlot(touched: TouchedState, address: EvmAddress, slot: string): void {
  let slots = touched.slots.get(address);
  if (!slots) touched.slots.set(address, (slots = new Set()));
  slots.add(slot);
}

/**
 * Puts back the state a transaction changed as it was at block `parentTag`, for a transaction the
 * EVM completed but TRON would not have (it needed more energy than its fee limit buys). This
 * replaces an `evm_snapshot` per transaction: Hardhat keeps every snapshot until reverted to, and
 * each costs memory in proportion to the chain's length, so a devnode taking one per transaction
 * grew by gigabytes within a few thousand transactions.
 *
 * Limits: a contract that self-destructed gets its code back but not its storage; EVM nonces are
 * left as they are (TRON has none); the transaction's EVM block keeps it, while the devnode's own
 * records (receipts, events) report it as failed with no logs.
 */
export async function undoExecution(
  evm: Evm,
  trace: EvmTrace,
  p: { top: EvmAddress; owner: EvmAddress; parentTag: string },
): Promise<void> {
  const touched = touchedState(trace, p.top);
  touched.accounts.add(p.owner);
  for (const [address, slots] of touched.slots) {
    for (const slot of slots) await evm.setStorageAt(address, slot, await evm.storageAt(address, slot, p.parentTag));
  }
  for (const address of touched.accounts) await evm.setBalance(address, await evm.balance(address, p.parentTag));
  for (const address of touched.created) await evm.setCode(address, "0x");
  for (const address of touched.destroyed) await evm.setCode(address, await evm.code(address, p.parentTag));
}
