/**
 * The interface both IPC backends implement (the native addon in ./native.ts, the in-process one in
 * ./inprocess.ts), and the types they share. Kept apart so that neither backend imports the other.
 */
/** Which IPC implementation is used. */
export type BackendName = "native" | "in-process";

/** A blocking call in progress; `cancel()` makes it reject with code `ECANCELED`. */
export interface Job<T> {
  promise: Promise<T>;
  cancel(): void;
}

/** A message as a backend returns it. */
export interface RawMessage {
  type: number;
  data: Buffer;
}

/** How a message queue is doing (`msgctl(IPC_STAT)`). */
export interface QueueStat {
  /** Messages in the queue (`msg_qnum`). */
  messages: number;
  /** Bytes in the queue (`msg_cbytes`). */
  bytes: number;
  /** Capacity in bytes (`msg_qbytes`, initially `msgmnb`). */
  maxBytes: number;
}

/** Kernel limits of System V message queues (`/proc/sys/kernel`). */
export interface QueueLimits {
  /** Largest message, bytes (`msgmax`). */
  msgmax: number;
  /** Default capacity of a queue, bytes (`msgmnb`). */
  msgmnb: number;
}

/** What mqueue.ts, shm.ts and semaphore.ts need from an implementation. */
export interface IpcBackend {
  readonly name: BackendName;
  limits(): QueueLimits;
  /** `key` undefined: IPC_PRIVATE (always a new queue). */
  msgget(key: number | undefined, create: boolean, exclusive: boolean, mode: number): number;
  /** Non-blocking send (IPC_NOWAIT): EAGAIN when the queue is full. */
  msgsnd(id: number, type: number, data: Buffer): void;
  /** Blocking send on the calling thread (worker threads, child processes); in-process: EDEADLK when full. */
  msgsndSync(id: number, type: number, data: Buffer): void;
  /** Blocking send, off the event loop. */
  msgsndWait(id: number, type: number, data: Buffer): Job<void>;
  /** Non-blocking receive (IPC_NOWAIT), retried for up to `spinUs` µs: null when nothing matches (no exception). */
  msgrcv(id: number, maxSize: number, type: number, truncate: boolean, spinUs?: number): RawMessage | null;
  /** Blocking receive on the calling thread (native: one msgrcv, nothing tried first); in-process: EDEADLK when nothing matches. */
  msgrcvSync(id: number, maxSize: number, type: number, truncate: boolean): RawMessage;
  /** Blocking receive, off the event loop. */
  msgrcvWait(id: number, maxSize: number, type: number, truncate: boolean): Job<RawMessage>;
  msgStat(id: number): QueueStat;
  msgRmid(id: number): void;

  shmOpen(name: string, create: boolean, exclusive: boolean, mode: number): number;
  shmUnlink(name: string): void;
  shmResize(fd: number, size: number): void;
  shmSize(fd: number): number;
  shmMap(fd: number, size: number): ArrayBuffer | SharedArrayBuffer;
  /** Unmap; afterwards every view of the buffer has length 0 (native: detached). */
  shmUnmap(buffer: ArrayBuffer | SharedArrayBuffer): void;
  shmCloseFd(fd: number): void;

  semOpen(name: string, create: boolean, exclusive: boolean, mode: number, value: number): number;
  semClose(handle: number): void;
  semUnlink(name: string): void;
  semPost(handle: number): void;
  /** sem_trywait, retried for up to `spinUs` µs (native) while the value is 0. */
  semTryWait(handle: number, spinUs?: number): boolean;
  /** Blocks the calling thread (worker threads, child processes): native, one sem_wait; in-process: EDEADLK at 0. */
  semWaitSync(handle: number): void;
  semGetValue(handle: number): number;
  /** `timeoutMs` < 0: no timeout. Resolves false on timeout. */
  semWait(handle: number, timeoutMs: number): Job<boolean>;

  /**
   * A kernel pipe, `pipe2(O_CLOEXEC)`: [read end, write end], both blocking. Only the native
   * backend has it; without it pipe.ts asks a helper process (perl or python3) for the pipe.
   */
  pipe?(): [number, number];
}
