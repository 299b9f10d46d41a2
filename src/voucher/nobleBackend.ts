import { secp256k1 } from "@noble/curves/secp256k1";
import { invert, mod } from "@noble/curves/abstract/modular";
import { readUint256 } from "./bytes";
import type { PreparedKey, Secp256k1Backend } from "./secp256k1Backend";

type Point = InstanceType<typeof secp256k1.Point>;

const { Point: P, Signature } = secp256k1;
const N = P.CURVE().n;

/**
 * wNAF window for cached signer keys: a window-4 table makes `matches` about 3x faster than a
 * recovery and costs ~500 points (~50 kB) per cached channel, built on the first warm check.
 */
const KEY_WINDOW = 4;

/** @noble/curves: the pure-JS fallback, the same library ethers signs with. */
export function createNobleBackend(): Secp256k1Backend {
  const scratch = Buffer.alloc(64);

  return {
    name: "noble",
    publicKey: (privateKey) => secp256k1.getPublicKey(privateKey, false),
    sign(digest, privateKey, out) {
      const sig = secp256k1.sign(digest, privateKey, { lowS: true });
      scratch.write(sig.r.toString(16).padStart(64, "0") + sig.s.toString(16).padStart(64, "0"), 0, 64, "hex");
      out.set(scratch);
      if (sig.recovery > 1) throw new Error("secp256k1: recovery id above 1");
      return sig.recovery;
    },
    recover(signature, recid, digest) {
      scratch.set(signature);
      try {
        const sig = new Signature(readUint256(scratch, 0), readUint256(scratch, 32), recid);
        return sig.recoverPublicKey(digest).toBytes(false);
      } catch {
        return null;
      }
    },
    prepareKey: (publicKey) => P.fromBytes(publicKey).precompute(KEY_WINDOW) as unknown as PreparedKey,
    matches(key, signature, recid, digest) {
      scratch.set(signature);
      const r = readUint256(scratch, 0);
      const s = readUint256(scratch, 32);
      // ecrecover(v, r, s) = Q  <=>  u1·G + u2·Q is the point with x = r and y parity v - 27,
      // where u1 = z/s, u2 = r/s: one double multiplication against the precomputed Q.
      const sInv = invert(s, N);
      const z = mod(BigInt("0x" + Buffer.from(digest).toString("hex")), N);
      const R = P.BASE.multiplyUnsafe(mod(z * sInv, N)).add((key as unknown as Point).multiplyUnsafe(mod(r * sInv, N)));
      if (R.is0()) return false;
      const { x, y } = R.toAffine();
      return x === r && Number(y & 1n) === recid;
    },
  };
}
