import { Signature, recoverAddress } from "ethers";
import type { EvmAddress } from "./address";

/**
 * The address that signed a TRON transaction: secp256k1 public key recovery over the txID
 * (SHA-256 of raw_data), signature r‖s‖v with v = 27/28 (TronWeb) or 0/1. Undefined if the
 * signature is malformed or recovers nothing.
 */
export function recoverSigner(txID: string, signatureHex: string): EvmAddress | undefined {
  const sig = signatureHex.replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{130}$/.test(sig)) return undefined;
  let v = parseInt(sig.slice(128), 16);
  if (v < 27) v += 27;
  if (v !== 27 && v !== 28) return undefined;
  try {
    const signature = Signature.from({ r: "0x" + sig.slice(0, 64), s: "0x" + sig.slice(64, 128), v });
    return recoverAddress("0x" + txID, signature).toLowerCase() as EvmAddress;
  } catch {
    return undefined;
  }
}
