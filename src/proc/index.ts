// Public face of src/proc: re-export the area's modules here.
export { processAttributes, showAttributes, attributeRows, memoryRegions, sleepState } from "./attributes";
export type { ProcessAttributes, MemoryRegion } from "./attributes";
export { describeFds, describeFd } from "./fds";
export type { FdInfo, FdKind } from "./fds";
export { decodeSignalMask, signalName } from "./signals";
export { startChild, startNode, run, collectStdout } from "./child";
export type { ChildOptions, ChildResult, ChildHandle, RunResult } from "./child";
export { parentAndChild } from "./family";
export type { FamilyRow } from "./family";
export { runCExample, cExampleSource, compileC, cCompiler, C_EXAMPLES } from "./c-examples";
export type { CExample, CExampleResult } from "./c-examples";
export { openTerminal, renderScreen } from "./terminal";
export type { Terminal, TerminalOptions } from "./terminal";
export { ttyVersusPipe, isattyDemo, bufferingDemo, ctrlCDemo, shellPipeline } from "./terminal-demos";
export { kernelParts } from "./kernel-parts";
export type { KernelPart } from "./kernel-parts";
