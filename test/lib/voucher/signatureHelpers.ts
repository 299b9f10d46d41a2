import { randomBytes } from "node:crypto";
import { getAddress } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";

/** Test helpers for building and breaking signatures, shared by the voucher tests. */

export const SHASTA = 2494104990n;
/** secp256k1's group order. */
export const N = secp256k1.Point.CURVE().n;

export const word = (x: bigint): string => x.toString(16).padStart(64, "0");
export const randomId = (): string => "0x" + randomBytes(32).toString("hex");
export const randomAddress = (): string => getAddress("0x" + randomBytes(20).toString("hex"));

/** Splits a 65-byte hex signature. */
export function split(signature: string): { r: bigint; s: bigint; v: number } {
  return {
    r: BigInt("0x" + signature.slice(2, 66)),
    s: BigInt("0x" + signature.slice(66, 130)),
    v: parseInt(signature.slice(130), 16),
  };
}

export const join = (r: bigint, s: bigint, v: number): string =>
  "0x" + word(r) + word(s) + v.toString(16).padStart(2, "0");

/** The malleated twin: (r, n - s) with the other v recovers the same key. */
export function highS(signature: string): string {
  const { r, s, v } = split(signature);
  return join(r, N - s, v === 27 ? 28 : 27);
}

/** The smallest r that is no curve point's x-coordinate: no key recovers from it. */
export function offCurveR(): bigint {
  const Fp = secp256k1.Point.Fp;
  for (let x = 1n; ; x++) {
    try {
      Fp.sqrt(Fp.add(Fp.pow(x, 3n), 7n));
    } catch {
      return x;
    }
  }
}
