/**
 * Public face of src/jupyter: the Jupyter messaging protocol as cdlab speaks it — the wire format
 * (frames ↔ messages, HMAC signing) shared by the kernel and the grader, and a small kernel client.
 */
export { makeMessage, PROTOCOL_VERSION } from "./messages";
export type { Header, Message, Envelope, Content } from "./messages";
export { decode, encode } from "./wire";
export { KernelClient, cdlabKernelArgv } from "./kernel-client";
export { newConnection, type ConnectionInfo } from "./launch";
export type { ExecuteResult, KernelOptions, ExecuteOptions } from "./kernel-client";
