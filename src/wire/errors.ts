import { SeedpayError } from "../errors/base";

/** Why an incoming extension message could not be used. */
export type WireMessageProblem = "too-large" | "malformed" | "unsupported-version" | "unknown-type" | "bad-field";

/** An extension message that is not one this version of the protocol can act on. */
export class WireMessageError extends SeedpayError {
  override name = "WireMessageError";
  constructor(
    readonly problem: WireMessageProblem,
    detail: string,
  ) {
    super(`sp_pay message refused (${problem}): ${detail}`, {
      metaMessages: ["See docs/wire.md for the message set, field types and limits."],
    });
  }
}
