import { Secp256k1BackendUnavailableError } from "./errors";

/** The secp256k1 implementation in use: the native `secp256k1` module, or `@noble/curves` when it does not load. */
export type Secp256k1BackendName = "native" | "noble";

/** A backend's pre-parsed form of a known public key (opaque outside the backend). */
export type PreparedKey = { readonly __preparedKey: unique symbol };

/**
 * The few secp256k1 operations the voucher path needs, on 32-byte digests and raw bytes.
 * Implementations may return scratch buffers that the next call overwrites: copy to keep.
 */
export interface Secp256k1Backend {
  readonly name: Secp256k1BackendName;
  /** The 65-byte uncompressed public key of a valid private key. */
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** RFC 6979 deterministic, low-s: writes r ‖ s into `out` (64 bytes) and returns the recovery id (0 or 1). */
  sign(digest: Uint8Array, privateKey: Uint8Array, out: Uint8Array): number;
  /** The 65-byte uncompressed key `ecrecover` returns for (r ‖ s, recid), or null when none recovers. */
  recover(signature: Uint8Array, recid: number, digest: Uint8Array): Uint8Array | null;
  /** Parses a recovered key once so `matches` can check it many times. */
  prepareKey(publicKey: Uint8Array): PreparedKey;
  /**
   * True when (r ‖ s, recid) recovers exactly this key. Unlike a plain ECDSA verify it checks
   * the recovery id as well: a valid (r, s) with the other v recovers a different address
   * on-chain, and accepting it would leave a payee holding a voucher the escrow refuses.
   */
  matches(key: PreparedKey, signature: Uint8Array, recid: number, digest: Uint8Array): boolean;
}

let native: Secp256k1Backend | Error | undefined;
let noble: Secp256k1Backend | undefined;

function loadNative(): Secp256k1Backend | Error {
  if (native === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      native = (require("./nativeBackend") as typeof import("./nativeBackend")).createNativeBackend();
    } catch (error) {
      native = error instanceof Error ? error : new Error(String(error));
    }
  }
  return native;
}

/**
 * The backend to use: `native` (libsecp256k1 through the `secp256k1` package's N-API binding) when
 * it loads, else `noble` (@noble/curves, pure JS). Both are loaded on first use, not at import.
 *
 * @throws Secp256k1BackendUnavailableError when `native` is asked for and does not load.
 */
export function getSecp256k1Backend(name?: Secp256k1BackendName): Secp256k1Backend {
  if (name !== "noble") {
    const loaded = loadNative();
    if (!(loaded instanceof Error)) return loaded;
    if (name === "native") throw new Secp256k1BackendUnavailableError({ cause: loaded });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  noble ??= (require("./nobleBackend") as typeof import("./nobleBackend")).createNobleBackend();
  return noble;
}

/** Which backend signers and verifiers use when none is asked for. */
export function getSecp256k1BackendName(): Secp256k1BackendName {
  return getSecp256k1Backend().name;
}
