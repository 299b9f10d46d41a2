import { getAddress } from "ethers";
import type { ChannelRecord } from "../store/types";
import type { ChannelKey } from "../voucher/typedData";
import type { CreditPolicy } from "../channel/creditPolicy";

/** How a chain shows addresses: EIP-55 0x (EVM, the default) or base58 T… (TRON). */
export type AddressFormat = (address: string) => string;

/** A channel key in JSON (the salt is a uint64: a string, like every other big number). */
export function keyJson(key: ChannelKey, format: AddressFormat = getAddress): Record<string, unknown> {
  return {
    payer: format(key.payer),
    payee: format(key.payee),
    signer: format(key.signer),
    disputeWindow: key.disputeWindow,
    salt: key.salt.toString(),
  };
}

/** The key with the chain's address form, for people (the store keeps addresses lowercase 0x). */
export function displayKey(key: ChannelKey, format: AddressFormat = getAddress): ChannelKey {
  return { ...key, payer: format(key.payer), payee: format(key.payee), signer: format(key.signer) };
}

export function channelJson(channel: ChannelRecord, format: AddressFormat = getAddress): Record<string, unknown> {
  return {
    id: channel.id,
    role: channel.role,
    status: channel.status,
    key: keyJson(channel.key, format),
    openedTx: channel.openedTx,
  };
}

/**
 * The CLI signs exactly the amounts it is told to (`pay --amount`), so the Payer's pricing policy
 * is never consulted; it still needs one.
 */
export const EXPLICIT_PAYMENTS: CreditPolicy = { price: {}, maxUnpaidCredit: 0n, maxPrepayment: 0n };
