/**
 * The Jupyter wire protocol: ZMQ frames ↔ messages, HMAC-SHA256 signing.
 * Pure functions (no sockets), used by the transport and tested alone.
 *
 * Frames: `[identity…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffer…]`
 * (https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** A message header. */
export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A Jupyter message (without the ZMQ routing identities). */
export interface Message<C = unknown> {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers?: Uint8Array[];
}

/** A message as received: routing identities kept so a reply reaches its sender. */
export interface Envelope {
  ids: Uint8Array[];
  msg: Message;
}

const DELIM = Buffer.from("<IDS|MSG>");

/** Protocol version cdlab speaks. */
export const PROTOCOL_VERSION = "5.3";

function sign(key: string, parts: (string | Uint8Array)[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/**
 * Parse frames received on a ROUTER socket and check their signature.
 *
 * @throws Error when the delimiter is missing or the signature is wrong
 */
export function decode(frames: Uint8Array[], key: string): Envelope {
  const i = frames.findIndex((f) => Buffer.from(f).equals(DELIM));
  if (i < 0) throw new Error("Invalid message: missing <IDS|MSG> delimiter");
  const signature = Buffer.from(frames[i + 1] ?? "").toString();
  const parts = frames.slice(i + 2, i + 6);
  if (parts.length < 4) throw new Error("Invalid message: fewer than 4 parts");
  if (key) {
    const want = Buffer.from(sign(key, parts));
    const got = Buffer.from(signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw new Error("Invalid message: bad signature");
  }
  const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString("utf8"));
  return {
    ids: frames.slice(0, i).map((f) => Buffer.from(f)),
    msg: {
      header: json(parts[0]),
      parent_header: json(parts[1]),
      metadata: json(parts[2]),
      content: json(parts[3]),
      buffers: frames.slice(i + 6).map((b) => Buffer.from(b)),
    },
  };
}

/** Serialize and sign a message for sending (with routing identities first). */
export function encode(env: Envelope, key: string): Buffer[] {
  const { msg } = env;
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [
    ...env.ids.map((b) => Buffer.from(b)),
    DELIM,
    Buffer.from(sign(key, parts)),
    ...parts,
    ...(msg.buffers ?? []).map((b) => Buffer.from(b)),
  ];
}

/**
 * Build a message answering or caused by `parent`.
 *
 * @param session the kernel's session id
 */
export function makeMessage<C>(
  msgType: string,
  content: C,
  parent: Partial<Header> | undefined,
  session: string,
): Message<C> {
  return {
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session,
      username: parent?.username ?? "kernel",
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: parent ?? {},
    metadata: {},
    content,
  };
}
