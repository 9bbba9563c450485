/**
 * Simulated computation for the concurrency experiments: a server that spends
 * `cpuMs` of CPU on each request. The work is a fixed number of PBKDF2
 * iterations (native code, so a fresh worker thread runs it at full speed with
 * no JIT warm-up), calibrated once, on first use — not a wall-clock wait: two
 * threads sharing one core really take twice as long.
 * @internal
 */
import { pbkdf2Sync } from "node:crypto";

let perMs: number | undefined;
let sink = 0;

function spin(n: number): number {
  if (n < 1) return 0;
  return pbkdf2Sync("cdlab", "sal", Math.round(n), 8, "sha256")[0];
}

/** Loop iterations per millisecond on this machine (measured once). */
export function calibrate(): number {
  if (perMs) return perMs;
  spin(1000); // warm up
  let best = Infinity;
  const n = 20000;
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
