/**
 * Public face of src/jupyter: the Jupyter messaging protocol as cdlab speaks it — the wire format
 * (frames ↔ messages, HMAC signing) shared by the kernel and the grader, and a small kernel client.
 */
export { decode, encode, makeMessage, PROTOCOL_VERSION } from "./wire";
export type { Header, Message, Envelope } from "./wire";
export { KernelClient, cdlabKernelArgv } from "./kernel-client";
export type { ExecuteResult, KernelOptions, ExecuteOptions } from "./kernel-client";
