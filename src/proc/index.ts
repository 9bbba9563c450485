/**
 * Public face of src/proc: processes as the lecture describes them — attributes read live from /proc, the
 * fd table, signal dispositions, child processes (execa-style handles) and a pseudo-terminal.
 */
export { processAttributes, showAttributes, attributeRows, fdKindLines, memoryRegions, sleepState } from "./attributes";
export type { ProcessAttributes, MemoryRegion } from "./attributes";
export { describeFds, describeFd } from "./fds";
export type { FdInfo, FdKind } from "./fds";
export { decodeSignalMask, signalName } from "./signals";
export { startChild, startNode, run, collectStdout, isRunning } from "./child";
export type { ChildOptions, ChildResult, ChildHandle, RunResult } from "./child";
export { openTerminal, renderScreen } from "./terminal";
export type { Terminal, TerminalOptions } from "./terminal";
export { compilers, compileC, compileJava } from "./compile";
export { startJava, runJava, javaPrograms, cPrograms } from "./compiled-programs";
export type { Compilers } from "./compile";
export type { JavaPrograms, Programs } from "./compiled-programs";
