/**
 * cdlab: helpers for the course Computação Distribuída.
 *
 * Notebooks import from here: `import { udpEchoServer } from "cdlab"`.
 * Each area re-exports its own public face; everything else is internal.
 */
export { CdlabError, validatePort } from "./errors";
export type { Handle } from "./handle";
export { resources } from "./registry";
export type { ResourceInfo, ResourceKind } from "./registry";
export * from "./display";
export * from "./plot";
export * from "./net/index";
export * from "./proc/index";
export * from "./ipc/index";
export * from "./grader/index";
export * from "./distributed/index";
export * from "./network/index";
