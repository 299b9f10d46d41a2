import { keccak_256 } from "@noble/hashes/sha3";
import { writeBytes, writeUint256 } from "./bytes";

/**
 * Computes TIP-712 digests of one domain for a struct shaped (bytes32, uint256) — Voucher is — or
 * (bytes32, uint256, uint256) — CloseConsent and CloseAuthorization are — without a generic
 * typed-data encoder:
 *   digest = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(typeHash ‖ channelId ‖ amount [‖ deadline])).
 * The buffers are allocated once; the type hash and domain separator are written into them once.
 * Not reentrant, which is fine: every caller is synchronous.
 */
export class Digester {
  private readonly struct: Buffer;
  private readonly outer = Buffer.alloc(66);

  /** `withDeadline`: the struct has a third word, the deadline. */
  constructor(
    domainSeparator: Uint8Array,
    typeHash: Uint8Array,
    private readonly withDeadline = false,
  ) {
    this.struct = Buffer.alloc(withDeadline ? 128 : 96);
    this.struct.set(typeHash, 0);
    this.outer[0] = 0x19;
    this.outer[1] = 0x01;
    this.outer.set(domainSeparator, 2);
  }

  /**
   * The digest, or which input is malformed. Never throws: it runs on peers' messages.
   * After a digest, `channelKey()` names the channel just hashed.
   */
  digest(
    channelId: unknown,
    amount: unknown,
    deadline?: unknown,
  ): Uint8Array | "invalid-channel-id" | "invalid-amount" | "invalid-deadline" {
    if (!writeBytes(this.struct, 32, channelId, 32)) return "invalid-channel-id";
    if (!writeUint256(this.struct, 64, amount)) return "invalid-amount";
    if (this.withDeadline && !writeUint256(this.struct, 96, deadline)) return "invalid-deadline";
    this.outer.set(keccak_256(this.struct), 34);
    return keccak_256(this.outer);
  }

  /** The last hashed channel id as lowercase hex without 0x: one key per channel, whatever the input form. */
  channelKey(): string {
    return this.struct.toString("hex", 32, 64);
  }
}
