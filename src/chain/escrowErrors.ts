import { formatUnits, Interface, type ErrorDescription } from "ethers";
import { ChannelEscrow__factory, StorageBond__factory, TestToken__factory } from "../../typechain-types";
import { SeedpayError } from "../errors/base";

/** The escrow's and bond's custom errors plus the OpenZeppelin token errors a deposit can bubble up. */
const DECODERS = [
  new Interface(ChannelEscrow__factory.abi),
  new Interface(StorageBond__factory.abi),
  new Interface(TestToken__factory.abi),
];
const DEAL_STATUSES = ["none", "offered", "active", "challenged", "slashed", "finished", "cancelled"];

const btt = (value: unknown): string => `${formatUnits(value as bigint, 18)} BTT`;
const when = (seconds: unknown): string => new Date(Number(seconds) * 1000).toISOString();

type Explanation = { message: string; hints?: string[] };

/** What each contract error means, with its values, and what to do. */
const EXPLAIN: Record<string, (a: readonly unknown[]) => Explanation> = {
  ChannelNotFound: ([id]) => ({
    message: `channel ${id} does not exist on this escrow`,
    hints: ["Check the channel key (payer, payee, signer, dispute window, salt), the escrow and the network."],
  }),
  ChannelAlreadyExists: ([id]) => ({
    message: `channel ${id} already exists (ids are never reused)`,
    hints: ["Open with another salt."],
  }),
  ChannelIsClosing: ([id, closesAt]) => ({
    message: `channel ${id} is closing (dispute window ends ${when(closesAt)})`,
  }),
  ChannelIsClosed: ([id]) => ({ message: `channel ${id} is closed; nothing more can happen to it` }),
  ChannelNotClosing: ([id]) => ({
    message: `channel ${id} is not closing`,
    hints: ["The payer starts a unilateral close first (start-close); settle after the dispute window."],
  }),
  DisputeWindowNotOver: ([id, closesAt, now]) => ({
    message: `the dispute window of channel ${id} ends ${when(closesAt)}, in ${BigInt(closesAt as bigint) - BigInt(now as bigint)} s`,
    hints: ["Settle after the window ends."],
  }),
  DisputeWindowOutOfBounds: ([w, min, max]) => ({
    message: `dispute window ${w} s is outside this escrow's bounds ${min}..${max} s`,
  }),
  ChannelKeyHasZeroAddress: ([payer, payee, signer]) => ({
    message: `a channel key has a zero address (payer ${payer}, payee ${payee}, signer ${signer})`,
  }),
  ZeroAmount: () => ({ message: "the amount is zero" }),
  DepositTooLarge: ([deposit, max]) => ({
    message: `a channel deposit of ${btt(deposit)} exceeds the escrow's limit of ${btt(max)}`,
  }),
  NotPayer: ([id, caller, payer]) => ({ message: `only channel ${id}'s payer ${payer} may do this, not ${caller}` }),
  NotPayee: ([id, caller, payee]) => ({ message: `only channel ${id}'s payee ${payee} may do this, not ${caller}` }),
  NothingToClaim: ([id, claimed, deposit, amount]) => ({
    message:
      `channel ${id} has ${btt(BigInt(deposit as bigint) - BigInt(claimed as bigint))} left ` +
      `(${btt(claimed)} of ${btt(deposit)} claimed); a voucher for ${btt(amount)} pays nothing new`,
  }),
  WrongSigner: ([id, expected, recovered]) => ({
    message: `the signature for channel ${id} was made by ${recovered}, not by ${expected}`,
    hints: ["Vouchers are signed by the channel's signer for this escrow and chain id; consents by the payee."],
  }),
  InsufficientBalance: ([account, balance, amount]) => ({
    message: `${account} has ${btt(balance)} in the escrow; cannot withdraw ${btt(amount)}`,
  }),
  ZeroRecipient: () => ({ message: "cannot send tokens to the zero address" }),
  ConsentExpired: ([id, deadline, now]) => ({
    message: `the close consent for channel ${id} expired ${when(deadline)} (chain time is ${when(now)})`,
    hints: ["Ask the payee for a new consent (seedpay consent --valid-for 1h), or start a unilateral close."],
  }),
  CloseNotAuthorized: ([id, caller, authorizer]) => ({
    message:
      `a consent close of channel ${id} is the payer's act: ${caller} is not the payer` +
      (BigInt(authorizer as string) === 0n
        ? " and sent no authorisation"
        : `, and the authorisation was signed by ${authorizer}, neither the payer nor the channel's signer`),
    hints: ["Send it from the payer's account, or with the payer's (or signer's) CloseAuthorization signature."],
  }),
  SignatureLengthInvalid: ([length]) => ({ message: `a signature is ${length} bytes; expected 64 or 65` }),
  SignatureSMalleable: ([s]) => ({ message: `a signature has a high s value (${s}): it was malleated` }),
  TokenAmountMismatch: ([expected, actual]) => ({
    message: `the token moved ${btt(actual)} where ${btt(expected)} was expected`,
    hints: ["Fee-on-transfer tokens cannot be deposited into this escrow."],
  }),
  TokenTransferFailed: ([to, amount]) => ({ message: `the token refused to pay ${btt(amount)} to ${to}` }),
  TokenPullFailed: ([from, amount]) => ({
    message: `the token refused to move ${btt(amount)} from ${from}`,
    hints: ["Check the payer's token balance and its allowance for the escrow."],
  }),
  TokenBalanceUnreadable: ([token]) => ({ message: `token ${token} does not answer balanceOf` }),
  ERC20InsufficientAllowance: ([spender, allowance, needed]) => ({
    message: `the escrow ${spender} may pull ${btt(allowance)}, but ${btt(needed)} is needed`,
    hints: ["Approve the escrow for the deposit first (seedpay approves automatically when asked)."],
  }),
  DealNotFound: ([id]) => ({
    message: `deal ${id} does not exist`,
    hints: ["Check the deal terms (every field is part of the id), the bond contract and the network."],
  }),
  DealAlreadyExists: ([id]) => ({ message: `deal ${id} already exists`, hints: ["Offer with another salt."] }),
  DealNotInStatus: ([id, status, expected]) => ({
    message: `deal ${id} is ${DEAL_STATUSES[Number(status)]}, not ${DEAL_STATUSES[Number(expected)]}`,
  }),
  InvalidTerms: ([reason]) => ({ message: `invalid deal terms: ${reason}` }),
  NotClient: ([id, caller, client]) => ({ message: `only deal ${id}'s client ${client} may do this, not ${caller}` }),
  NotProvider: ([id, caller, provider]) => ({
    message: `only deal ${id}'s provider ${provider} may do this, not ${caller}`,
  }),
  DealOver: ([id, endsAt]) => ({ message: `deal ${id} ended ${when(endsAt)}` }),
  DealNotOver: ([id, endsAt]) => ({ message: `deal ${id} ends ${when(endsAt)}`, hints: ["Finish it after that."] }),
  ChallengeTooSoon: ([id, next]) => ({ message: `deal ${id} can be challenged again from ${when(next)}` }),
  ChallengeLimitReached: ([id, max]) => ({ message: `deal ${id} has had all its ${max} challenges` }),
  BlockIndexOutOfRange: ([id, index, count]) => ({
    message: `block ${index} is beyond deal ${id}'s file (${count} blocks)`,
  }),
  ResponseTooLate: ([id, deadline]) => ({ message: `the challenge on deal ${id} expired ${when(deadline)}` }),
  ResponseWindowNotOver: ([id, deadline]) => ({
    message: `the provider of deal ${id} may still answer until ${when(deadline)}`,
  }),
  InvalidProof: ([id, index]) => ({
    message: `the proof for block ${index} of deal ${id} does not match the deal's pieces root`,
    hints: ["Prove from the exact file the deal was made for (`seedpay bond root FILE` must print the deal's root)."],
  }),
  NothingToWithdraw: ([id]) => ({ message: `deal ${id} has no new earnings to withdraw` }),
  LastBlockUnproven: ([id, index, length]) => ({
    message: `deal ${id}'s last block (${index}, ${length} bytes) was not proven: the terms' length is not the file's`,
    hints: ["Accept only terms whose fileLength is your file's length (`seedpay bond root FILE` prints it)."],
  }),
  OfferExpired: ([id, expiresAt]) => ({ message: `the offer of deal ${id} expired ${when(expiresAt)}` }),
  ResponseWindowTooShort: ([window, minimum]) => ({
    message: `a response window of ${window} s is too short: at least ${minimum} s`,
  }),
  ERC20InsufficientBalance: ([sender, balance, needed]) => ({
    message: `${sender} holds ${btt(balance)} of the token, but ${btt(needed)} is needed`,
  }),
};

/** The escrow (or its token) refused a call with a custom error. */
export class EscrowRevertedError extends SeedpayError {
  override name = "EscrowRevertedError";
  /** The Solidity error's name, e.g. "NothingToClaim". */
  readonly errorName: string;
  readonly args: readonly unknown[];

  constructor(action: string, decoded: ErrorDescription, cause?: unknown) {
    const explanation = (EXPLAIN[decoded.name] ?? ((): Explanation => ({ message: decoded.signature })))(decoded.args);
    super(`${action} refused: ${explanation.message}`, {
      details: `${decoded.name}(${decoded.args.map(String).join(", ")})`,
      metaMessages: explanation.hints,
      cause,
    });
    this.errorName = decoded.name;
    this.args = [...decoded.args];
  }
}

/** A transaction could not be sent or confirmed for a reason other than a contract error. */
export class TransactionFailedError extends SeedpayError {
  override name = "TransactionFailedError";
  constructor(
    action: string,
    cause: unknown,
    hints = ["Check the node URL and that it is reachable, the account's funds for fees, and retry."],
  ) {
    const reason =
      cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : String(cause);
    super(`${action} failed: ${reason}`, { metaMessages: hints, cause });
  }
}

/**
 * A transaction was handed to the node, but its outcome could not be read (the node dropped while
 * waiting). It may still land: `hash` identifies it. Read the chain (e.g. the channel's state)
 * before sending the same action again; a repeated claim is harmless (it pays nothing new).
 */
export class TransactionUnconfirmedError extends TransactionFailedError {
  override name = "TransactionUnconfirmedError";
  constructor(
    action: string,
    readonly hash: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    super(action, new Error(`sent as ${hash}, but its outcome could not be read (${reason})`, { cause }), [
      `It may still be mined: look up ${hash}, or read the state it changes, before sending it again.`,
    ]);
  }
}

/** Decodes revert data into the escrow's (or token's) error, or undefined if it is not one of them. */
export function decodeEscrowError(data: string | undefined): ErrorDescription | undefined {
  if (!data || data === "0x") return undefined;
  for (const iface of DECODERS) {
    try {
      const decoded = iface.parseError(data);
      if (decoded) return decoded;
    } catch {
      // not this interface's error; try the next
    }
  }
  return undefined;
}

/** Turns whatever a failed call threw into a SeedpayError that says what went wrong. */
export function toSeedpayError(action: string, error: unknown): SeedpayError {
  if (error instanceof SeedpayError) return error;
  const data = findRevertData(error);
  const decoded = decodeEscrowError(data);
  if (decoded) return new EscrowRevertedError(action, decoded, error);
  return new TransactionFailedError(action, error);
}

/** ethers nests revert data differently per provider and error kind; look in the known places. */
function findRevertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as { data?: unknown; error?: unknown; info?: { error?: { data?: unknown } }; cause?: unknown };
    if (typeof e.data === "string" && e.data.startsWith("0x")) return e.data;
    if (typeof e.info?.error?.data === "string") return e.info.error.data as string;
    current = e.error ?? e.cause;
  }
  return undefined;
}
