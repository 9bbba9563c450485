// Longer than 300 lines: the backend switch: loading the addon, wrapping its errno, and the waiter-thread bookkeeping every blocking IPC call shares.
/**
 * The IPC backend switch. Two implementations share one interface:
 *
 * - `"native"`: the addon `build/Release/cdlab_ipc.node` (native/ipc.cc): real
 *   System V message queues (visible in `ipcs -q`), POSIX shared memory
 *   (`/dev/shm`) and POSIX named semaphores, usable between processes;
 * - `"in-process"` (./inprocess.ts): the same semantics inside one Node process,
 *   used where the addon cannot be built (not Linux, no C++ toolchain) or when
 *   `CDLAB_IPC_BACKEND=in-process` is set.
 *
 * This is the only file that knows about the platform. Errors thrown by a
 * backend carry the errno name in `code` ("EIDRM", "ENOMSG"…); the wrappers in
 * mqueue.ts, shm.ts and semaphore.ts turn them into one-line CdlabErrors.
 *
 * @example
 * ```ts
 * import { ipcBackend } from "cdlab/ipc";
 * ipcBackend(); // "native"
 * ```
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getSystemErrorName } from "node:util";
import type { NativeIpc, NativeJob } from "../../native/native";
import { CdlabError } from "../runtime/errors";
import { makeHandle } from "../runtime/handle";
import { PACKAGE_ROOT } from "../runtime/root";
import { createInProcessBackend } from "./inprocess";

import type { BackendName, IpcBackend, Job, QueueLimits, QueueStat, RawMessage } from "./backend";
export type { BackendName, IpcBackend, Job, QueueLimits, QueueStat, RawMessage };

const ADDON = "cdlab_ipc.node";

/** Where the addon is looked for, in order. */
export function addonCandidates(): string[] {
  const env = process.env.CDLAB_IPC_ADDON;
  return [
    ...(env ? [path.resolve(env)] : []),
    path.join(PACKAGE_ROOT, "build", "Release", ADDON),
    path.join(PACKAGE_ROOT, "build", "Debug", ADDON),
  ];
}

/**
 * Load the native addon.
 *
 * @returns the addon's functions
 * @throws CdlabError `ERR_IPC_NATIVE_UNAVAILABLE` listing every path tried and why
 */
function loadAddon(): NativeIpc {
  const tried: string[] = [];
  if (process.platform !== "linux") {
    throw new CdlabError(
      "ERR_IPC_NATIVE_UNAVAILABLE",
      `Não foi possível carregar o addon nativo de IPC: ele precisa de Linux, e este sistema é ${process.platform}`,
    );
  }
  for (const file of addonCandidates()) {
    if (!fs.existsSync(file)) {
      tried.push(`${file} (não encontrado)`);
      continue;
    }
    try {
      return withErrnoNames(require(file) as NativeIpc);
    } catch (err) {
      tried.push(`${file} (${(err as Error).message.split("\n")[0]})`);
    }
  }
  throw new CdlabError(
    "ERR_IPC_NATIVE_UNAVAILABLE",
    `Não foi possível carregar o addon nativo de IPC (rode "npm run setup" para compilá-lo): tentados ${tried.join("; ")}`,
  );
}

/**
 * The name of errno `n`: `util.getSystemErrorName`, or, for the numbers libuv
 * does not name (among them System V's `EIDRM` and `ENOMSG`), the OS's own
 * table `os.constants.errno`.
 */
function errnoName(n: number): string {
  let name = errnoNames.get(n);
  if (name !== undefined) return name;
  name = getSystemErrorName(-n);
  if (name.startsWith("Unknown")) name = Object.entries(os.constants.errno).find(([, v]) => v === n)?.[0] ?? name;
  errnoNames.set(n, name);
  return name;
}
const errnoNames = new Map<number, string>();

/** Name the addon's numeric errno the way Node names its own (`code`: "EIDRM", "ENOMSG"…). */
function named(err: unknown): unknown {
  const e = err as { errno?: unknown; code?: unknown } | null;
  if (typeof e?.errno === "number" && e.code === undefined) e.code = errnoName(e.errno);
  return err;
}

/** The addon with every function's errors (thrown, or rejected by a job's promise) named by {@link named}. */
function withErrnoNames(raw: NativeIpc): NativeIpc {
  const out: Record<string, unknown> = { ...raw };
  for (const [key, fn] of Object.entries(raw)) {
    if (typeof fn !== "function") continue;
    out[key] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = fn(...args);
      } catch (err) {
        throw named(err);
      }
      const job = result as NativeJob<unknown> | null;
      if (typeof job?.cancel !== "function" || !(job.promise instanceof Promise)) return result;
      return { promise: job.promise.catch((err) => Promise.reject(named(err))), cancel: () => job.cancel() };
    };
  }
  return out as unknown as NativeIpc;
}

function readLimit(file: string, fallback: number): number {
  try {
    const n = Number(fs.readFileSync(`/proc/sys/kernel/${file}`, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

/** The kernel's message queue limits (Linux defaults elsewhere). */
export function kernelLimits(): QueueLimits {
  return { msgmax: readLimit("msgmax", 8192), msgmnb: readLimit("msgmnb", 16384) };
}

function nativeBackend(n: NativeIpc): IpcBackend {
  const c = n.constants;
  // The struct msgbuf every synchronous receive of this thread reuses (the addon makes no Buffer per message).
  let msgbuf = Buffer.alloc(8 + 8192);
  const receive = (id: number, max: number, type: number, flags: number, spinUs: number): RawMessage | null => {
    if (msgbuf.length < 8 + max) msgbuf = Buffer.alloc(8 + max);
    const size = n.msgrcv(id, msgbuf, max, type, flags, spinUs);
    if (size < 0) return null;
    // mtype: a 64-bit long (little-endian, as on every Linux Node runs on); data: a copy the caller keeps
    return { type: msgbuf.readUInt32LE(0) + msgbuf.readInt32LE(4) * 2 ** 32, data: Buffer.from(msgbuf.subarray(8, 8 + size)) };
  };
  const oflag = (create: boolean, exclusive: boolean) =>
    c.O_RDWR | (create ? c.O_CREAT : 0) | (create && exclusive ? c.O_EXCL : 0);
  return {
    name: "native",
    limits: kernelLimits,
    msgget: (key, create, exclusive, mode) =>
      n.msgget(key ?? c.IPC_PRIVATE, (create ? c.IPC_CREAT : 0) | (create && exclusive ? c.IPC_EXCL : 0) | mode),
    msgsnd: (id, type, data) => n.msgsnd(id, type, data, c.IPC_NOWAIT),
    msgsndSync: (id, type, data) => n.msgsnd(id, type, data, 0),
    msgsndWait: (id, type, data) => n.msgsndAsync(id, type, data, 0),
    msgrcv: (id, max, type, truncate, spinUs = 0) => receive(id, max, type, c.IPC_NOWAIT | (truncate ? c.MSG_NOERROR : 0), spinUs),
    msgrcvSync: (id, max, type, truncate) => receive(id, max, type, truncate ? c.MSG_NOERROR : 0, 0)!,
    msgrcvWait: (id, max, type, truncate) => n.msgrcvAsync(id, max, type, truncate ? c.MSG_NOERROR : 0),
    msgStat: (id) => {
      const s = n.msgStat(id);
      return { messages: s.messages, bytes: s.bytes, maxBytes: s.maxBytes };
    },
    msgRmid: (id) => n.msgRmid(id),
    shmOpen: (name, create, exclusive, mode) => n.shmOpen(name, oflag(create, exclusive), mode),
    shmUnlink: (name) => n.shmUnlink(name),
    shmResize: (fd, size) => n.ftruncate(fd, size),
    shmSize: (fd) => n.fdSize(fd),
    shmMap: (fd, size) => n.mmap(fd, size),
    shmUnmap: (buffer) => n.munmap(buffer as ArrayBuffer),
    shmCloseFd: (fd) => fs.closeSync(fd),
    semOpen: (name, create, exclusive, mode, value) =>
      n.semOpen(name, (create ? c.O_CREAT : 0) | (create && exclusive ? c.O_EXCL : 0), mode, value),
    semClose: (h) => n.semClose(h),
    semUnlink: (name) => n.semUnlink(name),
    semPost: (h) => n.semPost(h),
    semTryWait: (h, spinUs = 0) => n.semTryWait(h, spinUs),
    semWaitSync: (h) => n.semWaitSync(h),
    semGetValue: (h) => n.semGetValue(h),
    semWait: (h, timeoutMs) => n.semWaitAsync(h, timeoutMs),
    pipe: () => n.pipe2(c.O_CLOEXEC),
  };
}

let nativeCache: IpcBackend | CdlabError | undefined;
let inProcessCache: IpcBackend | undefined;

/** Why the native backend is not available, or undefined when it is. */
export function nativeUnavailableReason(): string | undefined {
  nativeCache ??= (() => {
    try {
      return nativeBackend(loadAddon());
    } catch (err) {
      return err instanceof CdlabError ? err : new CdlabError("ERR_IPC_NATIVE_UNAVAILABLE", String(err));
    }
  })();
  return nativeCache instanceof CdlabError ? nativeCache.message : undefined;
}

/**
 * Which IPC implementation cdlab uses: `"native"` (real kernel objects, between
 * processes) when the addon loads, else `"in-process"` (same semantics, one
 * process only). `CDLAB_IPC_BACKEND=in-process` forces the fallback.
 *
 * @returns the active backend's name
 * @example
 * ```ts
 * ipcBackend(); // "native"
 * ```
 */
export function ipcBackend(): BackendName {
  if (process.env.CDLAB_IPC_BACKEND === "in-process") return "in-process";
  return nativeUnavailableReason() === undefined ? "native" : "in-process";
}

/**
 * The backend object for `name` (default: the active one).
 *
 * @throws CdlabError `ERR_IPC_NATIVE_UNAVAILABLE` when `"native"` is asked for and cannot load
 */
export function getBackend(name: BackendName = ipcBackend()): IpcBackend {
  if (name === "in-process") return (inProcessCache ??= createInProcessBackend(kernelLimits()));
  const reason = nativeUnavailableReason();
  if (reason !== undefined) throw nativeCache as CdlabError;
  return nativeCache as IpcBackend;
}

/** Validate a `backend` option. */
export function backendOption(value: unknown): BackendName | undefined {
  if (value === undefined || value === "native" || value === "in-process") return value;
  throw new CdlabError(
    "ERR_INVALID_ARG",
    `Opção "backend" inválida (${JSON.stringify(value)}): esperado "native" ou "in-process"`,
  );
}

/**
 * Try first: how long (µs) an async `receive()`/`wait()` that would block retries
 * the non-blocking call (`IPC_NOWAIT`, `sem_trywait`) on the calling thread
 * before it hands the wait to a waiter thread and the event loop. A partner in
 * another process usually answers within a few µs, and the hop to a thread and
 * back costs tens of µs; a wait that lasts longer costs this much CPU once.
 */
export const TRY_FIRST_SPIN_US = spinBudget(process.env.CDLAB_IPC_SPIN_US);

/** `CDLAB_IPC_SPIN_US` as µs from 0 to 1000000; 50 when unset or not such a number (never NaN: it would spin forever). */
export function spinBudget(value: string | undefined): number {
  const us = value === undefined || value.trim() === "" ? NaN : Number(value);
  return Number.isFinite(us) && us >= 0 && us <= 1e6 ? us : 50;
}

/**
 * The blocking calls a handle has in progress, so that close() can cancel them
 * (and only then release the object they wait on). Each wait is also a handle
 * in the resource registry while it lasts, under the cell that started it: when that
 * cell is interrupted the wait ends with `EINTR` (as Ctrl-C interrupts
 * `msgrcv`/`sem_wait` in C) instead of living on and taking a later message.
 */
export class PendingJobs {
  private readonly jobs = new Set<Job<unknown>>();

  /** @param kind registry kind of the waits (the handle's kind) */
  constructor(private readonly kind: "message-queue" | "semaphore") {}

  /**
   * Await `job`. An abort of `signal` cancels it and rejects with
   * `signal.reason`; {@link cancelAll} rejects with `ERR_CLOSED`; an interrupt
   * of the cell rejects with `EINTR`.
   *
   * @param what the message's start, e.g. `Não foi possível receber da fila de mensagens 5`
   */
  async run<T>(job: Job<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
    this.jobs.add(job as Job<unknown>);
    let why: "abort" | "interrupt" | undefined;
    const onAbort = () => {
      why = "abort";
      job.cancel();
    };
    // Closing the entry (kernel shutdown) cancels the wait; it leaves the registry when the job settles.
    makeHandle({}, {
      kind: this.kind,
      label: `esperando: ${what.replace(/^Não foi possível /, "")}`,
      interrupt: () => {
        why ??= "interrupt";
        job.cancel();
      },
      ended: job.promise,
      release: () => job.cancel(),
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await job.promise;
    } catch (err) {
      if ((err as { code?: string }).code !== "ECANCELED") throw err;
      if (why === "abort") throw signal!.reason;
      if (why === "interrupt") throw new CdlabError("EINTR", `${what}: interrompido`);
      throw new CdlabError("ERR_CLOSED", `${what}: o handle foi fechado durante a espera`);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.jobs.delete(job as Job<unknown>);
    }
  }

  /** Cancel every job and wait until each has settled. */
  async cancelAll(): Promise<void> {
    const all = [...this.jobs];
    for (const j of all) j.cancel();
    await Promise.allSettled(all.map((j) => j.promise));
  }
}

/** Validate a `mode` option (permission bits). */
export function modeOption(mode: unknown): number {
  if (typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 || mode > 0o777)
    throw new CdlabError("ERR_INVALID_ARG", `Opção "mode" inválida (${JSON.stringify(mode)}): esperados bits de permissão como 0o600`);
  return mode;
}

/**
 * The ownership rule shared by queues, segments and semaphores: with `create`,
 * try to create exclusively (then this handle owns the object); when it exists
 * and `exclusive` is false, open the existing one (not owned).
 *
 * @param open the backend call: (create, exclusive) → handle
 * @returns the handle and whether this call created the object
 */
export function createOrOpen<T>(create: boolean, exclusive: boolean, open: (create: boolean, exclusive: boolean) => T): { value: T; owner: boolean } {
  if (!create) return { value: open(false, false), owner: false };
  try {
    return { value: open(true, true), owner: true };
  } catch (err) {
    if ((err as { code?: string }).code !== "EEXIST" || exclusive) throw err;
    return { value: open(false, false), owner: false };
  }
}
