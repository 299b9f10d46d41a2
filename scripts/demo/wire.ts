/**
 * The demo's peer protocol: newline-delimited JSON over TCP, one message per line. Amounts are
 * base-unit strings; piece data is base64.
 */
import type { Socket } from "node:net";

export type KeyJson = { payer: string; payee: string; signer: string; disputeWindow: number; salt: string };

export type Message =
  /** Leecher → seeder: the channel that will pay for what follows (its id is the key's hash). */
  | { type: "hello"; chainId: string; escrow: string; key: KeyJson }
  /** Seeder → leecher: the channel was checked on-chain and accepted. */
  | { type: "welcome"; channelId: string }
  | { type: "request"; index: number }
  | { type: "piece"; index: number; data: string; sha256: string }
  | { type: "voucher"; channelId: string; cumulativeAmount: string; signature: string }
  /** Seeder → leecher: the voucher is on disk. */
  | { type: "ack"; cumulativeAmount: string }
  | { type: "refusal"; of: "hello" | "request" | "voucher"; index?: number; reason: string; detail?: string }
  | { type: "bye" };

/** Frames messages on a socket; handlers run one at a time, in arrival order. */
export class Wire {
  private buffer = "";
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    onMessage: (message: Message) => Promise<void> | void,
    onError: (error: Error) => void,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        const message = JSON.parse(line) as Message;
        this.queue = this.queue.then(() => onMessage(message)).catch(onError);
      }
    });
    socket.on("error", onError);
  }

  send(message: Message): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  close(): void {
    this.socket.end();
  }
}
