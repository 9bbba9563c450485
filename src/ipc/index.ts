// Public face of src/ipc: re-export the area's modules here.
export { ipcBackend } from "./native";
export type { BackendName, QueueLimits, QueueStat } from "./native";
export { MessageQueue, openMessageQueue, messageQueueLimits } from "./mqueue";
export type { Message, MessageQueueOptions, SendOptions, ReceiveOptions } from "./mqueue";
export { SharedMemory, openSharedMemory } from "./shm";
export type { SharedMemoryOptions } from "./shm";
export { NamedSemaphore, openSemaphore } from "./semaphore";
export type { SemaphoreOptions, WaitOptions } from "./semaphore";
export { AtomicsSemaphore } from "./atomics-semaphore";
export { raceThreads, raceProcesses } from "./race";
export type { RaceOptions, RaceResult } from "./race";
export { copyExperiment, copyExperimentChart, straceAvailable, MiB } from "./copy-experiment";
export type { CopyExperimentOptions, CopyExperimentResult, CopyRow, CopySyscalls, SideSyscalls } from "./copy-experiment";
