import { SeedpayError } from "../errors/base";

/** A request to the node did not answer in time (a hung connection, a blackholed endpoint). */
export class RequestTimeoutError extends SeedpayError {
  override name = "RequestTimeoutError";
  constructor(
    readonly action: string,
    readonly timeout: number,
  ) {
    super(`${action}: no answer within ${timeout} ms`, {
      metaMessages: [
        "The node may be overloaded or unreachable; the request is retried (configure several node URLs).",
      ],
    });
  }
}

/**
 * Settles with `promise`, or rejects with RequestTimeoutError after `timeout` ms. The request
 * itself is not cancelled (ethers has no per-call abort): its late answer is ignored. This is what
 * keeps a loop moving when one request hangs; ethers' own default timeout is 300 s.
 */
export function withDeadline<T>(promise: Promise<T>, timeout: number, action: string): Promise<T> {
  if (!Number.isFinite(timeout) || timeout <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(action, timeout)), timeout);
  });
  promise.catch(() => undefined); // a late failure after the deadline is not an unhandled rejection
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
