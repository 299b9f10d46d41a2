/** Parameters every seedpay error takes: what happened, in detail, and what to do about it. */
export type SeedpayErrorParameters = {
  /** Longer explanation, with the values involved. */
  details?: string;
  /** Lines telling the user what to do (shown after the message). */
  hints?: string[];
  /** The underlying error. */
  cause?: unknown;
};

/**
 * Base class of every error seedpay throws (after viem's BaseError): a short message a user can
 * read, details with the values, hints on what to do, and the cause. `name` says which error it
 * is, so callers can branch on it without importing classes.
 */
export class SeedpayError extends Error {
  override name = "SeedpayError";
  readonly shortMessage: string;
  readonly details?: string;
  readonly hints: string[];

  constructor(shortMessage: string, parameters: SeedpayErrorParameters = {}) {
    const lines = [shortMessage];
    if (parameters.details) lines.push("", `Details: ${parameters.details}`);
    for (const hint of parameters.hints ?? []) lines.push(`Hint: ${hint}`);
    super(lines.join("\n"), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = parameters.details;
    this.hints = parameters.hints ?? [];
  }
}
