/**
 * Lecture 08 (memória compartilhada): the experiments of notebooks/08-memoria-compartilhada.ipynb — the race
 * without synchronisation, and the 4-copies-vs-2-copies file transfer.
 */
export { raceThreads, raceProcesses } from "./race";
export type { RaceOptions, RaceResult } from "./race";
export { copyExperiment, copyExperimentChart, straceAvailable, MiB } from "./copy-experiment";
export type { CopyExperimentOptions, CopyExperimentResult, CopyRow, CopySyscalls, SideSyscalls } from "./copy-experiment";
export { shmPrograms, parseCounterLine, SHM_C_DIR } from "./c-programs";
export type { CounterRun } from "./c-programs";
