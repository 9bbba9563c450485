/**
 * Simulated computation for the concurrency experiments: a server that spends
 * `cpuMs` of CPU on each request. The work is a fixed number of loop
 * iterations (calibrated once, on first use), not a wall-clock wait, so two
 * threads sharing one core really take twice as long.
 * @internal
 */

let perMs: number | undefined;
let sink = 0;

function spin(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (Math.imul(x, 31) + i) | 0;
  return x;
}

/** Loop iterations per millisecond on this machine (measured once). */
export function calibrate(): number {
  if (perMs) return perMs;
  spin(2e5); // warm up the JIT
  let best = Infinity;
  const n = 2e6;
  for (let k = 0; k < 3; k++) {
    const t0 = process.hrtime.bigint();
    sink ^= spin(n);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  perMs = n / Math.max(best, 1e-3);
  return perMs;
}

/**
 * Spend about `ms` milliseconds of CPU (measured on an idle core).
 *
 * @param ms CPU time to spend
 * @param rate iterations per ms @default {@link calibrate}()
 */
export function busyWait(ms: number, rate?: number): void {
  if (!(ms > 0)) return;
  sink ^= spin(Math.round(ms * (rate ?? calibrate())));
}

/** Keeps the loop's result observable so it is not optimized away. @internal */
export function workSink(): number {
  return sink;
}
