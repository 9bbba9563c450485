// Longer than 300 lines: one client class — start, the three channels, execute with bounded output collection, interrupt, restart and close — whose parts share its sockets and state
/**
 * A small Jupyter client over ZeroMQ: it launches a kernel process with a
 * connection file, signs messages with HMAC-SHA256, executes code, collects
 * outputs and errors, enforces a per-call timeout (interrupt_request on the
 * control channel, then SIGINT; the caller restarts a kernel that does not come
 * back) and kills the kernel's whole process tree at the end. With a
 * {@link KernelLauncher} (the grader's sandbox) the kernel runs through the
 * launcher's command, over unix sockets, and its connection file is written
 * only to the launcher's fd 3. What is kept of each request's output is
 * bounded ({@link OutputLimits}); messages over 16 MiB are not read.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as zmq from "zeromq";
import { CdlabError } from "../runtime/errors";
import { isRunning } from "../proc/child";
import { killLeftoverGroup, killTree } from "../proc/tree";
import { cdlabKernelArgv, endpoint, minimalEnv, newConnection, type KernelLauncher } from "./launch";
import { makeMessage, type Message } from "./messages";
import { OutputCollector, type ExecuteResult, type OutputLimits } from "./outputs";
import { decode, encode } from "./wire";

export { cdlabKernelArgv, type KernelLauncher } from "./launch";
export type { ExecuteResult, OutputLimits } from "./outputs";

/** The largest message read from the kernel; a larger one drops the connection (ZMQ reconnects). */
const MAX_MESSAGE_BYTES = 16 << 20;

/** Options of {@link KernelClient.start}. */
export interface KernelOptions {
  /** Kernel command line with `{connection_file}`. @default the cdlab kernelspec's argv */
  argv?: string[];
  /** Working directory of the kernel. @default a new empty temporary directory */
  cwd?: string;
  /** Environment of the kernel. @default a minimal one (PATH, HOME, LANG, TZ) */
  env?: NodeJS.ProcessEnv;
  /** How long the kernel may take to answer kernel_info. @default 30000 */
  startTimeoutMs?: number;
  /** Run the kernel through this launcher (a sandbox): ipc sockets, the connection file on fd 3. `cwd` is then the launcher's. */
  launcher?: KernelLauncher;
  signal?: AbortSignal;
}

/** Options of {@link KernelClient.execute}; the output kept is bounded by {@link OutputLimits}. */
export interface ExecuteOptions extends OutputLimits {
  /** Time limit for the code. @default 30000 */
  timeoutMs?: number;
  /** After interrupting, how long to wait for the kernel to come back. @default 1000 */
  graceMs?: number;
  signal?: AbortSignal;
}

interface Pending {
  reply?: Message;
  idle: boolean;
  out: OutputCollector;
  wake: () => void;
}

/**
 * One kernel process and a client connected to it.
 *
 * @example
 * ```ts
 * const k = await KernelClient.start();
 * const r = await k.execute("1 + 1", { timeoutMs: 5000 });
 * await k.close();
 * ```
 */
export class KernelClient {
  private readonly pending = new Map<string, Pending>();
  private readonly session = randomUUID();
  private exitWaiters: (() => void)[] = [];
  private exited = false;
  private closed = false;
  /** The last 8 KB the kernel process wrote to its own stderr (not to cells). */
  processStderr = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly key: string,
    private readonly shell: zmq.Dealer,
    private readonly control: zmq.Dealer,
    private readonly iopub: zmq.Subscriber,
    private readonly tmp: string | undefined,
    private readonly ownCwd: string | undefined,
    private readonly launcher: KernelLauncher | undefined,
  ) {
    child.once("exit", () => {
      this.exited = true;
      for (const w of this.exitWaiters.splice(0)) w();
      for (const p of this.pending.values()) p.wake();
    });
    child.stderr?.on("data", (d: Buffer) => (this.processStderr = (this.processStderr + d.toString()).slice(-8192)));
    child.stdout?.resume();
    for (const sock of [shell, control, iopub]) void this.readLoop(sock);
  }

  /** The kernel's PID (with a launcher: the launcher's outermost process, whose tree holds the kernel). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Is the kernel process still running? */
  get alive(): boolean {
    return !this.exited;
  }

  /**
   * Launch a kernel and wait until it answers on shell and iopub.
   *
   * @param options see {@link KernelOptions}
   * @returns a connected client
   * @throws CdlabError `ERR_KERNEL_START` when the kernel exits or does not answer in time
   */
  static async start(options: KernelOptions = {}): Promise<KernelClient> {
    const { startTimeoutMs = 30_000, signal, launcher } = options;
    let tmp: string | undefined;
    let ownCwd: string | undefined;
    let child: ChildProcess | undefined;
    const sockets: (zmq.Dealer | zmq.Subscriber)[] = [];
    // Every failure before the client exists releases what start was given and made: the launcher (a claimed or
    // unclaimed spare goes with its sandbox), the folders, the child while it runs (never a pid it no longer owns).
    const cleanup = () => {
      for (const sock of sockets) sock.close();
      if (child?.pid !== undefined) {
        if (isRunning(child)) killTree(child.pid);
        else killLeftoverGroup(child.pid);
      }
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      if (ownCwd) fs.rmSync(ownCwd, { recursive: true, force: true });
      launcher?.dispose();
    };
    let client: KernelClient;
    try {
      signal?.throwIfAborted();
      // With a launcher the connection file exists only where the launcher puts it (written to the child's fd 3).
      tmp = launcher ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-kernel-"));
      ownCwd = options.cwd || launcher ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-run-"));
      const cwd = launcher ? os.tmpdir() : options.cwd ?? ownCwd!;
      const claimed = launcher?.claim?.();
      child = claimed?.child;
      const conn = claimed?.connection ?? (await newConnection(launcher?.socketDir));
      // A claimed spare already runs: the kernel's command (read from kernel.json) is built only to spawn one.
      if (!claimed) {
        const connFile = launcher ? launcher.connectionPath : path.join(tmp!, "connection.json");
        if (!launcher) fs.writeFileSync(connFile, JSON.stringify(conn), { mode: 0o600 });
        const kernelArgv = (options.argv ?? cdlabKernelArgv()).map((a) => a.replace("{connection_file}", connFile));
        const argv = launcher ? launcher.command(kernelArgv) : kernelArgv;
        const spawned = spawn(argv[0], argv.slice(1), {
          cwd, env: options.env ?? minimalEnv(), detached: true, stdio: ["ignore", "pipe", "pipe", ...(launcher ? (["pipe"] as const) : [])],
        });
        child = spawned;
        await new Promise<void>((res, rej) => spawned.once("spawn", res).once("error", rej)).catch((e) => {
          throw new CdlabError("ERR_KERNEL_START", `Não foi possível iniciar o kernel "${argv[0]}": ${(e as Error).message}`);
        });
        if (launcher) {
          const fd3 = spawned.stdio[3] as import("node:stream").Writable;
          fd3.on("error", () => undefined); // the launcher may exit before reading it: reported by waitReady
          fd3.end(JSON.stringify(conn));
        }
      }
      const shell = new zmq.Dealer({ linger: 0, maxMessageSize: MAX_MESSAGE_BYTES });
      sockets.push(shell);
      const control = new zmq.Dealer({ linger: 0, maxMessageSize: MAX_MESSAGE_BYTES });
      sockets.push(control);
      const iopub = new zmq.Subscriber({ linger: 0, maxMessageSize: MAX_MESSAGE_BYTES });
      sockets.push(iopub);
      shell.connect(endpoint(conn, conn.shell_port));
      control.connect(endpoint(conn, conn.control_port));
      iopub.connect(endpoint(conn, conn.iopub_port));
      iopub.subscribe();
      client = new KernelClient(child!, conn.key, shell, control, iopub, tmp, ownCwd, launcher);
    } catch (e) {
      cleanup();
      throw e;
    }
    try {
      await client.waitReady(startTimeoutMs, signal);
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  private async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Resend kernel_info until iopub delivers its status: then shell and iopub are both connected.
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      if (this.exited) break;
      const id = await this.send(this.shell, "kernel_info_request", {});
      const p = this.pending.get(id)!;
      await this.wait(p, () => p.out.count > 0 || this.exited, 250);
      this.pending.delete(id);
      if (p.out.count > 0 || (p.reply && p.idle)) return;
    }
    const tail = this.processStderr.trim().split("\n").slice(-3).join(" | ");
    throw new CdlabError("ERR_KERNEL_START", `O kernel não iniciou${this.exited ? " (o processo terminou)" : ` em ${timeoutMs} ms`}${tail ? `: ${tail}` : ""}`);
  }

  private async send(sock: zmq.Dealer, msgType: string, content: Record<string, unknown>, limits?: OutputLimits): Promise<string> {
    const msg = makeMessage(msgType, content, undefined, this.session, "cdlab-grader");
    this.pending.set(msg.header.msg_id, { idle: false, out: new OutputCollector(limits), wake: () => {} });
    await sock.send(encode({ ids: [], msg }, this.key));
    return msg.header.msg_id;
  }

  private async readLoop(sock: zmq.Dealer | zmq.Subscriber): Promise<void> {
    try {
      for await (const frames of sock) this.dispatch(sock, frames);
    } catch {
      /* socket closed */
    }
  }

  private dispatch(sock: unknown, frames: Buffer[]): void {
    let msg: Message;
    try {
      msg = decode(frames, this.key).msg; // a bad signature or malformed message is dropped
    } catch {
      return;
    }
    const p = this.pending.get(String(msg.parent_header?.msg_id));
    if (!p) return;
    if (sock === this.iopub) {
      if (msg.header.msg_type === "status" && msg.content.execution_state === "idle") p.idle = true;
      p.out.add(msg); // kept within the request's output limits, then dropped
    } else p.reply = msg;
    p.wake();
  }

  /** Wait until `done()` or `ms` elapse. */
  private wait(p: Pending, done: () => boolean, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (done() || signal?.aborted) return resolve();
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", finish);
        p.wake = () => {};
        resolve();
      };
      const timer = setTimeout(finish, ms);
      signal?.addEventListener("abort", finish, { once: true });
      p.wake = () => {
        if (done()) finish();
      };
    });
  }

  /**
   * Execute code and collect what it printed, displayed and raised.
   *
   * @param code the cell's source
   * @param options see {@link ExecuteOptions}
   * @returns the outcome; never rejects because of the code itself
   */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    // tslab aborts requests that arrive within 200 ms of an error: the code did not run, so send it again.
    for (let attempt = 0; ; attempt++) {
      const r = await this.executeOnce(code, options);
      if (r.status !== "abort" || attempt === 4) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  private async executeOnce(code: string, options: ExecuteOptions): Promise<ExecuteResult> {
    const { timeoutMs = 30_000, graceMs = 1000, signal, maxOutputBytes, maxOutputLines } = options;
    signal?.throwIfAborted();
    if (this.exited) return { status: "died", stdout: "", stderr: "", outputs: [] };
    const id = await this.send(this.shell, "execute_request", {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false,
    }, { maxOutputBytes, maxOutputLines });
    const p = this.pending.get(id)!;
    const finished = () => (!!p.reply && p.idle) || this.exited;
    const deadline = Date.now() + timeoutMs;
    await this.wait(p, () => !!p.reply || this.exited, timeoutMs, signal);
    // After the reply, outputs may still be arriving: wait for `idle` as long as they keep coming (bounded).
    for (let seen = -1; p.reply && !p.idle && !this.exited && p.out.count !== seen && Date.now() < deadline + 500; ) {
      seen = p.out.count;
      await this.wait(p, () => p.idle || this.exited, 2000, signal);
    }
    signal?.throwIfAborted();
    let timedOut = false;
    let recovered: boolean | undefined;
    if (!p.reply && !this.exited) {
      timedOut = true;
      await this.interrupt();
      await this.wait(p, finished, graceMs);
      if (!p.reply && !this.exited) {
        try {
          process.kill(this.pid, "SIGINT");
        } catch {
          /* gone */
        }
        await this.wait(p, finished, graceMs);
      }
      recovered = !!p.reply && !this.exited && (await this.responsive(graceMs));
    }
    this.pending.delete(id);
    const result = p.out.result(p.reply);
    if (timedOut) return { ...result, status: "timeout", recovered };
    if (!p.reply) return { ...result, status: "died" };
    if (!p.idle) return { ...result, outputLost: true };
    return result;
  }

  /** Does the kernel answer kernel_info within `ms`? (A kernel can reply to an interrupt while a synchronous loop still runs.) */
  private async responsive(ms: number): Promise<boolean> {
    const id = await this.send(this.shell, "kernel_info_request", {});
    const p = this.pending.get(id)!;
    await this.wait(p, () => !!p.reply || this.exited, ms);
    this.pending.delete(id);
    return !!p.reply && !this.exited;
  }

  /** Send interrupt_request on the control channel (does not wait for the reply). */
  async interrupt(): Promise<void> {
    if (this.exited || this.closed) return;
    const id = await this.send(this.control, "interrupt_request", {});
    setTimeout(() => this.pending.delete(id), 5000).unref();
  }

  /**
   * Stop the kernel: shutdown_request (so it can release what it opened), then
   * SIGKILL its whole process tree (or, when the kernel already died, what it
   * left in its process group), close the sockets and remove its files.
   * Idempotent.
   *
   * @param graceMs how long to wait for a clean exit after shutdown_request
   * @default graceMs 1000
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.exited) {
      await this.send(this.control, "shutdown_request", { restart: false }).catch(() => {});
      await new Promise<void>((resolve) => {
        if (this.exited) return resolve();
        const t = setTimeout(resolve, graceMs);
        this.exitWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    // Only while it runs: once it exited and was reaped its pid (and group id) may be another process's.
    if (isRunning(this.child)) killTree(this.pid);
    if (!this.exited) await new Promise<void>((r) => this.exitWaiters.push(r));
    // A kernel that died without its exit hook (SIGKILL, an OOM abort) left its children in its group: the group is
    // killed only while one of them still holds its id, so the pid cannot be another process's.
    killLeftoverGroup(this.pid);
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
    if (this.ownCwd) fs.rmSync(this.ownCwd, { recursive: true, force: true });
    this.launcher?.dispose();
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
