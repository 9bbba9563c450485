/**
 * One worker thread of {@link raceThreads} (./race.ts): wait at the start gate, then increment the shared
 * counter `increments` times by reading it, adding one and writing it back — inside the Atomics semaphore
 * when `useSemaphore` is set.
 *
 * workerData: `{ sab, increments, useSemaphore }`; the SharedArrayBuffer holds [counter, ready, gate, mutex].
 */
import { workerData } from "node:worker_threads";
import { AtomicsSemaphore } from "../../ipc/atomics-semaphore";
import { COUNTER, GATE, MUTEX_OFFSET, READY } from "./race-layout";

const d = workerData as { sab: SharedArrayBuffer; increments: number; useSemaphore: boolean };
const cells = new Int32Array(d.sab);
const mutex = new AtomicsSemaphore(d.sab, MUTEX_OFFSET);
Atomics.add(cells, READY, 1);
Atomics.notify(cells, READY);
Atomics.wait(cells, GATE, 0);
for (let i = 0; i < d.increments; i++) {
  if (d.useSemaphore) mutex.wait();
  const v = cells[COUNTER]; // read
  cells[COUNTER] = v + 1; //   add and write back: another thread may have written in between
  if (d.useSemaphore) mutex.post();
}
