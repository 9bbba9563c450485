/**
 * One prime-counting thread of `countPrimesWithThreads` (./parallel.ts), run as a worker thread: it says
 * "ready", waits on the shared "go" flag, counts the primes of its range and stores the count in its own slot
 * of the SharedArrayBuffer — communication through shared memory, as the lecture's parallel computing.
 */
import { parentPort, workerData } from "node:worker_threads";
import { countPrimes } from "./tasks";

const { shared, parts, index, from, to } = workerData as { shared: SharedArrayBuffer; parts: number; index: number; from: number; to: number };
const counts = new Int32Array(shared);
parentPort!.postMessage("ready");
Atomics.wait(counts, parts, 0);
Atomics.store(counts, index, countPrimes(from, to));
parentPort!.postMessage("done");
