import type * as Secp256k1 from "secp256k1";
import type { PreparedKey, Secp256k1Backend } from "./secp256k1Backend";

/**
 * libsecp256k1 through `secp256k1/bindings`, not `secp256k1`: the package's main entry silently
 * falls back to `elliptic`, and we want to know (and report) which implementation runs.
 */
export function createNativeBackend(): Secp256k1Backend {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require("secp256k1/bindings") as typeof Secp256k1;
  // libsecp256k1's default nonce is RFC 6979 (no extra data) and it always emits low s: the same
  // bytes as ethers / noble. One options object for every call keeps the sign path allocation-light.
  const signOptions = {};
  const recovered = Buffer.alloc(65);
  const recoveredCompressed = Buffer.alloc(33);

  return {
    name: "native",
    publicKey: (privateKey) => lib.publicKeyCreate(privateKey, false),
    sign(digest, privateKey, out) {
      const { recid } = lib.ecdsaSign(digest, privateKey, signOptions, out);
      // recid 2/3 means R.x >= n (probability ~2^-128); Ethereum's v cannot express it.
      if (recid > 1) throw new Error("secp256k1: recovery id above 1");
      return recid;
    },
    recover(signature, recid, digest) {
      try {
        return lib.ecdsaRecover(signature, recid, digest, false, recovered);
      } catch {
        return null; // r is not an x-coordinate, or the recovered point is infinity
      }
    },
    prepareKey: (publicKey) => Buffer.from(lib.publicKeyConvert(publicKey, true)) as unknown as PreparedKey,
    matches(key, signature, recid, digest) {
      // Recovering the 33-byte key and comparing bytes costs about what ecdsaVerify does (both run
      // one double-scalar multiplication), skips the keccak of address derivation, and checks v.
      try {
        lib.ecdsaRecover(signature, recid, digest, true, recoveredCompressed);
      } catch {
        return false;
      }
      return recoveredCompressed.equals(key as unknown as Buffer);
    },
  };
}
