/**
 * Speed-up of the BOINC-like demo: the same work units with 1, 2, … worker
 * processes, each count on a fresh coordinator, the fastest of a few runs kept.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { measureSpeedup, primeUnits } from "cdlab/lectures/01-sistemas-distribuidos";
 * table(await measureSpeedup(primeUnits({ upTo: 3_000_000, units: 12 }), { workerCounts: [1, 2, 3] }));
 * ```
 */
import { invalidArg } from "../../runtime/errors";
import { throwIfAborted } from "../../runtime/abort";
import type { WorkUnit } from "./tasks";
import { startCoordinator } from "./workunits";
import type { ProgressHook } from "../../runtime/progress";

/** One line of {@link measureSpeedup}. */
export interface SpeedupRow {
  workers: number;
  /** Wall time of the fastest run (workers already started), ms. */
  ms: number;
  /** Time with one worker divided by this time. */
  speedup: number;
  /** speedup / workers (1 = perfect). */
  efficiency: number;
}

/**
 * Run the same units with 1, 2, … worker processes (a fresh coordinator each
 * time, workers started before the clock starts) and compare the times. Each
 * count runs `repeat` times and keeps the fastest run, so a moment of load
 * from other programs (or the workers' first, not yet optimized run) weighs less.
 *
 * @param units the work units
 * @param options.workerCounts how many workers in each run; must include 1 @default [1, 2]
 * @param options.repeat runs per count, the fastest is kept @default 2
 * @param options.signal abort
 * @param options.progress called after each run, with the runs done and in all (e.g. `progressHook("speed-up")` from "cdlab")
 * @returns one {@link SpeedupRow} per count, in the given order
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { primeUnits } from "./tasks";
 * import { measureSpeedup } from "./speedup";
 * table(await measureSpeedup(primeUnits({ upTo: 3_000_000, units: 12 }), { workerCounts: [1, 2, 3] }));
 * ```
 */
export async function measureSpeedup(
  units: readonly WorkUnit[],
  options: { workerCounts?: number[]; repeat?: number; signal?: AbortSignal; progress?: ProgressHook } = {},
): Promise<SpeedupRow[]> {
  const { workerCounts = [1, 2], repeat = 2, signal, progress } = options;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) invalidArg("repeat", repeat, "deve ser um inteiro de 1 a 20");
  if (!Array.isArray(workerCounts) || !workerCounts.includes(1) || workerCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    invalidArg("workerCounts", workerCounts, "deve ser inteiros de 1 a 64, incluindo o 1");
  }
  const times = new Map<number, number>();
  let runsDone = 0;
  for (const n of workerCounts) {
    throwIfAborted(signal);
    const coord = await startCoordinator({ leaseMs: 600_000 });
    try {
      await coord.spawnWorkers(n, { signal });
      for (let r = 0; r < repeat; r++) {
        const ms = (await coord.run(units, { signal })).elapsedMs;
        times.set(n, Math.min(ms, times.get(n) ?? Infinity));
        progress?.(++runsDone, workerCounts.length * repeat);
      }
    } finally {
      await coord.close();
    }
  }
  const t1 = times.get(1) as number;
  return workerCounts.map((n) => ({ workers: n, ms: times.get(n) as number, speedup: t1 / (times.get(n) as number), efficiency: t1 / (times.get(n) as number) / n }));
}
