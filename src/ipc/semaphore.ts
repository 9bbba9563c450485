/**
 * POSIX named semaphores (`sem_open`, `sem_wait`, `sem_trywait`, `sem_timedwait`,
 * `sem_post`, `sem_getvalue`, `sem_close`, `sem_unlink`): a counter in the kernel
 * shared by every process that opens the same name. `wait()` takes one unit
 * (blocking while the value is 0), `post()` gives one back.
 *
 * `wait()` blocks on its own thread, never on the notebook's event loop, and
 * ends early on `signal` or `close()`. `waitSync()` blocks the calling thread:
 * for worker threads and child processes only.
 *
 * Ownership: the handle that CREATED the semaphore owns it and unlinks the name
 * on close; other handles only close.
 *
 * @example
 * ```ts
 * import { openSemaphore } from "cdlab/ipc";
 * const mutex = await openSemaphore("/cdlab-mutex", { value: 1 });
 * await mutex.wait(); // the critical section runs here, then:
 * mutex.post();
 * await mutex.close();
 * ```
 */
import { throwIfAborted } from "../runtime/abort";
import { CdlabError, invalidArg, systemError } from "../runtime/errors";
import { HandleBase } from "../runtime/handle";
import { backendOption, BackendName, createOrOpen, getBackend, IpcBackend, modeOption, PendingJobs, TRY_FIRST_SPIN_US } from "./native";
import { Removal } from "./removal";
import { validateIpcName } from "./shm";

/** Options of {@link openSemaphore}. */
export interface SemaphoreOptions {
  /** Initial value, used only when the semaphore is created. @default 0 */
  value?: number;
  /** Create it when it does not exist. @default true */
  create?: boolean;
  /** Fail with EEXIST when it exists. @default false */
  exclusive?: boolean;
  /** Permission bits. @default 0o600 */
  mode?: number;
  /** Implementation. @default ipcBackend() */
  backend?: BackendName;
}

/** Options of {@link NamedSemaphore.wait}. */
export interface WaitOptions {
  /** Give up after this many milliseconds (`sem_timedwait`); resolves false then. @default no limit */
  timeoutMs?: number;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/** An open named semaphore. Create it with {@link openSemaphore}. */
export class NamedSemaphore extends HandleBase {
  /** The POSIX name (/dev/shm/sem.<name> on Linux). */
  readonly name: string;
  /** True when this handle created the semaphore (and unlinks it on close). */
  readonly owner: boolean;
  /** The implementation in use. */
  readonly backend: BackendName;
  private readonly b: IpcBackend;
  private readonly h: number;
  private readonly pending = new PendingJobs("semaphore");
  private readonly removal: Removal;

  /** @internal use {@link openSemaphore} */
  constructor(b: IpcBackend, name: string, h: number, owner: boolean) {
    super({ kind: "semaphore", label: name });
    this.b = b;
    this.name = name;
    this.h = h;
    this.owner = owner;
    this.backend = b.name;
    this.removal = new Removal(() => b.semUnlink(name));
  }

  private checkOpen(action: string): void {
    if (this.closed) throw new CdlabError("ERR_CLOSED", `Não foi possível ${action} semáforo "${this.name}": ele está fechado`);
  }

  /**
   * Add one (`sem_post`), waking one waiter.
   *
   * @example
   * ```ts
   * declare const sem: NamedSemaphore;
   * sem.post();
   * ```
   */
  post(): void {
    this.checkOpen("incrementar (post) o");
    try {
      this.b.semPost(this.h);
    } catch (err) {
      throw systemError(`Não foi possível incrementar (post) o semáforo "${this.name}"`, err);
    }
  }

  /**
   * Take one if the value is above 0 (`sem_trywait`), never waiting.
   *
   * @returns true when taken, false when the value was 0
   */
  tryWait(): boolean {
    this.checkOpen("esperar no");
    return this.b.semTryWait(this.h);
  }

  /**
   * Take one, waiting while the value is 0 (`sem_wait`, or `sem_timedwait` with
   * `timeoutMs`), on a separate thread: the notebook stays responsive.
   *
   * @param options timeoutMs, signal
   * @returns true when taken; false when `timeoutMs` passed first
   * @throws the signal's reason when aborted; `ERR_CLOSED` when closed meanwhile
   * @example
   * ```ts
   * declare const sem: NamedSemaphore;
   * await sem.wait({ timeoutMs: 1000 }); // false after 1 s without a post
   * ```
   */
  async wait(options: WaitOptions = {}): Promise<boolean> {
    const { timeoutMs, signal } = options;
    if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs)))
      invalidArg("timeoutMs", timeoutMs, "esperado um número não negativo de milissegundos");
    throwIfAborted(signal);
    this.checkOpen("esperar no");
    // try first, on this thread (spinning briefly); hop to a waiter thread only if it would block
    if (this.b.semTryWait(this.h, timeoutMs === 0 ? 0 : TRY_FIRST_SPIN_US)) return true;
    if (timeoutMs === 0) return false;
    try {
      return await this.pending.run(this.b.semWait(this.h, timeoutMs ?? -1), signal, `Não foi possível esperar no semáforo "${this.name}"`);
    } catch (err) {
      throw err instanceof CdlabError || signal?.aborted ? err : systemError(`Não foi possível esperar no semáforo "${this.name}"`, err);
    }
  }

  /**
   * Take one, blocking this THREAD while the value is 0 (`sem_wait`). For worker
   * threads and child processes; in a notebook cell use {@link NamedSemaphore.wait}.
   * The in-process backend fails with EDEADLK instead of blocking forever.
   *
   * One `sem_wait` call, as in C (whose first step already takes a unit without a system call when there is one):
   * no spinning, which on a busy machine can give the CPU away for a whole time slice.
   *
   * @example
   * ```ts
   * declare const full: NamedSemaphore; // in a child process
   * full.waitSync();
   * ```
   */
  waitSync(): void {
    this.checkOpen("esperar no");
    try {
      this.b.semWaitSync(this.h); // one blocking sem_wait
    } catch (err) {
      if ((err as { code?: string }).code === "EDEADLK")
        throw new CdlabError(
          "EDEADLK",
          `Não foi possível esperar no semáforo "${this.name}": o valor é 0 e o backend "in-process" não tem outra thread para incrementá-lo (use await wait())`,
        );
      throw systemError(`Não foi possível esperar no semáforo "${this.name}"`, err);
    }
  }

  /**
   * The current value (`sem_getvalue`).
   *
   * @returns the value, ≥ 0
   */
  value(): number {
    this.checkOpen("ler o");
    return this.b.semGetValue(this.h);
  }

  /**
   * Remove the name now (`sem_unlink`), owner or not; open handles keep working.
   *
   * @returns when unlinked
   */
  async unlink(): Promise<void> {
    try {
      this.removal.now();
    } catch (err) {
      throw systemError(`Não foi possível remover o nome do semáforo "${this.name}"`, err);
    }
  }

  /** Cancel waits, `sem_close`; the owner also unlinks. Runs once, from `close()`. */
  protected async release(): Promise<void> {
    await this.pending.cancelAll();
    this.b.semClose(this.h);
    if (this.owner) this.removal.quietly();
  }
}

/**
 * Open (by default: create) a POSIX named semaphore (`sem_open`).
 *
 * @param name "/" and a name, e.g. "/cdlab-mutex"
 * @param options value (initial, when created), create, exclusive, mode, backend
 * @returns the open semaphore
 * @throws CdlabError `ERR_INVALID_ARG` (name without leading "/", bad value), `EEXIST`, `ENOENT`
 * @example
 * ```ts
 * const full = await openSemaphore("/cdlab-full", { value: 0 });
 * ```
 */
export async function openSemaphore(name: string, options: SemaphoreOptions = {}): Promise<NamedSemaphore> {
  validateIpcName("name", name);
  const { value = 0, create = true, exclusive = false, mode = 0o600 } = options;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0x7fffffff)
    invalidArg("value", value, "esperado um inteiro de 0 a 2147483647");
  modeOption(mode);
  const b = getBackend(backendOption(options.backend));
  let opened: { value: number; owner: boolean };
  try {
    opened = createOrOpen(create, exclusive, (c, x) => b.semOpen(name, c, x, mode, c ? value : 0));
  } catch (err) {
    throw systemError(`Não foi possível abrir o semáforo "${name}"`, err);
  }
  return new NamedSemaphore(b, name, opened.value, opened.owner);
}
