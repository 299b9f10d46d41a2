/**
 * How the demo's orchestrator drives its role processes: commands down the IPC channel of
 * child_process.fork, one reply per command; roles also emit unsolicited events.
 */
import { fork, type ChildProcess } from "node:child_process";

type Command = { id: number; cmd: string; args?: Record<string, unknown> };
type Reply = { id: number; ok: boolean; result?: unknown; error?: string };
type Event = { event: string; data?: unknown };

/**
 * Role side: answers the orchestrator's commands with `handlers`. After answering "exit" (whose
 * handler releases the role's resources) the process exits.
 */
export function serveCommands(handlers: Record<string, (args: Record<string, unknown>) => Promise<unknown>>): void {
  // The orchestrator is gone (crashed, killed): do not outlive it.
  process.on("disconnect", () => process.exit(1));
  process.on("message", (message: Command) => {
    const handler = handlers[message.cmd];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        const result = await handler(message.args ?? {});
        process.send!({ id: message.id, ok: true, result } satisfies Reply, undefined, undefined, () => {
          if (message.cmd === "exit") process.exit(0);
        });
      } catch (error) {
        const e = error as { shortMessage?: string; message?: string };
        process.send!({
          id: message.id,
          ok: false,
          error: e.shortMessage ?? e.message ?? String(error),
        } satisfies Reply);
      }
    })();
  });
  emit("ready");
}

/** Role side: tells the orchestrator something happened on its own initiative. */
export function emit(event: string, data?: unknown): void {
  process.send!({ event, data } satisfies Event);
}

/** Orchestrator side: one role process. */
export class RoleProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Map<string, { resolve: (data: unknown) => void; reject: (e: Error) => void }>();
  private readonly seen = new Map<string, unknown>();
  readonly child: ChildProcess;
  /** Resolves when the role listens for commands (messages sent earlier could be lost). */
  private readonly ready: Promise<unknown>;

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
  ) {
    this.child = fork(script, [], {
      env: { ...process.env, ...env, SEEDPAY_DEMO_ROLE: name },
      // SEEDPAY_ROLE_NODE_ARGS: extra node flags for the roles (e.g. --cpu-prof when profiling a benchmark).
      execArgv: [
        "-r",
        require.resolve("ts-node/register/transpile-only"),
        ...(process.env.SEEDPAY_ROLE_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced", // bigints cross the channel as they are
    });
    this.child.on("message", (message: Reply | Event) => {
      if ("event" in message) {
        const waiter = this.waiters.get(message.event);
        this.waiters.delete(message.event);
        if (waiter) waiter.resolve(message.data);
        else this.seen.set(message.event, message.data);
        return;
      }
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) pending?.resolve(message.result);
      else pending?.reject(new Error(`${name}: ${message.error}`));
    });
    this.ready = this.once("ready");
    this.ready.catch(() => undefined); // a role that dies early is reported by whoever waits on it
    this.child.on("exit", (code, signal) => {
      const error = new Error(`${name} exited (${signal ?? code})`);
      for (const { reject } of [...this.pending.values(), ...this.waiters.values()]) reject(error);
      this.pending.clear();
      this.waiters.clear();
    });
  }

  /** Sends a command once the role is ready for commands, and resolves with its reply. */
  async call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args } satisfies Command);
    });
  }

  /** Resolves with the data of `event`, including one emitted before this call. */
  once<T = unknown>(event: string): Promise<T> {
    if (this.seen.has(event)) {
      const data = this.seen.get(event);
      this.seen.delete(event);
      return Promise.resolve(data as T);
    }
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.reject(new Error(`${this.name} has exited`));
    }
    return new Promise<T>((resolve, reject) =>
      this.waiters.set(event, { resolve: resolve as (data: unknown) => void, reject }),
    );
  }

  /** Asks the role to exit, and kills it if it has not within a second. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    await Promise.race([this.call("exit").catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 1000);
    await exited;
    clearTimeout(timer);
  }
}
