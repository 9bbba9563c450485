/**
 * An IPC probe's job (see job.ts), run in the kernel's mount and IPC
 * namespaces as its uid: `node job-main.js '<job JSON>'`. Prints each result
 * as one JSON line; exits when done, at its deadline, or when stdin closes.
 */
import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { openSemaphore, type NamedSemaphore } from "../../../ipc/semaphore";
import { openSharedMemory, type SharedMemory } from "../../../ipc/shm";
import type { Job, RingJob, StateJob, WatchJob } from "./job";

const print = (result: unknown): void => void fs.writeSync(1, JSON.stringify(result) + "\n");

function typeOf(file: string): string | null {
  try {
    const st = fs.lstatSync(file);
    return st.isFIFO() ? "fifo" : st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";
  } catch {
    return null;
  }
}

/** Everything that appeared in `dir` (name → type when first seen) and what is there now; again at each change (`ms` 0: once). */
function watch(job: WatchJob): Promise<void> {
  const seen = new Map<string, string | null>();
  let last = "";
  const scan = (hint?: string | null) => {
    const hinted = hint && !seen.has(hint) ? typeOf(path.join(job.dir, hint)) : null; // gone already: nothing to tell (or the folder's own name)
    if (hinted) seen.set(hint!, hinted);
    let names: string[] | null;
    try {
      names = fs.readdirSync(job.dir).sort();
    } catch {
      names = null;
    }
    for (const n of names ?? []) if (!seen.has(n)) seen.set(n, typeOf(path.join(job.dir, n)));
    const result = { entries: [...seen].map(([name, type]) => ({ name, type })), left: names };
    const text = JSON.stringify(result);
    if (text !== last) print(result);
    last = text;
  };
  if (job.ms <= 0) return Promise.resolve(scan());
  return new Promise((resolve) => {
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(job.dir, (_event, name) => scan(name));
      watcher.on("error", () => {});
    } catch {
      /* no such folder: reported as left: null */
    }
    scan();
    const poll = setInterval(scan, 50); // inotify misses nothing, but a folder removed and made again is not followed
    setTimeout(() => {
      clearInterval(poll);
      watcher?.close();
      scan();
      resolve();
    }, job.ms);
  });
}

async function openAll<T>(names: string[], open: (n: string) => Promise<T>): Promise<Record<string, T | { error: string }>> {
  const out: Record<string, T | { error: string }> = {};
  for (const n of names) {
    try {
      out[n] = await open(n);
    } catch (e) {
      out[n] = { error: (e as { code?: string }).code ?? "ERROR" };
    }
  }
  return out;
}

/** A segment's size and first Int32 values, semaphores' values, as they are now. */
async function state(job: StateJob): Promise<void> {
  const result: { segment?: { size: number; ints: number[] } | { error: string }; semaphores: Record<string, number | { error: string }> } = { semaphores: {} };
  if (job.segment) {
    const s = (await openAll([job.segment], (n) => openSharedMemory(n, { create: false })))[job.segment];
    if ("error" in s) result.segment = s;
    else {
      const n = Math.min(job.maxInts, Math.floor(s.size / 4));
      result.segment = { size: s.size, ints: Array.from(new Int32Array(s.buffer.buffer, s.buffer.byteOffset, n)) };
      await s.close();
    }
  }
  const sems = await openAll(job.semaphores, (n) => openSemaphore(n, { create: false }));
  for (const [n, s] of Object.entries(sems)) {
    result.semaphores[n] = "error" in s ? s : s.value();
    if (!("error" in s)) await s.close();
  }
  print(result);
}

/** Take one unit before `deadline`: `sem_trywait` every millisecond, on this thread (nothing left waiting when the job ends). */
async function takeOne(sem: NamedSemaphore, deadline: number): Promise<boolean> {
  while (!(await sem.wait({ timeoutMs: 0 }))) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return true;
}

/** Producer or consumer on exercise 07's ring: `cells[0]` IN, `cells[1]` OUT, items in `cells[2 + i]`. */
async function ring(job: RingJob): Promise<void> {
  const items: number[] = [];
  const report = (extra: object = {}) => print({ items, ...extra });
  const handles: (SharedMemory | NamedSemaphore)[] = [];
  try {
    const shm = await openSharedMemory(`${job.prefix}-buf`, { create: false });
    handles.push(shm);
    const [empty, full, mutex] = await Promise.all(["empty", "full", "mutex"].map((s) => openSemaphore(`${job.prefix}-${s}`, { create: false })));
    handles.push(empty, full, mutex);
    const capacity = shm.size / 4 - 2;
    if (!Number.isInteger(capacity) || capacity < 1) return report({ error: `segment of ${shm.size} bytes` });
    const cells = new Int32Array(shm.buffer.buffer, shm.buffer.byteOffset, 2 + capacity);
    const deadline = Date.now() + job.ms;
    const index = (i: number) => (Number.isInteger(i) && i >= 0 && i < capacity ? i : 0); // a broken index must not write outside
    report();
    for (let k = 0; k < (job.produce ?? 0); k++) {
      if (!(await takeOne(empty, deadline)) || !(await takeOne(mutex, deadline))) return report({ error: "timeout" });
      const item = randomInt(1, 1_000_000);
      const i = index(cells[0]);
      cells[2 + i] = item;
      cells[0] = (i + 1) % capacity;
      items.push(item);
      report();
      mutex.post();
      full.post();
    }
    for (let k = 0; k < (job.consume ?? 0); k++) {
      if (!(await takeOne(full, deadline)) || !(await takeOne(mutex, deadline))) return report({ error: "timeout" });
      const o = index(cells[1]);
      items.push(cells[2 + o]);
      cells[1] = (o + 1) % capacity;
      report(); // before the slot is given back: the cell may be waiting for it to finish
      mutex.post();
      empty.post();
    }
  } catch (e) {
    report({ error: `${(e as { code?: string }).code ?? (e as Error).name}: ${(e as Error).message}` });
  } finally {
    for (const h of handles) await h.close();
  }
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
process.stdin.on("end", () => process.exit(0)); // the probe process is gone
process.stdin.resume();
const work = job.op === "watch" ? watch(job) : job.op === "state" ? state(job) : job.op === "ring" ? ring(job) : Promise.resolve();
work.then(
  () => process.exit(0),
  () => process.exit(1),
);
