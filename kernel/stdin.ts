/**
 * The answer to an `input_request`, handed from the transport worker (which
 * owns the stdin socket, transport.ts) to the main thread through shared
 * memory — so the main thread can wait for it synchronously (`prompt()`
 * blocks its event loop, as in a browser) or asynchronously (`await input()`).
 *
 * Layout: word 0 the state, word 1 the answer's length in bytes; then the
 * msg_id of the request waiting (ASCII, {@link ID_BYTES}), then the answer
 * (UTF-8, at most {@link MAX_ANSWER} bytes, longer answers are cut).
 *
 * States: IDLE (nobody waits), WAITING (a request is out; the worker may fill
 * it), FILLING (the worker is writing the answer), ANSWERED, CANCELLED (the
 * cell ended or was interrupted: a late answer is dropped).
 *
 * Interrupting a synchronous wait: the transport's `Runtime.terminateExecution`
 * wakes `Atomics.wait` (tested in protocol.test.ts); the handler then cancels
 * the slot when the cell ends.
 */
const IDLE = 0;
const WAITING = 1;
const FILLING = 2;
const ANSWERED = 3;
const CANCELLED = 4;

const ID_BYTES = 64;
/** The longest answer kept, in bytes. */
export const MAX_ANSWER = 256 * 1024;
const HEADER = 8;

/** `Atomics.waitAsync` (Node 16+; its type is in TypeScript's ES2024 lib, newer than ours). */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** Why a wait ended without an answer. */
export class InputCancelled extends Error {}

/** Both threads' view of the slot (one instance per thread over the same buffer). */
export class InputSlot {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;

  /** @param buffer the shared buffer; a new one when omitted (main thread) */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(HEADER + ID_BYTES + MAX_ANSWER)) {
    this.words = new Int32Array(buffer, 0, 2);
    this.bytes = new Uint8Array(buffer);
  }

  /** Main thread: a request with this msg_id is about to go out. */
  begin(msgId: string): void {
    // A worker still writing a late answer finishes within microseconds.
    while (Atomics.load(this.words, 0) === FILLING) Atomics.wait(this.words, 0, FILLING, 5);
    const id = Buffer.from(msgId, "latin1").subarray(0, ID_BYTES);
    this.bytes.fill(0, HEADER, HEADER + ID_BYTES);
    this.bytes.set(id, HEADER);
    Atomics.store(this.words, 0, WAITING);
  }

  /** Main thread: is a request waiting for its answer? */
  get waiting(): boolean {
    const s = Atomics.load(this.words, 0);
    return s === WAITING || s === FILLING;
  }

  /** Main thread: block until the answer is there (or the slot is cancelled). */
  waitSync(): string {
    for (;;) {
      const s = Atomics.load(this.words, 0);
      if (s === ANSWERED || s === CANCELLED) return this.take();
      Atomics.wait(this.words, 0, s);
    }
  }

  /** Main thread: wait without blocking the event loop. */
  async waitAsync(): Promise<string> {
    for (;;) {
      const s = Atomics.load(this.words, 0);
      if (s === ANSWERED || s === CANCELLED) return this.take();
      const w = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.words, 0, s);
      if (w.async) await w.value;
    }
  }

  /** Main thread: drop the request waiting (a late answer is ignored); wakes its waiter. */
  cancel(): void {
    while (Atomics.load(this.words, 0) === FILLING) Atomics.wait(this.words, 0, FILLING, 5);
    if (Atomics.compareExchange(this.words, 0, WAITING, CANCELLED) === WAITING) Atomics.notify(this.words, 0);
  }

  private take(): string {
    const state = Atomics.exchange(this.words, 0, IDLE);
    if (state === CANCELLED) throw new InputCancelled("the input request was cancelled");
    const length = Atomics.load(this.words, 1);
    return Buffer.from(this.buffer, HEADER + ID_BYTES, length).toString("utf8");
  }

  /**
   * Transport worker: an `input_reply` to request `parentId` arrived. Stored
   * when that request is the one waiting, or when the reply names no parent
   * (jupyter_client's `input()` sends none, like ipykernel expects);
   * otherwise dropped.
   *
   * @returns whether the answer was stored
   */
  fill(parentId: string, value: string): boolean {
    if (Atomics.compareExchange(this.words, 0, WAITING, FILLING) !== WAITING) return false;
    // Read the id only now: the main thread does not rewrite it while FILLING.
    const id = Buffer.from(this.bytes.subarray(HEADER, HEADER + ID_BYTES)).toString("latin1").replace(/\0+$/, "");
    if (parentId !== "" && id !== parentId) {
      Atomics.store(this.words, 0, WAITING);
      Atomics.notify(this.words, 0);
      return false;
    }
    const answer = Buffer.from(value, "utf8").subarray(0, MAX_ANSWER);
    this.bytes.set(answer, HEADER + ID_BYTES);
    Atomics.store(this.words, 1, answer.length);
    Atomics.store(this.words, 0, ANSWERED);
    Atomics.notify(this.words, 0);
    return true;
  }
}
