// Exactly what build/Release/cdlab_ipc.node exposes (native/ipc.cc). Errors are
// Error objects with `errno` (the number, e.g. 43) and `syscall`; src/ipc/native.ts
// adds `code` (its name, e.g. "EIDRM") with util.getSystemErrorName.

/** A blocking call running on a waiter thread; cancel() makes it reject with errno ECANCELED. */
export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
}

export interface NativeMessage {
  type: number;
  data: Buffer;
}

export interface NativeMsgStat {
  messages: number;
  bytes: number;
  maxBytes: number;
  lastSendPid: number;
  lastReceivePid: number;
  key: number;
}

export interface NativeIpc {
  msgget(key: number, flags: number): number;
  /** Without IPC_NOWAIT it blocks the calling thread (retried on EINTR). */
  msgsnd(id: number, type: number, data: Buffer, flags: number): void;
  msgsndAsync(id: number, type: number, data: Buffer, flags: number): NativeJob<void>;
  /**
   * Receive into `msgbuf`, laid out as the struct msgbuf (mtype as a 64-bit long, then ≥ `maxSize` bytes): the
   * bytes received. With IPC_NOWAIT in `flags`: retried for up to `spinUs` µs while ENOMSG, then -1; without:
   * the blocking call on the calling thread, nothing tried before it (`spinUs` unused).
   */
  msgrcv(id: number, msgbuf: Buffer, maxSize: number, type: number, flags: number, spinUs?: number): number;
  msgrcvAsync(id: number, maxSize: number, type: number, flags: number): NativeJob<NativeMessage>;
  msgStat(id: number): NativeMsgStat;
  msgRmid(id: number): void;

  shmOpen(name: string, oflag: number, mode: number): number;
  shmUnlink(name: string): void;
  ftruncate(fd: number, size: number): void;
  fdSize(fd: number): number;
  mmap(fd: number, size: number): ArrayBuffer;
  munmap(buffer: ArrayBuffer): void;

  semOpen(name: string, oflag: number, mode: number, value: number): number;
  semClose(handle: number): void;
  semUnlink(name: string): void;
  semPost(handle: number): void;
  /** sem_trywait, retried for up to `spinUs` µs while the value is 0. */
  semTryWait(handle: number, spinUs?: number): boolean;
  /** sem_wait on the calling thread (retried on EINTR). */
  semWaitSync(handle: number): void;
  semGetValue(handle: number): number;
  /** timeoutMs < 0: sem_wait; otherwise sem_timedwait, resolving false on timeout. */
  semWaitAsync(handle: number, timeoutMs: number): NativeJob<boolean>;

  /** pipe2(2) with `flags` (O_CLOEXEC, O_NONBLOCK): [read end, write end]. */
  pipe2(flags: number): [number, number];

  constants: {
    IPC_CREAT: number;
    IPC_EXCL: number;
    IPC_NOWAIT: number;
    IPC_PRIVATE: number;
    MSG_NOERROR: number;
    O_CREAT: number;
    O_EXCL: number;
    O_RDWR: number;
    O_CLOEXEC: number;
    O_NONBLOCK: number;
  };
}
