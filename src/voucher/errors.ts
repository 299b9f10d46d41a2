import { SeedpayError, showValue as show } from "../errors/base";
import { FAILURE_DESCRIPTIONS, type SignatureFailureReason } from "./failureReasons";

export type InvalidAddressErrorType = InvalidAddressError;
export class InvalidAddressError extends SeedpayError {
  override name = "InvalidAddressError";
  readonly address: unknown;
  constructor({ address, reason }: { address: unknown; reason: string }) {
    super(`Address ${show(address)} is not a TRON or EVM address.`, {
      metaMessages: [
        "Accepted forms:",
        "- TRON base58check: T + 33 characters, e.g. TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4",
        "- TRON hex: 41 + 40 hex digits, e.g. 41" + "0".repeat(39) + "1",
        "- EVM hex: 0x + 40 hex digits (mixed case must be a valid EIP-55 checksum)",
      ],
      details: reason,
    });
    this.address = address;
  }
}

export type InvalidPrivateKeyErrorType = InvalidPrivateKeyError;
/** Never carries the key itself: error text ends up in logs. */
export class InvalidPrivateKeyError extends SeedpayError {
  override name = "InvalidPrivateKeyError";
  constructor({ reason }: { reason: string }) {
    super("Private key is invalid.", {
      metaMessages: [
        "Pass 32 bytes: a Uint8Array, or 64 hex digits with or without 0x.",
        "The key must be at least 1 and below the secp256k1 curve order.",
      ],
      details: reason,
    });
  }
}

export type InvalidChainIdErrorType = InvalidChainIdError;
export class InvalidChainIdError extends SeedpayError {
  override name = "InvalidChainIdError";
  readonly chainId: unknown;
  constructor({ chainId }: { chainId: unknown }) {
    super(`Chain id ${show(chainId)} is not a non-negative integer.`, {
      metaMessages: [
        "TRON chain ids are the low 4 bytes of the genesis block id:",
        "mainnet 728126428, Shasta 2494104990, Nile 3448148188.",
      ],
    });
    this.chainId = chainId;
  }
}

export type InvalidChannelIdErrorType = InvalidChannelIdError;
export class InvalidChannelIdError extends SeedpayError {
  override name = "InvalidChannelIdError";
  readonly channelId: unknown;
  constructor({ channelId }: { channelId: unknown }) {
    super(`Channel id ${show(channelId)} is not 32 bytes.`, {
      metaMessages: ["Pass 0x + 64 hex digits or a 32-byte Uint8Array, as channelId(key) returns."],
    });
    this.channelId = channelId;
  }
}

export type InvalidAmountErrorType = InvalidAmountError;
export class InvalidAmountError extends SeedpayError {
  override name = "InvalidAmountError";
  readonly amount: unknown;
  constructor({ amount, field }: { amount: unknown; field: string }) {
    super(`${field} ${show(amount)} is not a uint256.`, {
      metaMessages: ["Pass a bigint from 0 to 2^256 - 1 in the token's base units (BTT has 18 decimals)."],
    });
    this.amount = amount;
  }
}

export type InvalidDeadlineErrorType = InvalidDeadlineError;
export class InvalidDeadlineError extends SeedpayError {
  override name = "InvalidDeadlineError";
  readonly deadline: unknown;
  constructor({ deadline }: { deadline: unknown }) {
    super(`deadline ${show(deadline)} is not a uint256.`, {
      metaMessages: ["Pass the consent's deadline as a bigint of unix seconds (e.g. now + 3600n for an hour)."],
    });
    this.deadline = deadline;
  }
}

export type InvalidSignatureErrorType = InvalidSignatureError;
export class InvalidSignatureError extends SeedpayError {
  override name = "InvalidSignatureError";
  readonly reason: SignatureFailureReason;
  constructor({ signature, reason }: { signature: unknown; reason: SignatureFailureReason }) {
    super(`Signature recovers no signer: ${FAILURE_DESCRIPTIONS[reason]}.`, {
      metaMessages: [
        "Expected 65 bytes r ‖ s ‖ v (v = 27/28 or 0/1) or 64 bytes EIP-2098 r ‖ vs, with s in the lower half.",
      ],
      details: `signature: ${show(signature)}`,
    });
    this.reason = reason;
  }
}

export type Secp256k1BackendUnavailableErrorType = Secp256k1BackendUnavailableError;
export class Secp256k1BackendUnavailableError extends SeedpayError {
  override name = "Secp256k1BackendUnavailableError";
  constructor({ cause }: { cause: unknown }) {
    super("The native secp256k1 backend did not load.", {
      metaMessages: [
        'Rebuild it (npm rebuild secp256k1), or pass backend: "noble" to use the pure-JS one',
        "(correct, but several times slower: see bench/vouchers.md).",
      ],
      cause,
    });
  }
}
