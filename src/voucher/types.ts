/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

/** A 0x-prefixed, EIP-55 checksummed 20-byte address: the form addresses take inside typed data. */
export type Address = `0x${string}`;

/** Bytes as 0x-hex or raw; signatures and ids arrive both ways (RPC strings, wire messages). */
export type ByteInput = Hex | string | Uint8Array;
