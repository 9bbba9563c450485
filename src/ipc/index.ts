/**
 * Public face of src/ipc: pipes, FIFOs, System V message queues, POSIX shared memory and named semaphores,
 * and an Atomics semaphore for worker threads.
 */
export { pipe, pipeCapacity } from "./pipe";
export type { Pipe } from "./pipe";
export { runPipeline, whoSortLpr, WHO_LINES } from "./pipeline";
export type { StageResult, PipelineOptions } from "./pipeline";
export { makeFifo, openFifo } from "./fifo";
export type { Fifo, FifoEnd } from "./fifo";
export { ipcBackend } from "./native";
export type { BackendName, QueueLimits, QueueStat } from "./native";
export { MessageQueue, openMessageQueue, messageQueueLimits } from "./mqueue";
export type { Message, MessageQueueOptions, SendOptions, ReceiveOptions } from "./mqueue";
export { SharedMemory, openSharedMemory } from "./shm";
export type { SharedMemoryOptions } from "./shm";
export { NamedSemaphore, openSemaphore } from "./semaphore";
export type { SemaphoreOptions, WaitOptions } from "./semaphore";
export { AtomicsSemaphore } from "./atomics-semaphore";
