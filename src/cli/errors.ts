import { SeedpayError, type SeedpayErrorOptions } from "../errors/base";

/** Something the operator typed or set is wrong; the message says what and how to fix it. */
export class CliUsageError extends SeedpayError {
  override name = "CliUsageError";
  constructor(shortMessage: string, options: SeedpayErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** A command needs a key that is not configured. Keys never come from the command line. */
export class MissingKeyError extends SeedpayError {
  override name = "MissingKeyError";
  constructor(
    readonly which: "wallet" | "signer",
    command: string,
  ) {
    const [env, flag] =
      which === "wallet" ? ["SEEDPAY_PRIVATE_KEY", "--key-file"] : ["SEEDPAY_SIGNER_KEY", "--signer-key-file"];
    super(
      `\`seedpay ${command}\` needs the ${which === "wallet" ? "wallet" : "voucher signer"} key: set ${env} or pass ${flag} FILE`,
      {
        metaMessages: [
          `${env}=<64 hex digits> in the environment, or ${flag} pointing to a file that holds the hex key (chmod 600).`,
          "Keys are never accepted as command-line arguments: they would end up in shell history and `ps`.",
        ],
      },
    );
  }
}

/** A configured key is not a secp256k1 private key. Never carries the key. */
export class InvalidKeyError extends SeedpayError {
  override name = "InvalidKeyError";
  constructor(source: string) {
    super(`${source} does not hold a private key`, {
      metaMessages: ["Expected 64 hex digits (32 bytes), with or without 0x, below the secp256k1 curve order."],
    });
  }
}

/** The node did not answer (or is not the kind of node the command was pointed at). */
export class NodeUnreachableError extends SeedpayError {
  override name = "NodeUnreachableError";
  constructor(
    readonly url: string,
    reason: string,
    hints: string[] = [
      "Start the embedded chain with `seedpay node`, or point to a running node with --rpc URL / SEEDPAY_RPC.",
    ],
  ) {
    super(`cannot reach the node at ${url} (${reason})`, { metaMessages: hints });
  }
}

/** The node is on another chain than the one the network name or the deployment file says. */
export class WrongChainError extends SeedpayError {
  override name = "WrongChainError";
  constructor(shortMessage: string, options: SeedpayErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** No escrow address is configured, or the configured one is not a ChannelEscrow on this chain. */
export class EscrowNotFoundError extends SeedpayError {
  override name = "EscrowNotFoundError";
  constructor(shortMessage: string, options: SeedpayErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** `--channel` names no channel in the store, or more than one. */
export class ChannelNotInStoreError extends SeedpayError {
  override name = "ChannelNotInStoreError";
  constructor(shortMessage: string, options: SeedpayErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** The payee refused a voucher; its best voucher is unchanged. */
export class VoucherRefusedError extends SeedpayError {
  override name = "VoucherRefusedError";
  constructor(
    readonly reason: string,
    detail: string,
    hints: string[] = [],
  ) {
    super(`voucher refused (${reason}): ${detail}`, { metaMessages: hints });
  }
}
