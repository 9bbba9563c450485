/**
 * Lecture 05 (processos): the demos of notebooks/05-processos.ipynb — parent and child, the lecture's C
 * programs compiled and run, what a terminal changes, the parts of the kernel seen live.
 */
export { parentAndChild } from "./family";
export type { FamilyRow } from "./family";
export { runCExample, cExampleSource, compileC, cCompiler, C_EXAMPLES } from "./c-examples";
export type { CExample, CExampleResult } from "./c-examples";
export { ttyVersusPipe, isattyDemo, bufferingDemo, ctrlCDemo, shellPipeline } from "./terminal-demos";
export { kernelParts } from "./kernel-parts";
export type { KernelPart } from "./kernel-parts";
