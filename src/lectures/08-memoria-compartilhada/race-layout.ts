/** The race's SharedArrayBuffer (./race.ts, ./race-thread-main.ts): int32 cells [counter, ready, gate, mutex]. */
export const COUNTER = 0;
export const READY = 1;
export const GATE = 2;
/** Byte offset of the Atomics semaphore used as the mutex (cell 3). */
export const MUTEX_OFFSET = 12;
