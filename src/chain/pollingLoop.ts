import type { Unwatch } from "./types";

/**
 * Runs `poll` now and then every `interval` ms after each run ends, until the returned function
 * is called. A failed poll is reported to `onError` and the loop goes on: watchers survive a node
 * that drops connections, and retry from where they were. An `onError` that throws is ignored.
 */
export function pollingLoop(poll: () => Promise<void>, interval: number, onError?: (error: Error) => void): Unwatch {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async (): Promise<void> => {
    if (stopped) return;
    try {
      await poll();
    } catch (error) {
      try {
        onError?.(error instanceof Error ? error : new Error(String(error)));
      } catch {
        // A faulty listener must not stop the loop (nor surface as an unhandled rejection).
      }
    }
    if (!stopped) timer = setTimeout(() => void loop(), interval);
  };
  void loop();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
