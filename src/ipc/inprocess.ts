/**
 * The in-process IPC backend: message queues, shared memory and named
 * semaphores with the same semantics as the kernel's (the three msgrcv rules,
 * msgmax/msgmnb limits, EIDRM on removal, unlink keeps open handles working),
 * but living inside this Node process. Used where the native addon cannot be
 * built; it cannot connect two processes. Errors carry the errno name the
 * kernel would give in `code`.
 */
import type { IpcBackend, Job, QueueLimits, RawMessage } from "./backend";

function errno(code: string, syscall: string): Error {
  return Object.assign(new Error(`${syscall}: ${code}`), { code, syscall });
}

interface Waiter<T> {
  /** Try to complete; true when done. */
  attempt(): boolean;
  reject(err: Error): void;
  resolve?: (v: T) => void;
}

interface Queue {
  id: number;
  key: number | undefined;
  messages: RawMessage[];
  bytes: number;
  maxBytes: number;
  removed: boolean;
  waiters: Set<Waiter<unknown>>;
}

interface Segment {
  name: string;
  memory: SharedArrayBuffer;
}

interface Semaphore {
  name: string;
  value: number;
  waiters: Set<Waiter<boolean>>;
}

/** Pick the message msgrcv would return for `type`, or -1. */
export function pickMessage(messages: readonly RawMessage[], type: number): number {
  if (type === 0) return messages.length ? 0 : -1;
  if (type > 0) return messages.findIndex((m) => m.type === type);
  let best = -1;
  for (let i = 0; i < messages.length; i++) {
    const t = messages[i].type;
    if (t <= -type && (best < 0 || t < messages[best].type)) best = i;
  }
  return best;
}

/** Create the in-process backend with the given limits. */
export function createInProcessBackend(limits: QueueLimits): IpcBackend {
  let nextId = 1;
  const queues = new Map<number, Queue>();
  const keys = new Map<number, number>();
  const segments = new Map<string, Segment>();
  const fds = new Map<number, Segment>();
  const semaphores = new Map<string, Semaphore>();
  const semHandles = new Map<number, Semaphore>();

  const queue = (id: number, syscall: string): Queue => {
    const q = queues.get(id);
    if (!q || q.removed) throw errno("EINVAL", syscall);
    return q;
  };
  // Wake whoever can proceed now, oldest waiter first.
  const pump = (waiters: Set<Waiter<unknown>> | Set<Waiter<boolean>>) => {
    let progress = true;
    while (progress) {
      progress = false;
      for (const w of waiters) {
        if (w.attempt()) {
          (waiters as Set<Waiter<unknown>>).delete(w as Waiter<unknown>);
          progress = true;
        }
      }
    }
  };

  function job<T>(waiters: Set<Waiter<T>>, attempt: () => T | undefined, timeoutMs = -1, onTimeout?: T): Job<T> {
    let cancel = () => {};
    const promise = new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter<T> = {
        attempt: () => {
          let v: T | undefined;
          try {
            v = attempt();
          } catch (err) {
            clearTimeout(timer);
            reject(err);
            return true;
          }
          if (v === undefined) return false;
          clearTimeout(timer);
          resolve(v);
          return true;
        },
        reject: (err) => {
          clearTimeout(timer);
          waiters.delete(w);
          reject(err);
        },
      };
      if (w.attempt()) return;
      waiters.add(w);
      if (timeoutMs >= 0) {
        timer = setTimeout(() => {
          waiters.delete(w);
          resolve(onTimeout as T);
        }, timeoutMs);
      }
      cancel = () => w.reject(errno("ECANCELED", "wait"));
    });
    return { promise, cancel: () => cancel() };
  }

  const fits = (q: Queue, size: number) => q.bytes + size <= q.maxBytes && q.messages.length + 1 <= q.maxBytes;
  const trySend = (q: Queue, type: number, data: Buffer): boolean => {
    if (type <= 0 || data.length > limits.msgmax) throw errno("EINVAL", "msgsnd");
    if (!fits(q, data.length)) return false;
    q.messages.push({ type, data: Buffer.from(data) });
    q.bytes += data.length;
    pump(q.waiters);
    return true;
  };
  const tryReceive = (q: Queue, max: number, type: number, truncate: boolean): RawMessage | undefined => {
    const i = pickMessage(q.messages, type);
    if (i < 0) return undefined;
    const m = q.messages[i];
    if (m.data.length > max && !truncate) throw errno("E2BIG", "msgrcv");
    q.messages.splice(i, 1);
    q.bytes -= m.data.length;
    queueMicrotask(() => pump(q.waiters));
    return { type: m.type, data: m.data.subarray(0, Math.min(max, m.data.length)) };
  };
  const sem = (h: number): Semaphore => {
    const s = semHandles.get(h);
    if (!s) throw errno("EBADF", "sem");
    return s;
  };
  const segment = (fd: number): Segment => {
    const s = fds.get(fd);
    if (!s) throw errno("EBADF", "shm");
    return s;
  };

  return {
    name: "in-process",
    limits: () => limits,
    msgget(key, create, exclusive) {
      if (key !== undefined && keys.has(key)) {
        if (create && exclusive) throw errno("EEXIST", "msgget");
        return keys.get(key)!;
      }
      if (!create && key !== undefined) throw errno("ENOENT", "msgget");
      const id = nextId++;
      queues.set(id, { id, key, messages: [], bytes: 0, maxBytes: limits.msgmnb, removed: false, waiters: new Set() });
      if (key !== undefined) keys.set(key, id);
      return id;
    },
    msgsnd(id, type, data) {
      if (!trySend(queue(id, "msgsnd"), type, data)) throw errno("EAGAIN", "msgsnd");
    },
    msgsndSync(id, type, data) {
      if (!trySend(queue(id, "msgsnd"), type, data)) throw errno("EDEADLK", "msgsnd");
    },
    msgsndWait(id, type, data) {
      const q = queue(id, "msgsnd");
      const j = job(q.waiters as Set<Waiter<true>>, () => (trySend(q, type, data) ? true : undefined));
      return { promise: j.promise.then(() => undefined), cancel: j.cancel };
    },
    msgrcv(id, max, type, truncate) {
      return tryReceive(queue(id, "msgrcv"), max, type, truncate) ?? null;
    },
    msgrcvSync(id, max, type, truncate) {
      const m = tryReceive(queue(id, "msgrcv"), max, type, truncate);
      if (!m) throw errno("EDEADLK", "msgrcv");
      return m;
    },
    msgrcvWait(id, max, type, truncate) {
      const q = queue(id, "msgrcv");
      return job(q.waiters as Set<Waiter<RawMessage>>, () => tryReceive(q, max, type, truncate));
    },
    msgStat(id) {
      const q = queue(id, "msgctl");
      return { messages: q.messages.length, bytes: q.bytes, maxBytes: q.maxBytes };
    },
    msgRmid(id) {
      const q = queue(id, "msgctl");
      q.removed = true;
      queues.delete(id);
      if (q.key !== undefined) keys.delete(q.key);
      for (const w of [...q.waiters]) w.reject(errno("EIDRM", "msgrcv"));
      q.waiters.clear();
    },

    shmOpen(name, create, exclusive) {
      let s = segments.get(name);
      if (s && create && exclusive) throw errno("EEXIST", "shm_open");
      if (!s) {
        if (!create) throw errno("ENOENT", "shm_open");
        s = { name, memory: new SharedArrayBuffer(0) };
        segments.set(name, s);
      }
      const fd = nextId++;
      fds.set(fd, s);
      return fd;
    },
    shmUnlink(name) {
      if (!segments.delete(name)) throw errno("ENOENT", "shm_unlink");
    },
    shmResize(fd, size) {
      const s = segment(fd);
      const next = new SharedArrayBuffer(size);
      new Uint8Array(next).set(new Uint8Array(s.memory, 0, Math.min(size, s.memory.byteLength)));
      s.memory = next;
    },
    shmSize: (fd) => segment(fd).memory.byteLength,
    shmMap(fd, size) {
      const s = segment(fd);
      if (size <= 0 || size > s.memory.byteLength) throw errno("EINVAL", "mmap");
      return s.memory;
    },
    shmUnmap() {
      /* a SharedArrayBuffer cannot be detached; the wrapper stops handing it out */
    },
    shmCloseFd(fd) {
      fds.delete(fd);
    },

    semOpen(name, create, exclusive, _mode, value) {
      let s = semaphores.get(name);
      if (s && create && exclusive) throw errno("EEXIST", "sem_open");
      if (!s) {
        if (!create) throw errno("ENOENT", "sem_open");
        s = { name, value, waiters: new Set() };
        semaphores.set(name, s);
      }
      const h = nextId++;
      semHandles.set(h, s);
      return h;
    },
    semClose(h) {
      semHandles.delete(h);
    },
    semUnlink(name) {
      if (!semaphores.delete(name)) throw errno("ENOENT", "sem_unlink");
    },
    semPost(h) {
      const s = sem(h);
      s.value++;
      pump(s.waiters);
    },
    semTryWait(h) {
      const s = sem(h);
      if (s.value <= 0) return false;
      s.value--;
      return true;
    },
    semWaitSync(h) {
      const s = sem(h);
      if (s.value <= 0) throw errno("EDEADLK", "sem_wait");
      s.value--;
    },
    semGetValue: (h) => sem(h).value,
    semWait(h, timeoutMs) {
      const s = sem(h);
      return job(
        s.waiters,
        () => {
          if (s.value <= 0) return undefined;
          s.value--;
          return true;
        },
        timeoutMs,
        false,
      );
    },
  };
}
