/**
 * A counting semaphore for worker threads, built on a `SharedArrayBuffer` and
 * `Atomics.wait`/`Atomics.notify` (the same idea as a futex): the value lives in
 * shared memory; `wait()` takes one with a compare-and-swap and sleeps while it
 * is 0; `post()` adds one and wakes one sleeper.
 *
 * Pass `sem.buffer` to a worker (`workerData`) and rebuild it there with
 * `new AtomicsSemaphore(buffer)`.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * import { AtomicsSemaphore } from "cdlab/ipc";
 * declare const file: string; // the worker's script
 * const mutex = AtomicsSemaphore.create(1);
 * new Worker(file, { workerData: { mutex: mutex.buffer } });
 * // in the worker: const m = new AtomicsSemaphore(workerData.mutex); m.wait(); …; m.post();
 * ```
 */
import { abortable, throwIfAborted } from "../runtime/abort";
import { invalidArg } from "../runtime/errors";

/** `Atomics.waitAsync` (Node ≥ 16; typed in lib ES2024, newer than this project's ES2022). */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, t?: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

export class AtomicsSemaphore {
  /** The shared memory holding the value (one Int32): hand it to workers. */
  readonly buffer: SharedArrayBuffer;
  private readonly cell: Int32Array;

  /**
   * @param buffer a SharedArrayBuffer from another AtomicsSemaphore's `buffer`
   * @param byteOffset where the Int32 value lives @default 0
   */
  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    if (!(buffer instanceof SharedArrayBuffer)) invalidArg("buffer", typeof buffer, "esperado um SharedArrayBuffer");
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0 || byteOffset + 4 > buffer.byteLength)
      invalidArg("byteOffset", byteOffset, "esperado um múltiplo de 4 dentro do buffer");
    this.buffer = buffer;
    this.cell = new Int32Array(buffer, byteOffset, 1);
  }

  /**
   * A new semaphore in a fresh SharedArrayBuffer.
   *
   * @param value the initial value @default 0
   * @returns the semaphore
   * @example
   * ```ts
   * const mutex = AtomicsSemaphore.create(1);
   * ```
   */
  static create(value = 0): AtomicsSemaphore {
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) invalidArg("value", value, "esperado um inteiro ≥ 0");
    const s = new AtomicsSemaphore(new SharedArrayBuffer(4));
    Atomics.store(s.cell, 0, value);
    return s;
  }

  /** The current value. */
  get value(): number {
    return Atomics.load(this.cell, 0);
  }

  /**
   * Take one if the value is above 0, never waiting.
   *
   * @returns true when taken
   */
  tryWait(): boolean {
    for (;;) {
      const v = Atomics.load(this.cell, 0);
      if (v <= 0) return false;
      if (Atomics.compareExchange(this.cell, 0, v, v - 1) === v) return true;
    }
  }

  /**
   * Take one, sleeping while the value is 0 (`Atomics.wait`: blocks the thread;
   * use it in workers, use {@link AtomicsSemaphore.waitAsync} on the main thread).
   *
   * @param timeoutMs give up after this long @default Infinity
   * @returns true when taken, false on timeout
   */
  wait(timeoutMs = Infinity): boolean {
    const end = Date.now() + timeoutMs;
    while (!this.tryWait()) {
      const left = end - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.cell, 0, 0, left);
    }
    return true;
  }

  /**
   * Take one without blocking the thread (`Atomics.waitAsync`).
   *
   * @param options.signal cancels the wait
   * @returns when taken
   */
  async waitAsync(options: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    let stop = false;
    const loop = async () => {
      while (!stop && !this.tryWait()) {
        const r = waitAsync(this.cell, 0, 0, 1000);
        if (r.async) await r.value;
      }
    };
    await abortable(loop(), options.signal, () => (stop = true));
  }

  /** Add one and wake one waiter. */
  post(): void {
    Atomics.add(this.cell, 0, 1);
    Atomics.notify(this.cell, 0, 1);
  }
}
