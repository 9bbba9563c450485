/**
 * cdlab: helpers for the course Computação Distribuída — the small root every notebook uses.
 *
 * Mechanisms and lectures have their own entry points, so a notebook imports what its lecture needs:
 * `cdlab/net` (sockets), `cdlab/proc` (processes), `cdlab/ipc` (pipes, FIFOs, queues, shared memory),
 * `cdlab/grader` (the assertions of test cells) and `cdlab/lectures/<NN-topic>` (each notebook's demos).
 *
 * @example
 * ```ts
 * import { table, resources, formatNumber } from "cdlab";
 * table([{ recurso: "exemplo", aberto: true, bytes: formatNumber(123456) }]); // aberto: sim, bytes: 123.456
 * resources(); // what this kernel still has open
 * ```
 */
export { CdlabError, validatePort } from "./runtime/errors";
export type { Handle } from "./runtime/handle";
export { resources } from "./runtime/registry";
export type { ResourceInfo, ResourceKind } from "./runtime/registry";
export * from "./runtime/display";
export { input, type InputOptions } from "./runtime/input";
export { progress, progressHook, progressBar, type Progress, type ProgressHook, type ProgressOptions } from "./runtime/progress";
export * from "./runtime/plot";
export { formatNumber, formatPercent, type NumberFormatOptions } from "./runtime/numbers";
// Every exercise's test cells use the assertions; they stay in the root so released notebooks keep their imports.
export { assert, AssertionError } from "./grader/assert";
export type { Assert, ErrorMatcher } from "./grader/assert";
// Hidden tests report values to the grader, which judges them in its own process.
export { observe, probe } from "./grader/observe";
