/**
 * java-tron's energy table, as its TVM charges it (actuator/src/main/java/org/tron/core/vm/
 * EnergyCost.java and OperationRegistry.java, TRON_V1_5 operation set). Compared with EVM gas:
 * no 21,000 intrinsic cost, no calldata cost (that is bandwidth), no EIP-2929 cold/warm access
 * costs, SSTORE priced from the slot's current value only (20,000 set, 5,000 otherwise) with no
 * refunds, SLOAD 50, CALL 40, EXP 10 per exponent byte, no base cost on the *COPY operations.
 * See docs/devnode.md for the full table and what the estimator does not model.
 */
export const ENERGY = {
  ZERO_TIER: 0,
  BASE_TIER: 2,
  VERY_LOW_TIER: 3,
  LOW_TIER: 5,
  MID_TIER: 8,
  HIGH_TIER: 10,
  EXT_TIER: 20,
  SPECIAL_TIER: 1,
  EXP: 10,
  EXP_BYTE: 10,
  SHA3: 30,
  SHA3_WORD: 6,
  MEMORY: 3,
  COPY: 3,
  SLOAD: 50,
  SET_SSTORE: 20_000,
  RESET_SSTORE: 5_000,
  CLEAR_SSTORE: 5_000,
  LOG: 375,
  LOG_TOPIC: 375,
  LOG_DATA: 8,
  BALANCE: 20,
  EXT_CODE_SIZE: 20,
  EXT_CODE_COPY: 20,
  EXT_CODE_HASH: 400,
  CREATE: 32_000,
  /** Per byte of runtime code a creation stores. */
  CREATE_DATA: 200,
  CALL: 40,
  VALUE_TRANSFER_CALL: 9_000,
  NEW_ACCOUNT_CALL: 25_000,
  SELFDESTRUCT: 0,
} as const;

/** Opcodes whose price is a constant (dynamic ones are priced in priceTrace). */
export const STATIC_COSTS: Readonly<Record<string, number>> = (() => {
  const t: Record<string, number> = {};
  const set = (cost: number, ops: string[]) => ops.forEach((op) => (t[op] = cost));
  set(ENERGY.ZERO_TIER, ["STOP"]);
  set(ENERGY.BASE_TIER, [
    "ADDRESS",
    "ORIGIN",
    "CALLER",
    "CALLVALUE",
    "CALLDATASIZE",
    "CODESIZE",
    "GASPRICE",
    "COINBASE",
    "TIMESTAMP",
    "NUMBER",
    "DIFFICULTY",
    "PREVRANDAO",
    "GASLIMIT",
    "RETURNDATASIZE",
    "POP",
    "PC",
    "MSIZE",
    "GAS",
    "CHAINID",
    "BASEFEE",
    "PUSH0",
  ]);
  set(ENERGY.VERY_LOW_TIER, [
    "ADD",
    "SUB",
    "NOT",
    "LT",
    "GT",
    "SLT",
    "SGT",
    "EQ",
    "ISZERO",
    "AND",
    "OR",
    "XOR",
    "BYTE",
    "SHL",
    "SHR",
    "SAR",
    "CALLDATALOAD",
  ]);
  for (let i = 1; i <= 32; i++) t[`PUSH${i}`] = ENERGY.VERY_LOW_TIER;
  for (let i = 1; i <= 16; i++) t[`DUP${i}`] = t[`SWAP${i}`] = ENERGY.VERY_LOW_TIER;
  set(ENERGY.LOW_TIER, ["MUL", "DIV", "SDIV", "MOD", "SMOD", "SIGNEXTEND", "SELFBALANCE"]);
  set(ENERGY.MID_TIER, ["ADDMOD", "MULMOD", "JUMP"]);
  set(ENERGY.HIGH_TIER, ["JUMPI"]);
  set(ENERGY.EXT_TIER, ["BLOCKHASH"]);
  set(ENERGY.SPECIAL_TIER, ["JUMPDEST"]);
  set(ENERGY.SLOAD, ["SLOAD"]);
  set(ENERGY.BALANCE, ["BALANCE"]);
  set(ENERGY.EXT_CODE_SIZE, ["EXTCODESIZE"]);
  set(ENERGY.EXT_CODE_HASH, ["EXTCODEHASH"]);
  set(ENERGY.SELFDESTRUCT, ["SELFDESTRUCT", "SUICIDE"]);
  return t;
})();

/**
 * Precompiles as TVM prices them (java-tron PrecompiledContracts). Inputs are sizes in bytes.
 * modexp (0x05) and blake2f (0x09) depend on the input's content, which a trace without memory
 * does not show: they are priced at 0 and reported in `unpricedPrecompileCalls`.
 */
export function precompileEnergy(address: number, inputSize: number): number | undefined {
  const words = Math.ceil(inputSize / 32);
  switch (address) {
    case 1:
      return 3_000;
    case 2:
      return 60 + 12 * words;
    case 3:
      return 600 + 120 * words;
    case 4:
      return 15 + 3 * words;
    // bn128 add / mul / pairing at their Istanbul prices (allowTvmIstanbul is active on TRON).
    case 6:
      return 150;
    case 7:
      return 6_000;
    case 8:
      return 45_000 + 34_000 * Math.floor(inputSize / 192);
    default:
      return undefined;
  }
}
