// Longer than 300 lines: one class per System V call family (msgget, msgsnd, msgrcv, msgctl), each with async and sync forms and the error mapping they share.
/**
 * System V message queues (`msgget`, `msgsnd`, `msgrcv`, `msgctl`), as in the
 * lecture: a list of messages kept by the kernel, each with a positive `mtype`
 * and a text; a receiver picks messages by type, so the order is not always FIFO.
 *
 * Ownership: the handle that CREATED the queue owns it and removes it
 * (`IPC_RMID`) on close; a handle that opened an existing queue leaves it.
 * Every handle is registered with the kernel's resource registry, so queues are
 * removed when the kernel shuts down.
 *
 * @example
 * ```ts
 * const q = await openMessageQueue();
 * await q.send(2, "segunda"); await q.send(1, "primeira");
 * (await q.receive({ type: -2 })).text; // "primeira": the lowest mtype ≤ 2
 * await q.close();
 * ```
 */
import { throwIfAborted } from "../runtime/abort";
import { CdlabError, invalidArg, systemError } from "../runtime/errors";
import { HandleBase, register } from "../runtime/handle";
import { backendOption, BackendName, createOrOpen, getBackend, IpcBackend, modeOption, PendingJobs, QueueLimits, QueueStat, TRY_FIRST_SPIN_US } from "./native";
import { Removal } from "./removal";

/** A received message: the lecture's `struct { long mtype; char text[512]; }`. */
export interface Message {
  /** `mtype`, a positive integer. */
  type: number;
  /** The bytes sent. */
  data: Buffer;
  /** The bytes as UTF-8 text. */
  text: string;
}

/** Options of {@link openMessageQueue}. */
export interface MessageQueueOptions {
  /** The queue's key (`msgget(key, …)`); omitted: a new private queue (`IPC_PRIVATE`). */
  key?: number;
  /** An existing queue's id (from `ipcs -q` or another process); overrides `key`. */
  id?: number;
  /** Create the queue when it does not exist. @default true */
  create?: boolean;
  /** Fail with EEXIST when a queue with this key exists. @default false */
  exclusive?: boolean;
  /** Permission bits. @default 0o600 */
  mode?: number;
  /** Implementation. @default ipcBackend() */
  backend?: BackendName;
}

/** Options of {@link MessageQueue.send}. */
export interface SendOptions {
  /** Fail with EAGAIN instead of waiting when the queue is full (`IPC_NOWAIT`). @default false */
  nowait?: boolean;
  /** Cancels a send waiting for room. */
  signal?: AbortSignal;
}

/** Options of {@link MessageQueue.receive}. */
export interface ReceiveOptions {
  /** 0: the first message; > 0: the first with that mtype; < 0: the first of the lowest mtype ≤ |type|. @default 0 */
  type?: number;
  /** Fail with ENOMSG instead of waiting when nothing matches (`IPC_NOWAIT`). @default false */
  nowait?: boolean;
  /** Largest message accepted, bytes. @default msgmax */
  maxSize?: number;
  /** Cut longer messages to `maxSize` instead of failing with E2BIG (`MSG_NOERROR`). @default false */
  truncate?: boolean;
  /** Cancels a waiting receive. */
  signal?: AbortSignal;
}

function toMessage(m: { type: number; data: Buffer }): Message {
  return { type: m.type, data: m.data, text: m.data.toString("utf8") };
}

function checkInt(option: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min)
    invalidArg(option, value, min === 0 ? "esperado um inteiro não negativo" : `esperado um inteiro ≥ ${min}`);
}

/** An open message queue. Create it with {@link openMessageQueue}. */
export class MessageQueue extends HandleBase {
  /** The kernel's queue id (`msqid`, the column `msqid` of `ipcs -q`). */
  readonly id: number;
  /** The key it was opened with (undefined: `IPC_PRIVATE`). */
  readonly key: number | undefined;
  /** True when this handle created the queue (and removes it on close). */
  readonly owner: boolean;
  /** The implementation in use. */
  readonly backend: BackendName;
  private readonly b: IpcBackend;
  private readonly pending = new PendingJobs("message-queue");
  private readonly removal: Removal;
  /** The kernel's limits, read once (they are sysctls, /proc/sys/kernel/msgmax and msgmnb). */
  private readonly limits: QueueLimits;

  /** @internal use {@link openMessageQueue} (it registers the queue once it is known to exist) */
  constructor(b: IpcBackend, id: number, key: number | undefined, owner: boolean) {
    super({ kind: "message-queue", label: `msqid ${id}${key === undefined ? "" : ` key ${key}`}`, track: "later" });
    this.b = b;
    this.id = id;
    this.key = key;
    this.owner = owner;
    this.backend = b.name;
    this.removal = new Removal(() => b.msgRmid(id));
    this.limits = b.limits();
  }

  private what(action: string): string {
    return `Não foi possível ${action} fila de mensagens ${this.id}`;
  }

  private fail(action: string, err: unknown): CdlabError {
    const code = (err as { code?: string }).code;
    if (code === "EIDRM" || (code === "EINVAL" && this.removal.removed))
      return new CdlabError("EIDRM", `${this.what(action)}: a fila foi removida`, { cause: err });
    if (code === "EINVAL")
      return new CdlabError("EIDRM", `${this.what(action)}: a fila não existe (foi removida?)`, { cause: err });
    if (code === "ENOMSG") return new CdlabError("ENOMSG", `${this.what(action)}: nenhuma mensagem do tipo pedido`, { cause: err });
    if (code === "EAGAIN") return new CdlabError("EAGAIN", `${this.what(action)}: a fila está cheia`, { cause: err });
    if (code === "E2BIG")
      return new CdlabError("E2BIG", `${this.what(action)}: a mensagem é maior que maxSize (use a opção { truncate: true })`, { cause: err });
    return systemError(this.what(action), err);
  }

  private checkOpen(action: string): void {
    if (this.closed) throw new CdlabError("ERR_CLOSED", `${this.what(action)}: o handle está fechado`);
  }

  /**
   * Send a message (`msgsnd`). Waits for room when the queue is full, off the
   * event loop, unless `nowait`.
   *
   * @param type the mtype, an integer ≥ 1 (the kernel rejects ≤ 0 with EINVAL)
   * @param data the text or bytes, at most `msgmax` bytes
   * @param options nowait, signal
   * @returns when the message is in the queue
   * @throws CdlabError `EINVAL` (mtype ≤ 0), `EMSGSIZE` (over the limit), `EAGAIN` (full, nowait), `EIDRM`
   * @example
   * ```ts
   * import { openMessageQueue } from "cdlab/ipc";
   * const q = await openMessageQueue({ key: 1234 });
   * await q.send(1, "olá");
   * ```
   */
  async send(type: number, data: string | Uint8Array, options: SendOptions = {}): Promise<void> {
    const buf = this.message(type, data);
    throwIfAborted(options.signal);
    if (this.trySend(type, buf, options.nowait)) return;
    try {
      await this.pending.run(this.b.msgsndWait(this.id, type, buf), options.signal, this.what("enviar para a"));
    } catch (err) {
      throw err instanceof CdlabError || options.signal?.aborted ? err : this.fail("enviar para a", err);
    }
  }

  /**
   * Send a message (`msgsnd`), blocking this THREAD while the queue is full. For
   * worker threads and child processes (no thread hop: C's speed); in a notebook
   * cell use {@link MessageQueue.send}. The in-process backend fails with EDEADLK
   * instead of blocking forever.
   *
   * @param type the mtype, an integer ≥ 1
   * @param data the text or bytes, at most `msgmax` bytes
   * @param options.nowait fail with EAGAIN instead of blocking when the queue is full
   * @throws CdlabError as {@link MessageQueue.send}, and `EDEADLK` (in-process, full)
   * @example
   * ```ts
   * declare const q: MessageQueue; // in a worker thread
   * q.sendSync(2, "pong");
   * ```
   */
  sendSync(type: number, data: string | Uint8Array, options: { nowait?: boolean } = {}): void {
    const buf = this.message(type, data);
    if (this.trySend(type, buf, options.nowait)) return;
    try {
      this.b.msgsndSync(this.id, type, buf);
    } catch (err) {
      throw this.fail("enviar para a", err);
    }
  }

  /**
   * Try first: send without waiting (IPC_NOWAIT) on this thread.
   *
   * @returns true when sent; false when the queue is full and the caller may wait
   * @throws CdlabError EAGAIN (full, nowait), EMSGSIZE (can never fit), and the send's other errors
   */
  private trySend(type: number, buf: Buffer, nowait = false): boolean {
    this.checkOpen("enviar para a");
    try {
      this.b.msgsnd(this.id, type, buf);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") throw this.fail("enviar para a", err);
      this.checkFits(buf);
      if (nowait) throw this.fail("enviar para a", err);
      return false;
    }
  }

  /** Validate a message to send; its bytes. */
  private message(type: number, data: string | Uint8Array): Buffer {
    if (typeof type !== "number" || !Number.isSafeInteger(type) || type <= 0)
      throw new CdlabError(
        "EINVAL",
        `Não foi possível enviar para a fila de mensagens ${this.id}: o mtype deve ser um inteiro ≥ 1, veio ${JSON.stringify(type)} (o msgsnd falha com EINVAL)`,
      );
    if (typeof data !== "string" && !(data instanceof Uint8Array)) invalidArg("data", data, "esperado um texto ou um Buffer");
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const { msgmax } = this.limits;
    if (buf.length > msgmax) throw this.tooBig(buf.length, msgmax, "por mensagem (/proc/sys/kernel/msgmax)");
    return buf;
  }

  /**
   * After a send found no room (EAGAIN): EMSGSIZE when the message could never fit
   * the queue's capacity (`msg_qbytes`), which is read only then.
   */
  private checkFits(buf: Buffer): void {
    const { maxBytes } = this.stat();
    if (buf.length > maxBytes) throw this.tooBig(buf.length, maxBytes, "por fila (msg_qbytes)");
  }

  private tooBig(size: number, limit: number, which: string): CdlabError {
    return new CdlabError("EMSGSIZE", `Não foi possível enviar para a fila de mensagens ${this.id}: ${size} bytes passam do limite de ${limit} bytes ${which}`);
  }

  /**
   * Receive a message (`msgrcv`) by the lecture's three rules. Waits off the
   * event loop until one matches, unless `nowait`; `signal` or `close()` ends the wait.
   *
   * @param options type, nowait, maxSize, truncate, signal
   * @returns the message `{ type, data, text }`
   * @throws CdlabError `ENOMSG` (nowait, none), `EIDRM` (queue removed), `E2BIG`, `ERR_CLOSED`
   * @example
   * ```ts
   * declare const q: MessageQueue;
   * const m = await q.receive({ type: 2 }); // the first message whose mtype is 2
   * ```
   */
  async receive(options: ReceiveOptions = {}): Promise<Message> {
    const { type, maxSize, nowait, truncate } = this.receiveArgs(options);
    const { signal } = options;
    throwIfAborted(signal);
    this.checkOpen("receber da");
    // try first, on this thread (spinning briefly unless nowait); hop to a waiter thread only if it would block
    const got = this.tryReceive(maxSize, type, truncate, nowait ? 0 : TRY_FIRST_SPIN_US);
    if (got) return got;
    if (nowait) throw this.noMessage();
    try {
      const m = await this.pending.run(this.b.msgrcvWait(this.id, maxSize, type, truncate), signal, this.what("receber da"));
      return toMessage(m);
    } catch (err) {
      throw err instanceof CdlabError || signal?.aborted ? err : this.fail("receber da", err);
    }
  }

  /**
   * Receive a message (`msgrcv`), blocking this THREAD until one matches. For
   * worker threads and child processes (no thread hop: C's speed); in a notebook
   * cell use {@link MessageQueue.receive}. Removing the queue (any process) ends
   * the wait with EIDRM. The in-process backend fails with EDEADLK instead of
   * blocking forever.
   *
   * One `msgrcv` call, as in C: nothing is tried before it (an `IPC_NOWAIT` try would be a second system call
   * taking the queue's lock, which the partner's `msgsnd` needs too).
   *
   * @param options type, nowait, maxSize, truncate (as {@link MessageQueue.receive})
   * @returns the message `{ type, data, text }`
   * @throws CdlabError `ENOMSG` (nowait, none), `EIDRM`, `E2BIG`, `EDEADLK` (in-process)
   * @example
   * ```ts
   * declare const q: MessageQueue; // in a child process
   * const m = q.receiveSync({ type: 1 });
   * ```
   */
  receiveSync(options: Omit<ReceiveOptions, "signal"> = {}): Message {
    const { type, maxSize, nowait, truncate } = this.receiveArgs(options);
    this.checkOpen("receber da");
    if (nowait) return this.tryReceive(maxSize, type, truncate, 0) ?? this.throwNoMessage();
    try {
      return toMessage(this.b.msgrcvSync(this.id, maxSize, type, truncate)); // one blocking msgrcv
    } catch (err) {
      throw this.fail("receber da", err);
    }
  }

  /** Try first: receive without waiting (IPC_NOWAIT), retried for `spinUs` µs; undefined when nothing matches. */
  private tryReceive(maxSize: number, type: number, truncate: boolean, spinUs: number): Message | undefined {
    let m;
    try {
      m = this.b.msgrcv(this.id, maxSize, type, truncate, spinUs);
    } catch (err) {
      throw this.fail("receber da", err);
    }
    return m ? toMessage(m) : undefined;
  }

  private noMessage(): CdlabError {
    return this.fail("receber da", { code: "ENOMSG" });
  }

  private throwNoMessage(): never {
    throw this.noMessage();
  }

  private receiveArgs(options: ReceiveOptions): { type: number; maxSize: number; nowait: boolean; truncate: boolean } {
    const { type = 0, nowait = false, truncate = false } = options;
    const maxSize = options.maxSize ?? this.limits.msgmax;
    if (typeof type !== "number" || !Number.isSafeInteger(type)) invalidArg("type", type, "esperado um inteiro");
    checkInt("maxSize", maxSize, 0);
    return { type, maxSize, nowait, truncate };
  }

  /**
   * How many messages and bytes are in the queue (`msgctl(IPC_STAT)`).
   *
   * @returns `{ messages, bytes, maxBytes }`
   * @example
   * ```ts
   * declare const q: MessageQueue;
   * q.stat(); // { messages: 3, bytes: 21, maxBytes: 16384 }
   * ```
   */
  stat(): QueueStat {
    this.checkOpen("inspecionar a");
    try {
      return this.b.msgStat(this.id);
    } catch (err) {
      throw this.fail("inspecionar a", err);
    }
  }

  /**
   * Remove the queue from the system now (`msgctl(IPC_RMID)`), owner or not:
   * receivers waiting in any process wake up with EIDRM.
   *
   * @returns when removed
   */
  async remove(): Promise<void> {
    this.checkOpen("remover a");
    try {
      this.removal.now();
    } catch (err) {
      throw this.fail("remover a", err);
    }
  }

  /** Cancel waiting calls; the owner removes the queue. Runs once, from `close()`. */
  protected async release(): Promise<void> {
    await this.pending.cancelAll();
    if (this.owner) this.removal.quietly();
  }
}

/**
 * Open (by default: create) a System V message queue (`msgget`). The creator
 * owns it and removes it on `close()` (or at kernel shutdown).
 *
 * @param options key or id, create, exclusive, mode, backend
 * @returns the open queue
 * @throws CdlabError `EEXIST` (exclusive), `ENOENT` (create: false and no queue), `EACCES`
 * @example
 * ```ts
 * const q = await openMessageQueue({ key: 1234 }); // msgget(1234, IPC_CREAT | 0600)
 * ```
 */
export async function openMessageQueue(options: MessageQueueOptions = {}): Promise<MessageQueue> {
  const { key, id, create = true, exclusive = false, mode = 0o600 } = options;
  if (key !== undefined && (!Number.isInteger(key) || key <= 0 || key > 0x7fffffff))
    invalidArg("key", key, "esperado um inteiro de 1 a 2147483647 (omita-a para uma fila privada)");
  if (id !== undefined) checkInt("id", id, 0);
  modeOption(mode);
  const b = getBackend(backendOption(options.backend));
  let q: MessageQueue;
  if (id !== undefined) {
    q = new MessageQueue(b, id, undefined, false);
    q.stat(); // fails clearly when the id does not exist
  } else {
    const what = `Não foi possível abrir a fila de mensagens${key === undefined ? "" : ` de chave ${key}`}`;
    try {
      const { value, owner } =
        key === undefined
          ? { value: b.msgget(undefined, true, false, mode), owner: true }
          : createOrOpen(create, exclusive, (c, x) => b.msgget(key, c, x, mode));
      q = new MessageQueue(b, value, key, owner);
    } catch (err) {
      throw systemError(what, err);
    }
  }
  return register(q);
}

/**
 * The kernel's limits for message queues.
 *
 * @param backend which implementation @default ipcBackend()
 * @returns `{ msgmax, msgmnb }` in bytes
 * @example
 * ```ts
 * messageQueueLimits(); // { msgmax: 8192, msgmnb: 16384 }
 * ```
 */
export function messageQueueLimits(backend?: BackendName): QueueLimits {
  return getBackend(backendOption(backend)).limits();
}
