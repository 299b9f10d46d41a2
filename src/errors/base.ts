export type SeedpayErrorOptions = {
  /** What a user can do about it, or what the accepted values are; one line each. */
  metaMessages?: string[];
  /** Extra facts (the offending value, the underlying error's text). */
  details?: string;
  cause?: unknown;
};

/**
 * Base of every seedpay error. `shortMessage` is one sentence fit for a log line; `message`
 * adds the hints and details so an uncaught error still says what to do.
 */
export class SeedpayError extends Error {
  override name = "SeedpayError";
  readonly shortMessage: string;
  readonly metaMessages: string[];
  readonly details: string | undefined;

  constructor(shortMessage: string, options: SeedpayErrorOptions = {}) {
    const details =
      options.details ?? (options.cause instanceof Error ? options.cause.message : undefined) ?? undefined;
    const parts = [shortMessage];
    if (options.metaMessages?.length) parts.push("", ...options.metaMessages);
    if (details) parts.push("", `Details: ${details}`);
    super(parts.join("\n"), options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.metaMessages = options.metaMessages ?? [];
    this.details = details;
  }
}

/** Shows a caller's value in a message without flooding a log with a huge input. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (value instanceof Uint8Array) text = `Uint8Array(${value.length})`;
  else text = String(value);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}
