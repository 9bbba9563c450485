/**
 * Shared memory between the kernel's main thread and its transport worker
 * about interrupting the main thread.
 *
 * Word 0 is the interrupt handshake: the worker sets POSTED when it posts
 * `interrupt`; the main thread sets IDLE when it handles it (its event loop
 * was free); the worker sets TERMINATING when it gives up waiting and stops
 * the running JavaScript with the inspector.
 *
 * Words 2 and 3 count the execute requests the main thread has received and
 * answered, so the worker knows which cell an interrupt is for and when it
 * has replied.
 *
 * Word 1 counts the main thread's protected sections: loading TypeScript and
 * compiling a cell. `Runtime.terminateExecution` must never land there: it
 * unwinds through `finally` blocks without running them and would leave the
 * compiler (and the task that runs the next cell) broken. Outside of them the
 * only JavaScript that runs long is the student's, which is what an interrupt
 * is meant to stop.
 */
const IDLE = 0;
const POSTED = 1;
const TERMINATING = 2;

/** Both sides' view of the flag (construct one per side over the same buffer). */
export class InterruptFlag {
  private readonly words: Int32Array;

  /** @param buffer the shared buffer; a new one when omitted (main thread) */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(16)) {
    this.words = new Int32Array(buffer);
  }

  /** Main thread: the posted interrupt has been handled. */
  acknowledge(): void {
    Atomics.store(this.words, 0, IDLE);
  }

  /** Main thread: run `fn` where the worker must not terminate JavaScript. */
  protect<T>(fn: () => T): T {
    Atomics.add(this.words, 1, 1);
    try {
      return fn();
    } finally {
      Atomics.sub(this.words, 1, 1);
    }
  }

  /** Main thread: an execute_request arrived. */
  executeReceived(): void {
    Atomics.add(this.words, 2, 1);
  }

  /** Main thread: an execute_reply went out. */
  executeReplied(): void {
    Atomics.add(this.words, 3, 1);
  }

  /**
   * Worker: the number of the oldest execute request not answered yet
   * (1-based, in arrival order), or undefined when every one has been.
   */
  oldestUnanswered(): number | undefined {
    const replied = Atomics.load(this.words, 3);
    return Atomics.load(this.words, 2) > replied ? replied + 1 : undefined;
  }

  /** Worker: has execute request number `n` (see {@link oldestUnanswered}) been answered? */
  answered(n: number): boolean {
    return Atomics.load(this.words, 3) >= n;
  }

  /** Worker: no execute_request has reached the main thread yet (no cell ran: nothing to clean up). */
  get neverExecuted(): boolean {
    return Atomics.load(this.words, 2) === 0;
  }

  /** Worker: an `interrupt` message is on its way to the main thread. */
  posted(): void {
    Atomics.store(this.words, 0, POSTED);
  }

  /** Worker: has the main thread handled the last posted interrupt? */
  get acknowledged(): boolean {
    return Atomics.load(this.words, 0) === IDLE;
  }

  /** Worker: is the main thread inside a protected section now? */
  get protectedNow(): boolean {
    return Atomics.load(this.words, 1) > 0;
  }

  /**
   * Worker: claim the right to terminate the main thread's JavaScript: true
   * when the interrupt is still unhandled and no protected section runs.
   */
  claimTermination(): boolean {
    if (this.protectedNow) return false;
    return Atomics.compareExchange(this.words, 0, POSTED, TERMINATING) === POSTED;
  }
}
