import { getAddress } from "ethers";
import type { ChannelRecord } from "../store/types";
import type { ChannelKey } from "../voucher/typedData";
import type { CreditPolicy } from "../channel/creditPolicy";

/** A channel key in JSON (the salt is a uint64: a string, like every other big number). */
export function keyJson(key: ChannelKey): Record<string, unknown> {
  return {
    payer: getAddress(key.payer),
    payee: getAddress(key.payee),
    signer: getAddress(key.signer),
    disputeWindow: key.disputeWindow,
    salt: key.salt.toString(),
  };
}

/** The key with EIP-55 addresses, for people (the store keeps addresses lowercase). */
export function displayKey(key: ChannelKey): ChannelKey {
  return { ...key, payer: getAddress(key.payer), payee: getAddress(key.payee), signer: getAddress(key.signer) };
}

export function channelJson(channel: ChannelRecord): Record<string, unknown> {
  return {
    id: channel.id,
    role: channel.role,
    status: channel.status,
    key: keyJson(channel.key),
    openedTx: channel.openedTx,
  };
}

/**
 * The CLI signs exactly the amounts it is told to (`pay --amount`), so the Payer's pricing policy
 * is never consulted; it still needs one.
 */
export const EXPLICIT_PAYMENTS: CreditPolicy = { price: {}, maxUnpaidCredit: 0n, maxPrepayment: 0n };
