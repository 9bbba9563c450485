/**
 * The race from the lecture's "sincronização a cargo do programador": N workers
 * increment one shared counter `increments` times each, by reading it, adding
 * one and writing it back. Without a semaphore two workers read the same value
 * and one update is lost; with a semaphore around the three steps none is.
 *
 * - {@link raceThreads}: worker threads, a SharedArrayBuffer counter,
 *   {@link AtomicsSemaphore} as the mutex;
 * - {@link raceProcesses}: child processes, a POSIX shared memory counter, a
 *   POSIX named semaphore as the mutex (native backend only).
 *
 * Every worker waits at a start gate so they really run at the same time.
 *
 * @example
 * ```ts
 * await raceThreads({ workers: 4, increments: 100_000 });                      // lost > 0 (usually)
 * await raceThreads({ workers: 4, increments: 100_000, useSemaphore: true });  // lost === 0
 * ```
 */
import { throwIfAborted } from "../../runtime/abort";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { entryFile, startProgram, startWorker } from "../../proc/program";
import type { ChildHandle } from "../../proc/child";
import { waitAsync } from "../../ipc/atomics-semaphore";
import { getBackend } from "../../ipc/native";
import { openSemaphore } from "../../ipc/semaphore";
import { openSharedMemory } from "../../ipc/shm";
import { COUNTER, GATE, READY } from "./race-layout";
import type { ProgressHook } from "../../runtime/progress";

/** Options of {@link raceThreads} and {@link raceProcesses}. */
export interface RaceOptions {
  /** How many threads or processes. @default 4 */
  workers?: number;
  /** Increments per worker. @default 100000 */
  increments?: number;
  /** Protect read-add-write with a semaphore. @default false */
  useSemaphore?: boolean;
  /** Stops the workers. */
  signal?: AbortSignal;
  /** Called as workers end, with how many ended and how many there are (e.g. `progressHook("corrida")` from "cdlab"). */
  progress?: ProgressHook;
}

/** What a race run measured. */
export interface RaceResult {
  mode: "threads" | "processes";
  workers: number;
  increments: number;
  useSemaphore: boolean;
  /** workers × increments */
  expected: number;
  /** The counter at the end. */
  counter: number;
  /** expected − counter: updates lost to the race. */
  lost: number;
  /** Wall time from the start gate to the last worker's end, ms. */
  ms: number;
}

function options(o: RaceOptions): Required<Omit<RaceOptions, "signal" | "progress">> {
  const { workers = 4, increments = 1_000_000, useSemaphore = false } = o;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) invalidArg("workers", workers, "esperado um inteiro de 1 a 64");
  if (!Number.isInteger(increments) || increments < 1 || increments > 1e8)
    invalidArg("increments", increments, "esperado um inteiro de 1 a 100000000");
  return { workers, increments, useSemaphore: !!useSemaphore };
}

/**
 * Run the race with worker threads sharing a SharedArrayBuffer counter.
 *
 * @param opts workers, increments, useSemaphore, signal
 * @returns expected, counter, lost and time
 * @example
 * ```ts
 * const r = await raceThreads({ useSemaphore: true }); // r.lost === 0
 * ```
 */
export async function raceThreads(opts: RaceOptions = {}): Promise<RaceResult> {
  const { workers, increments, useSemaphore } = options(opts);
  throwIfAborted(opts.signal);
  const sab = new SharedArrayBuffer(16);
  const cells = new Int32Array(sab);
  Atomics.store(cells, 3, 1); // the mutex starts at 1
  const main = entryFile(__dirname, "race-thread-main");
  const threads = Array.from({ length: workers }, () => startWorker(main, { workerData: { sab, increments, useSemaphore } }));
  const stop = () => threads.forEach((t) => void t.terminate());
  opts.signal?.addEventListener("abort", stop, { once: true });
  try {
    const exits = threads.map(
      (t) =>
        new Promise<void>((resolve, reject) => {
          t.once("error", reject);
          t.once("exit", (code) => (code === 0 ? resolve() : reject(opts.signal?.reason ?? new CdlabError("ERR_CHILD_FAILED", `Uma thread da corrida terminou com código ${code}`))));
        }),
    );
    while (Atomics.load(cells, READY) < workers) {
      const r = waitAsync(cells, READY, Atomics.load(cells, READY), 50);
      if (r.async) await Promise.race([r.value, ...exits]);
    }
    const t0 = performance.now();
    Atomics.store(cells, GATE, 1);
    Atomics.notify(cells, GATE);
    await allEnded(exits, opts.progress);
    return result("threads", workers, increments, useSemaphore, Atomics.load(cells, COUNTER), performance.now() - t0);
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    stop();
  }
}

/** Wait for every worker, reporting each end to `progress`. */
function allEnded(exits: Promise<void>[], progress?: ProgressHook): Promise<unknown> {
  let ended = 0;
  return Promise.all(exits.map((e) => e.then(() => progress?.(++ended, exits.length))));
}

function result(mode: RaceResult["mode"], workers: number, increments: number, useSemaphore: boolean, counter: number, ms: number): RaceResult {
  const expected = workers * increments;
  return { mode, workers, increments, useSemaphore, expected, counter, lost: expected - counter, ms: Math.round(ms * 10) / 10 };
}

let runs = 0;

/**
 * Run the race with child processes sharing a POSIX shared memory counter
 * (native backend only: processes cannot share in-process objects).
 *
 * @param opts workers, increments, useSemaphore, signal
 * @returns expected, counter, lost and time
 * @throws CdlabError `ERR_IPC_NATIVE_UNAVAILABLE` without the native addon
 * @example
 * ```ts
 * await raceProcesses({ workers: 2, increments: 50_000 });
 * ```
 */
export async function raceProcesses(opts: RaceOptions = {}): Promise<RaceResult> {
  const { workers, increments, useSemaphore } = options(opts);
  throwIfAborted(opts.signal);
  getBackend("native");
  const prefix = `/cdlab-race-${process.pid}-${++runs}`;
  const shm = await openSharedMemory(`${prefix}-counter`, { size: 4096, exclusive: true, backend: "native" });
  const sems = await Promise.all(
    ["ready", "gate", "mutex"].map((s) => openSemaphore(`${prefix}-${s}`, { value: s === "mutex" ? 1 : 0, exclusive: true, backend: "native" })),
  );
  const [ready, gate] = sems;
  const args = [shm.name, prefix, String(increments), useSemaphore ? "1" : "0"];
  const children: ChildHandle[] = [];
  const stop = () => children.forEach((c) => c.kill("SIGKILL"));
  opts.signal?.addEventListener("abort", stop, { once: true });
  try {
    const main = entryFile(__dirname, "race-process-main");
    for (let i = 0; i < workers; i++) children.push(await startProgram(main, { args, stdio: ["ignore", "ignore", "pipe"], timeout: 0 }));
    const exits = children.map((c) => {
      let err = "";
      c.child.stderr!.on("data", (d) => (err += d));
      return c.result.then(({ exitCode }) => {
        if (exitCode !== 0) throw opts.signal?.reason ?? new CdlabError("ERR_CHILD_FAILED", `Um processo da corrida falhou: ${err.trim() || `código de saída ${exitCode}`}`);
      });
    });
    const failed = Promise.all(exits).then(() => {
      throw new CdlabError("ERR_CHILD_FAILED", "Os processos da corrida terminaram antes da largada");
    });
    failed.catch(() => {});
    for (let i = 0; i < workers; i++) await Promise.race([ready.wait({ signal: opts.signal }), failed]);
    const t0 = performance.now();
    for (let i = 0; i < workers; i++) gate.post();
    await allEnded(exits, opts.progress);
    const counter = shm.buffer.readInt32LE(0);
    return result("processes", workers, increments, useSemaphore, counter, performance.now() - t0);
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    stop();
    await Promise.all([...children.map((c) => c.close()), shm.close(), ...sems.map((s) => s.close())]);
  }
}
