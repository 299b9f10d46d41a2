import { HDNodeWallet } from "ethers";
import { toBase58, toHex41 } from "./address";
import type { EvmAddress } from "./address";

/** The well-known development mnemonic (Hardhat's): these keys are public, never fund them on a real network. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** TRON's BIP-44 path (coin type 195), as TronWeb.fromMnemonic and TRE derive it. */
export const TRON_HD_PATH = "m/44'/195'/0'/0/";

export interface DevAccount {
  /** Base58 `T…`. */
  address: string;
  /** `41…` hex. */
  hex: string;
  /** The 20-byte address as the EVM (and TIP-712 typed data) sees it. */
  evm: EvmAddress;
  /** 64 hex characters, no 0x (TRE's format). */
  privateKey: string;
}

export function deriveDevAccounts(mnemonic: string, count: number): DevAccount[] {
  const root = HDNodeWallet.fromPhrase(mnemonic, "", TRON_HD_PATH.slice(0, -1));
  return Array.from({ length: count }, (_, i) => {
    const wallet = root.deriveChild(i);
    const evm = wallet.address.toLowerCase() as EvmAddress;
    return { address: toBase58(evm), hex: toHex41(evm), evm, privateKey: wallet.privateKey.slice(2) };
  });
}

/** TRE's /admin/accounts-json body; TronBox's test runner reads `privateKeys`. */
export function accountsJson(mnemonic: string, accounts: DevAccount[]) {
  return { mnemonic, hdPath: TRON_HD_PATH, privateKeys: accounts.map((a) => a.privateKey), more: [] };
}
