/**
 * Parallel vs distributed computing, the same task both ways: count the
 * primes below `upTo`, split in `parts`,
 *
 * - **parallel** (shared memory): worker threads of this process write their
 *   counts into one `SharedArrayBuffer` with `Atomics`;
 * - **distributed** (message passing): worker processes receive units and send
 *   results over TCP sockets (the {@link startCoordinator} of the BOINC demo);
 *
 * and once sequentially in this thread as the baseline. Start-up (creating
 * threads or processes) and computing are timed separately.
 *
 * @example
 * ```ts
 * import { parallelVsDistributed } from "cdlab/lectures/01-sistemas-distribuidos";
 * const r = await parallelVsDistributed({ upTo: 2_000_000, parts: 2 });
 * r.map((x) => [x.mode, x.computeMs]);
 * ```
 */
import { CdlabError, invalidArg } from "../../runtime/errors";
import { abortable, throwIfAborted } from "../../runtime/abort";
import { makeHandle } from "../../runtime/handle";
import { entryFile, startWorker } from "../../proc/program";
import { countPrimes, primeUnits } from "./tasks";
import { startCoordinator } from "./workunits";

/** One line of the comparison. */
export interface ParallelTiming {
  mode: "sequencial" | "threads + SharedArrayBuffer" | "processos + sockets";
  /** Threads or processes used (1 for sequential). */
  parts: number;
  /** Time to create the threads/processes (0 for sequential), ms. */
  startMs: number;
  /** Time from handing out the work to having every count, ms. */
  computeMs: number;
  /** Number of primes found (all modes must agree). */
  count: number;
}

/**
 * Count primes in `[0, upTo)` with threads sharing memory, one count per slot
 * of a SharedArrayBuffer.
 *
 * @param upTo end of the range (exclusive)
 * @param parts number of threads @default 2
 * @param options.signal abort (terminates the threads)
 * @returns timing and the total count
 * @example
 * ```ts
 * await countPrimesWithThreads(1_000_000, 2);
 * ```
 */
export async function countPrimesWithThreads(upTo: number, parts = 2, options: { signal?: AbortSignal } = {}): Promise<ParallelTiming> {
  const units = primeUnits({ upTo, units: parts });
  throwIfAborted(options.signal);
  const shared = new SharedArrayBuffer(4 * (parts + 1)); // slot per thread + a "go" flag at the end
  const counts = new Int32Array(shared);
  const file = entryFile(__dirname, "count-primes-thread-main");
  const t0 = performance.now();
  const threads = units.map((u, index) => startWorker(file, { workerData: { shared, parts, index, from: u.from, to: u.to } }));
  const handle = makeHandle({}, {
    kind: "worker",
    label: `${parts} threads contando primos`,
    interrupt: () => void handle.close(),
    release: async () => {
      await Promise.all(threads.map((t) => t.terminate()));
    },
  });
  try {
    const stage = (what: string) =>
      Promise.all(threads.map((t) => new Promise<void>((resolve, reject) => {
        const onMsg = (m: string) => { if (m === what) { t.off("message", onMsg); resolve(); } };
        t.on("message", onMsg);
        t.once("error", reject);
        // terminated (abort, interrupt) before it answered: end the wait instead of hanging
        t.once("exit", (code) => reject(new CdlabError("EINTR", `A thread que conta primos terminou (código ${code}) antes de acabar`)));
      })));
    const ready = stage("ready");
    await abortable(ready, options.signal, () => void handle.close());
    const t1 = performance.now();
    const done = stage("done");
    Atomics.store(counts, parts, 1);
    Atomics.notify(counts, parts);
    await abortable(done, options.signal, () => void handle.close());
    const t2 = performance.now();
    let count = 0;
    for (let i = 0; i < parts; i++) count += Atomics.load(counts, i);
    return { mode: "threads + SharedArrayBuffer", parts, startMs: t1 - t0, computeMs: t2 - t1, count };
  } finally {
    await handle.close();
  }
}

/**
 * Count primes in `[0, upTo)` with worker processes that get their ranges and
 * return their counts as messages over TCP.
 *
 * @param upTo end of the range (exclusive)
 * @param parts number of processes (and units) @default 2
 * @param options.signal abort (kills the processes)
 * @returns timing and the total count
 * @example
 * ```ts
 * await countPrimesWithProcesses(1_000_000, 2);
 * ```
 */
export async function countPrimesWithProcesses(upTo: number, parts = 2, options: { signal?: AbortSignal } = {}): Promise<ParallelTiming> {
  const units = primeUnits({ upTo, units: parts });
  throwIfAborted(options.signal);
  const t0 = performance.now();
  const coord = await startCoordinator({ leaseMs: 600_000 });
  try {
    await coord.spawnWorkers(parts, { signal: options.signal });
    const t1 = performance.now();
    const report = await coord.run(units, { signal: options.signal });
    return { mode: "processos + sockets", parts, startMs: t1 - t0, computeMs: report.elapsedMs, count: report.total };
  } finally {
    await coord.close();
  }
}

/**
 * Time the same prime count sequentially, with threads and with processes.
 *
 * @param options.upTo end of the range @default 2000000
 * @param options.parts threads/processes @default 2
 * @param options.signal abort
 * @returns three {@link ParallelTiming} lines, sequential first
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { parallelVsDistributed } from "./parallel";
 * table(await parallelVsDistributed({ upTo: 2_000_000 }));
 * ```
 */
export async function parallelVsDistributed(options: { upTo?: number; parts?: number; signal?: AbortSignal } = {}): Promise<ParallelTiming[]> {
  const { upTo = 2_000_000, parts = 2, signal } = options;
  if (!Number.isInteger(parts) || parts < 1 || parts > 32) invalidArg("parts", parts, "deve ser um inteiro de 1 a 32");
  primeUnits({ upTo, units: parts });
  throwIfAborted(signal);
  const t0 = performance.now();
  const count = countPrimes(0, upTo);
  const seq: ParallelTiming = { mode: "sequencial", parts: 1, startMs: 0, computeMs: performance.now() - t0, count };
  const threads = await countPrimesWithThreads(upTo, parts, { signal });
  const procs = await countPrimesWithProcesses(upTo, parts, { signal });
  return [seq, threads, procs];
}
