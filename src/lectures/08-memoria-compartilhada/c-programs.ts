/**
 * The lecture's shared-memory programs in C (./c): `troca` (shm_open, ftruncate, mmap, then sem_post/sem_wait
 * to hand a message over and wait for the answer) and `contador` (N forked processes racing on a counter in
 * shared memory, with or without sem_wait/sem_post around read-add-write). Notebook 08 shows and runs them
 * before cdlab's openSharedMemory and openSemaphore, which make the same calls.
 *
 * @example
 * ```ts
 * import { shmPrograms } from "cdlab/lectures/08-memoria-compartilhada";
 * const c = await shmPrograms();
 * if (c.available) console.log((await c.run("contador", ["/cdlab-ex", "/cdlab-ex-sem", "2", "1000", "1"])).stdout);
 * ```
 */
import path from "node:path";
import { cPrograms, type Programs } from "../../proc/compiled-programs";
import { PACKAGE_ROOT } from "../../runtime/root";

/** Where the lecture's C programs live. */
export const SHM_C_DIR = path.join(PACKAGE_ROOT, "src", "lectures", "08-memoria-compartilhada", "c");

/**
 * The lecture's shared-memory programs in C, compiled when the machine has a C compiler.
 *
 * @returns their sources, `run` and `start`; `available: false` and a pt-BR `note` without a compiler
 * @example
 * ```ts
 * const c = await shmPrograms();
 * c.source("troca"); // the C source, to show in a cell
 * ```
 */
export function shmPrograms(): Promise<Programs> {
  return cPrograms(SHM_C_DIR);
}

/** What one run of `contador` printed. */
export interface CounterRun {
  semaforo: boolean;
  esperado: number;
  contador: number;
  perdidos: number;
  ms: number;
}

/**
 * Parse the line `contador` prints (`sem-semaforo esperado=… contador=… perdidos=… ms=…`).
 *
 * @param line the program's output
 * @returns the numbers, or undefined when the line is not one of `contador`'s
 * @example
 * ```ts
 * parseCounterLine("com-semaforo esperado=800 contador=800 perdidos=0 ms=1.5"); // { semaforo: true, esperado: 800, … }
 * ```
 */
export function parseCounterLine(line: string): CounterRun | undefined {
  const m = /^(com|sem)-semaforo esperado=(\d+) contador=(-?\d+) perdidos=(-?\d+) ms=([\d.]+)/.exec(line.trim());
  if (!m) return undefined;
  return { semaforo: m[1] === "com", esperado: Number(m[2]), contador: Number(m[3]), perdidos: Number(m[4]), ms: Number(m[5]) };
}
