// Longer than 300 lines: one handler per Jupyter request type (execute, complete, inspect, is_complete, shutdown, interrupt, stdin), sharing the execution state
/**
 * The kernel's protocol logic: what to answer to each Jupyter request, with
 * no sockets. The sockets (channels.ts, transport.ts) hand it received messages; it answers through an
 * {@link Outbox} and runs code through an {@link Engine}. Unit-tested with stubs.
 *
 * - Shell requests run one at a time, in order; every request is wrapped in
 *   `status: busy` / `status: idle` on iopub with the request as parent.
 * - execute: `execute_input`, outputs, `execute_result` or `error`, then
 *   `execute_reply` (status ok / error / aborted). With `stop_on_error`, an
 *   error aborts the execute requests already queued (like ipykernel), then
 *   later ones run normally.
 * - Output written while no cell runs (a timer, a server callback) goes to the
 *   last cell that ran.
 * - Input: the running cell may ask for a line ({@link KernelHandler.ask}):
 *   `input_request` on stdin to the client that sent the execute_request,
 *   then a wait on the {@link StdinSlot} the transport fills. With
 *   `allow_stdin: false` it throws `ERR_STDIN_NOT_ALLOWED` at once.
 */
import type { MimeBundle } from "../src/runtime/display";
import { CdlabError } from "../src/runtime/errors";
import type { InputRequest, InputSink } from "../src/runtime/input";

const STREAM_SLICE = 1 << 20;
import { makeMessage, type Content, type Envelope, type Header, type Message } from "../src/jupyter/messages";

/** The channels a kernel sends on. */
export type Channel = "shell" | "control" | "iopub" | "stdin";

/** Where the handler sends messages (the sockets). */
export interface Outbox {
  send(channel: Channel, ids: Uint8Array[], msg: Message): void;
}

/** The end of a cell. */
export type Outcome =
  | { status: "ok"; data?: MimeBundle }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

/** What runs code (tslab's executor and converter, in the real kernel). */
export interface Engine {
  /** Run a cell; outputs go through the handler's `stream` / `display`. */
  execute(code: string, cell: number): Promise<Outcome>;
  /** Completions at a UTF-16 offset. */
  complete(code: string, pos: number): { start: number; end: number; matches: string[] };
  /** Documentation at a UTF-16 offset; undefined when nothing is there. */
  inspect(code: string, pos: number): string | undefined;
  isComplete(code: string): { status: "complete" | "incomplete" | "invalid"; indent?: string };
  /** TypeScript's version (for kernel_info). */
  readonly languageVersion: string;
}

/** Where the answer to an input_request arrives (stdin.ts's InputSlot in the real kernel). */
export interface StdinSlot {
  /** A request with this msg_id is about to go out. */
  begin(msgId: string): void;
  /** Is a request waiting for its answer? */
  readonly waiting: boolean;
  /** Block the thread until the answer arrives (throws when cancelled). */
  waitSync(): string;
  /** Wait for the answer without blocking (rejects when cancelled). */
  waitAsync(): Promise<string>;
  /** Drop the request waiting; its waiter wakes and throws. */
  cancel(): void;
}

/** The kernel_info_reply content. */
export function kernelInfo(tsVersion: string): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: "5.3",
    implementation: "cdlab",
    implementation_version: "0.1.0",
    language_info: {
      name: "typescript",
      version: tsVersion,
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      pygments_lexer: "typescript",
    },
    banner: `cdlab — Computação Distribuída (TypeScript ${tsVersion}, Node.js ${process.version})`,
    help_links: [
      { text: "TypeScript", url: "https://www.typescriptlang.org/docs/" },
      { text: "Node.js", url: "https://nodejs.org/docs/latest-v20.x/api/" },
    ],
  };
}

/** Convert an offset in Unicode code points (Jupyter's unit) to UTF-16 (JavaScript's). */
export function codePointsToUtf16(s: string, cp: number): number {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

/** Convert a UTF-16 offset to Unicode code points. */
export function utf16ToCodePoints(s: string, i: number): number {
  return [...s.slice(0, i)].length;
}

interface Queued {
  env: Envelope;
  channel: "shell" | "control";
}

/** Options for {@link KernelHandler}. */
export interface HandlerOptions {
  engine: Engine;
  outbox: Outbox;
  /** The kernel's session id (header.session of what it sends). */
  session: string;
  /**
   * Ask the sockets to report once every message they already received has
   * been handed over ({@link KernelHandler.flushed} is then called). Used to
   * know which requests were queued before an error.
   */
  requestFlush(): void;
  /** A shutdown_request arrived on shell (after the reply was sent). */
  onShutdown(restart: boolean): void;
  /** Where input answers arrive; without it, asking for input fails like `allow_stdin: false`. */
  stdin?: StdinSlot;
}

/** The protocol logic of the kernel. */
export class KernelHandler implements InputSink {
  private count = 0;
  private queue: (Queued | "flushed")[] = [];
  private running = false;
  private aborting = false;
  /** The request whose outputs are being shown (the running or last cell). */
  private target?: { header: Header };
  /** Stream text not sent yet: consecutive writes are sent as one message. */
  private pending: { name: "stdout" | "stderr"; text: string }[] = [];
  private pendingSize = 0;
  private lastFlush = 0;
  private flushScheduled = false;
  /** Execution count of the cell running now (undefined between cells). */
  runningCell?: number;
  /** The running execute request (where input_request goes), and whether it allows stdin. */
  private asking?: { env: Envelope; allowStdin: boolean };

  constructor(private readonly o: HandlerOptions) {}

  /** The execution count of the running or last cell. */
  get executionCount(): number {
    return this.count;
  }

  /** A message arrived. Shell messages are queued; control ones answered at once. */
  receive(channel: "shell" | "control", env: Envelope): void {
    if (channel === "control") {
      void this.dispatch({ env, channel });
      return;
    }
    this.queue.push({ env, channel });
    void this.pump();
  }

  /** The sockets have handed over everything received before the flush request. */
  flushed(): void {
    this.queue.push("flushed");
    void this.pump();
  }

  /**
   * Send text to the stdout/stderr of the running (or last) cell. Writes are
   * batched until the event loop is free, 8 KiB are waiting or 50 ms passed
   * (so a busy cell still shows its output as it goes).
   */
  stream(name: "stdout" | "stderr", text: string): void {
    if (!text) return;
    const last = this.pending[this.pending.length - 1];
    if (last && last.name === name) last.text += text;
    else this.pending.push({ name, text });
    this.pendingSize += text.length;
    const now = Date.now();
    if (this.pendingSize > 8192 || now - this.lastFlush > 50) this.flushStreams();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushStreams());
    }
  }

  /** Send the batched stream text now. */
  flushStreams(): void {
    this.flushScheduled = false;
    this.lastFlush = Date.now();
    const parts = this.pending;
    if (!parts.length) return;
    this.pending = [];
    this.pendingSize = 0;
    // At most 1 Mi characters a message: clients bound the size of what they read (the grader: 16 MiB).
    for (const p of parts) {
      for (let i = 0; i < p.text.length; i += STREAM_SLICE) {
        const text = p.text.length > STREAM_SLICE ? p.text.slice(i, i + STREAM_SLICE) : p.text;
        this.o.outbox.send("iopub", [], makeMessage("stream", { name: p.name, text }, this.target?.header, this.o.session));
      }
    }
  }

  /** Show a MIME bundle in the running (or last) cell. */
  display(data: MimeBundle, options: { id?: string; update?: boolean } = {}): void {
    const content: Record<string, unknown> = { data, metadata: {} };
    if (options.id !== undefined) content.transient = { display_id: options.id };
    this.publish(options.update ? "update_display_data" : "display_data", content, this.target?.header);
  }

  /**
   * Clear the running (or last) cell's output; with `wait`, when the next
   * output arrives (clear_output).
   */
  clearOutput(wait: boolean): void {
    this.publish("clear_output", { wait }, this.target?.header);
  }

  /**
   * The running cell asks for a line and blocks this thread until the answer
   * arrives (`prompt()`); an interrupt ends the wait by terminating the cell.
   *
   * @throws CdlabError `ERR_STDIN_NOT_ALLOWED`, `ERR_NO_CELL`, `ERR_INPUT_PENDING`, `ERR_INPUT_CANCELLED`
   */
  ask(req: InputRequest): string {
    const slot = this.request(req);
    try {
      return slot.waitSync();
    } catch {
      throw cancelled();
    }
  }

  /** Like {@link ask}, without blocking the event loop (`await input()`). */
  async askAsync(req: InputRequest): Promise<string> {
    const slot = this.request(req);
    try {
      return await slot.waitAsync();
    } catch {
      throw cancelled();
    }
  }

  private request(req: InputRequest): StdinSlot {
    const why = "Não é possível pedir entrada ao aluno";
    const asking = this.asking;
    if (!asking) throw new CdlabError("ERR_NO_CELL", `${why}: nenhuma célula está rodando (peça a entrada no corpo da célula, não num callback)`);
    const slot = this.o.stdin;
    if (!asking.allowStdin || !slot) {
      throw new CdlabError(
        "ERR_STDIN_NOT_ALLOWED",
        `${why}: este cliente não aceita entrada (allow_stdin: false, como no corretor e no nbclient)`,
      );
    }
    if (slot.waiting) throw new CdlabError("ERR_INPUT_PENDING", `${why}: outra pergunta ainda espera resposta`);
    const msg = makeMessage("input_request", { prompt: req.prompt, password: req.password }, asking.env.msg.header, this.o.session);
    this.flushStreams();
    slot.begin(msg.header.msg_id);
    this.o.outbox.send("stdin", asking.env.ids, msg);
    return slot;
  }

  private publish(type: string, content: Content, parent: Partial<Header> | undefined): void {
    this.flushStreams();
    this.o.outbox.send("iopub", [], makeMessage(type, content, parent, this.o.session));
  }

  private reply(q: Queued, type: string, content: Record<string, unknown>): void {
    this.flushStreams();
    this.o.outbox.send(q.channel, q.env.ids, makeMessage(type, content, q.env.msg.header, this.o.session));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const q = this.queue.shift()!;
        if (q === "flushed") this.aborting = false;
        else await this.dispatch(q);
      }
    } finally {
      this.running = false;
    }
  }

  private async dispatch(q: Queued): Promise<void> {
    const { header } = q.env.msg;
    this.publish("status", { execution_state: "busy" }, header);
    try {
      await this.handle(q);
    } catch (e) {
      this.stream("stderr", `cdlab: internal error on ${header.msg_type}: ${(e as Error)?.message ?? e}\n`);
    } finally {
      this.publish("status", { execution_state: "idle" }, header);
    }
  }

  private async handle(q: Queued): Promise<void> {
    const c = q.env.msg.content;
    const code = typeof c.code === "string" ? c.code : "";
    const type = q.env.msg.header.msg_type;
    switch (type) {
      case "kernel_info_request":
        return this.reply(q, "kernel_info_reply", kernelInfo(this.o.engine.languageVersion));
      case "execute_request":
        return this.execute(q, c);
      case "is_complete_request":
        return this.reply(q, "is_complete_reply", { ...this.o.engine.isComplete(code) });
      case "complete_request": {
        const pos = codePointsToUtf16(code, Number(c.cursor_pos ?? [...code].length));
        const r = this.o.engine.complete(code, pos);
        return this.reply(q, "complete_reply", {
          status: "ok",
          matches: r.matches,
          cursor_start: utf16ToCodePoints(code, r.start),
          cursor_end: utf16ToCodePoints(code, r.end),
          metadata: {},
        });
      }
      case "inspect_request": {
        const pos = codePointsToUtf16(code, Number(c.cursor_pos ?? [...code].length));
        const text = this.o.engine.inspect(code, pos);
        return this.reply(q, "inspect_reply", {
          status: "ok",
          found: text !== undefined,
          data: text === undefined ? {} : { "text/plain": text },
          metadata: {},
        });
      }
      case "comm_info_request":
        return this.reply(q, "comm_info_reply", { status: "ok", comms: {} });
      case "history_request":
        return this.reply(q, "history_reply", { status: "ok", history: [] });
      case "shutdown_request": {
        const restart = Boolean(c.restart);
        this.reply(q, "shutdown_reply", { status: "ok", restart });
        this.o.onShutdown(restart);
        return;
      }
      default:
        // comm_open / comm_msg / comm_close and unknown requests: no reply.
        return;
    }
  }

  private async execute(q: Queued, c: Content): Promise<void> {
    const code = String(c.code ?? "");
    const silent = Boolean(c.silent);
    const storeHistory = c.store_history === undefined ? !silent : Boolean(c.store_history);
    const stopOnError = c.stop_on_error === undefined ? true : Boolean(c.stop_on_error);
    if (this.aborting) {
      this.reply(q, "execute_reply", { status: "aborted", execution_count: this.count });
      return;
    }
    if (storeHistory) this.count++;
    const n = this.count;
    const header = q.env.msg.header;
    if (!silent) this.publish("execute_input", { code, execution_count: n }, header);
    this.flushStreams();
    this.target = { header };
    this.runningCell = n;
    this.asking = { env: q.env, allowStdin: c.allow_stdin === undefined ? true : Boolean(c.allow_stdin) };
    let out: Outcome;
    try {
      out = await this.o.engine.execute(code, n);
    } finally {
      this.runningCell = undefined;
      this.asking = undefined;
      this.o.stdin?.cancel();
    }
    if (out.status === "ok") {
      if (out.data && !silent) this.publish("execute_result", { execution_count: n, data: out.data, metadata: {} }, header);
      this.reply(q, "execute_reply", { status: "ok", execution_count: n, user_expressions: {}, payload: [] });
      return;
    }
    const { ename, evalue, traceback } = out;
    this.publish("error", { ename, evalue, traceback }, header);
    this.reply(q, "execute_reply", { status: "error", execution_count: n, ename, evalue, traceback, user_expressions: {}, payload: [] });
    if (stopOnError) {
      this.aborting = true;
      this.o.requestFlush();
    }
  }
}

function cancelled(): CdlabError {
  return new CdlabError("ERR_INPUT_CANCELLED", "A pergunta foi cancelada: a célula terminou ou foi interrompida");
}
