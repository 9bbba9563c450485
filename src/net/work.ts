/**
 * Simulated computation for the concurrency experiments: a server that spends
 * `cpuMs` of CPU on each request (a busy loop, not a sleep: it holds the thread
 * the way real work does).
 * @internal
 */

/** Spin the CPU for `ms` milliseconds. */
export function busyWait(ms: number): void {
  if (!(ms > 0)) return;
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < end) {
    /* working */
  }
}
