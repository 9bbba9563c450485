/**
 * The work the BOINC-like demo and the parallel-vs-distributed comparison
 * hand out: count the primes in a range by trial division (slow on purpose,
 * like a volunteer's analysis), checked by the coordinator with a sieve (a
 * different, much faster algorithm).
 *
 * @example
 * ```ts
 * import { primeUnits, countPrimes } from "cdlab/lectures/01-sistemas-distribuidos";
 * primeUnits({ upTo: 1000, units: 4 }); // [{ id: 0, from: 0, to: 250 }, …]
 * countPrimes(0, 100); // 25
 * ```
 */
import { invalidArg } from "../../runtime/errors";

/** One work unit: count the primes p with `from <= p < to`. */
export interface WorkUnit {
  id: number;
  from: number;
  to: number;
}

/**
 * Count primes in `[from, to)` by trial division. Kept free of inner functions
 * so its source can also run in a worker thread.
 *
 * @param from first number (inclusive)
 * @param to last number (exclusive)
 * @returns how many primes
 * @example
 * ```ts
 * countPrimes(0, 100); // 25
 * ```
 */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = n === 2 || n % 2 !== 0;
    for (let d = 3; prime && d * d <= n; d += 2) if (n % d === 0) prime = false;
    if (prime) count++;
  }
  return count;
}

/**
 * Count primes in `[from, to)` with a segmented sieve of Eratosthenes (used to check results).
 *
 * @param from first number (inclusive)
 * @param to last number (exclusive)
 * @returns how many primes
 * @example
 * ```ts
 * sieveCount(0, 1_000_000); // 78498
 * ```
 */
export function sieveCount(from: number, to: number): number {
  from = Math.max(2, from);
  if (to <= from) return 0;
  const limit = Math.floor(Math.sqrt(to)) + 1;
  const small = new Uint8Array(limit + 1);
  const seg = new Uint8Array(to - from);
  for (let p = 2; p <= limit; p++) {
    if (small[p]) continue;
    for (let m = p * p; m <= limit; m += p) small[m] = 1;
    for (let m = Math.max(p * p, Math.ceil(from / p) * p); m < to; m += p) seg[m - from] = 1;
  }
  let count = 0;
  for (let i = 0; i < seg.length; i++) if (!seg[i]) count++;
  return count;
}

/**
 * Split `[0, upTo)` into `units` contiguous work units of (almost) equal width.
 *
 * @param options.upTo end of the range (exclusive)
 * @param options.units how many units @default 12
 * @returns the units, ids 0…units-1
 * @example
 * ```ts
 * primeUnits({ upTo: 2_000_000, units: 12 });
 * ```
 */
export function primeUnits(options: { upTo: number; units?: number }): WorkUnit[] {
  const { upTo, units = 12 } = options ?? ({} as { upTo: number });
  if (!Number.isInteger(upTo) || upTo < 2 || upTo > 1e9) invalidArg("upTo", upTo, "deve ser um inteiro de 2 a 1e9");
  if (!Number.isInteger(units) || units < 1 || units > upTo) invalidArg("units", units, `deve ser um inteiro de 1 até upTo (${upTo})`);
  return Array.from({ length: units }, (_, id) => ({ id, from: Math.floor((upTo * id) / units), to: Math.floor((upTo * (id + 1)) / units) }));
}
