/**
 * Lecture 01 (sistemas distribuídos): Grosch's law, SETI@home and BOINC arithmetic, a BOINC-like
 * coordinator with work units, speed-up and parallel vs distributed — the demos of notebooks/01-sistemas-distribuidos.ipynb.
 */
export { LECTURE_CPU_TABLE, parseCpuTable, groschFit, cheapVsExpensive, pricePerformanceGrowth } from "./grosch";
export type { CpuRow, GroschFit, CheapVsExpensive, Growth } from "./grosch";
export { setiNumbers, boincNumbers } from "./seti";
export type { SetiInputs, SetiNumbers, BoincInputs } from "./seti";
export { countPrimes, sieveCount, primeUnits } from "./tasks";
export type { WorkUnit } from "./tasks";
export { startCoordinator } from "./workunits";
export { measureSpeedup } from "./speedup";
export type { SpeedupRow } from "./speedup";
export type { Coordinator, CoordinatorOptions, CoordinatorEvent, RunOptions, RunReport, UnitResult, VolunteerWorker } from "./workunits";
export { parallelVsDistributed, countPrimesWithThreads, countPrimesWithProcesses } from "./parallel";
export type { ParallelTiming } from "./parallel";
export { queueingLink } from "./queue-link";
export type { QueueingLink, QueueingLinkOptions, QueueingLinkStats } from "./queue-link";
export { runSchedule } from "./scheduling";
export type { ScheduleNode, SchedulePolicy, ScheduleResult, NodeShare } from "./scheduling";
export { startSyncServer, openReplica } from "./replicas";
export type { SyncServer, Replica, LogEntry } from "./replicas";
