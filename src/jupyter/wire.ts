/**
 * The Jupyter wire protocol: ZMQ frames ↔ messages, HMAC-SHA256 signing.
 * Pure functions (no sockets) on the messages of messages.ts, used by the kernel's
 * sockets and the grader's client; tested alone in test/jupyter/wire.test.ts.
 *
 * Frames: `[identity…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffer…]`
 * (https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Envelope } from "./messages";

const DELIM = Buffer.from("<IDS|MSG>");

function sign(key: string, parts: (string | Uint8Array)[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/**
 * Parse frames received on a ROUTER socket and check their signature.
 *
 * @param key the connection file's key; "" means messages are not signed (and not checked)
 * @throws Error when the delimiter is missing or the signature is wrong
 */
export function decode(frames: Uint8Array[], key: string): Envelope {
  const i = frames.findIndex((f) => Buffer.from(f).equals(DELIM));
  if (i < 0) throw new Error("Mensagem inválida: falta o delimitador <IDS|MSG>");
  const signature = Buffer.from(frames[i + 1] ?? "").toString();
  const parts = frames.slice(i + 2, i + 6);
  if (parts.length < 4) throw new Error("Mensagem inválida: menos de 4 partes");
  if (key) {
    const want = Buffer.from(sign(key, parts));
    const got = Buffer.from(signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw new Error("Mensagem inválida: assinatura errada");
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
export function encode(env: Envelope<unknown>, key: string): Buffer[] {
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
