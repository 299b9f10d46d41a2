/**
 * The seedpay BEP 10 extension's fixed facts. The name carries our own prefix: `ut_` is
 * µTorrent's by BEP 10 convention, and an unrelated published extension already calls itself
 * `seedpay` (USDC on Solana).
 */
export const EXTENSION_NAME = "sp_pay";

/** The message set this code speaks. A peer speaking another version is ignored, not misread. */
export const PROTOCOL_VERSION = 1;

/** Largest extension message accepted or sent (bittorrent-protocol itself buffers any length announced). */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** Misbehaviours (malformed, unknown, refused or useless messages) after which the peer is disconnected. */
export const STRIKE_LIMIT = 16;

/** Prices are quoted per MiB of piece data. */
export const MIB = 1024n * 1024n;
