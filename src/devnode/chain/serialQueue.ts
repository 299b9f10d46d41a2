/**
 * Runs tasks one at a time, in order. Everything that touches the EVM goes through one queue:
 * executing a transaction takes a snapshot and may revert to it, and nothing may read the EVM
 * in between.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
