/**
 * One child process of {@link raceProcesses} (./race.ts):
 * `node race-process-main.js <shm name> <semaphore prefix> <increments> <useSemaphore 0|1>`.
 * It opens the shared counter and the semaphores `<prefix>-ready`, `-gate` and `-mutex`, posts `ready`,
 * waits at the gate, then increments the counter by reading it, adding one and writing it back — inside
 * the mutex when `useSemaphore` is 1. Errors go to stderr with exit status 1.
 */
import { openSemaphore } from "../../ipc/semaphore";
import { openSharedMemory } from "../../ipc/shm";

async function main(argv: string[]): Promise<void> {
  const [shmName, prefix, n, useSem] = argv;
  const shm = await openSharedMemory(shmName, { create: false, backend: "native" });
  const ready = await openSemaphore(`${prefix}-ready`, { create: false, backend: "native" });
  const gate = await openSemaphore(`${prefix}-gate`, { create: false, backend: "native" });
  const mutex = await openSemaphore(`${prefix}-mutex`, { create: false, backend: "native" });
  const cells = new Int32Array(shm.buffer.buffer, shm.buffer.byteOffset, 1);
  ready.post();
  gate.waitSync();
  const protect = useSem === "1";
  for (let i = 0, end = Number(n); i < end; i++) {
    if (protect) mutex.waitSync();
    const v = cells[0];
    cells[0] = v + 1;
    if (protect) mutex.post();
  }
  await Promise.all([shm.close(), ready.close(), gate.close(), mutex.close()]);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
