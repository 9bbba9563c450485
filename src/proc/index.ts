// Public face of src/proc: re-export the area's modules here.
export { processAttributes, showAttributes, attributeRows, memoryRegions, sleepState } from "./attributes";
export type { ProcessAttributes, MemoryRegion } from "./attributes";
export { describeFds, describeFd } from "./fds";
export type { FdInfo, FdKind } from "./fds";
export { decodeSignalMask, signalName } from "./signals";
export { startChild, startNode, run, collectStdout } from "./child";
export type { ChildOptions, ChildResult, ChildHandle, RunResult } from "./child";
