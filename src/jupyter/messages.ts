/**
 * The Jupyter message, one type for the whole project: the kernel (kernel/handler.ts,
 * channels.ts, transport.ts) and the grader's client (kernel-client.ts) build and read
 * the same {@link Message}; wire.ts turns it into ZMQ frames and back.
 * (https://jupyter-client.readthedocs.io/en/latest/messaging.html#general-message-format)
 */
import { randomUUID } from "node:crypto";

/** Protocol version cdlab speaks. */
export const PROTOCOL_VERSION = "5.3";

/** A message header. */
export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A message's content as received: a JSON object whose fields the reader checks. */
export type Content = Record<string, unknown>;

/** A Jupyter message (without the ZMQ routing identities). */
export interface Message<C = Content> {
  header: Header;
  /** The header of the request this message answers or was caused by; `{}` when none. */
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers?: Uint8Array[];
}

/** A message as received or sent on a ROUTER socket: routing identities kept so a reply reaches its sender. */
export interface Envelope<C = Content> {
  ids: Uint8Array[];
  msg: Message<C>;
}

/**
 * Build a message answering or caused by `parent` (a request when `parent` is undefined).
 *
 * @param session the sender's session id
 * @param username @default the parent's username, else "kernel"
 * @example
 * ```ts
 * import { randomUUID } from "node:crypto";
 * import { makeMessage } from "cdlab/jupyter";
 * const req = makeMessage("kernel_info_request", {}, undefined, randomUUID(), "cdlab-grader");
 * const reply = makeMessage("kernel_info_reply", { status: "ok" }, req.header, randomUUID());
 * ```
 */
export function makeMessage<C extends Content>(
  msgType: string,
  content: C,
  parent: Partial<Header> | undefined,
  session: string,
  username: string = parent?.username ?? "kernel",
): Message<C> {
  return {
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session,
      username,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: parent ?? {},
    metadata: {},
    content,
  };
}
