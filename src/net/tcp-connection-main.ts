/**
 * Body of one worker thread of a thread-per-connection TCP server (the
 * counterpart of the lecture's `class Connection extends Thread`). The main
 * thread accepts the connection and hands this thread the bytes it reads; the
 * thread splits them into `readUTF` frames, does the work (an echo, after
 * `cpuMs` of computation) and hands back `writeUTF` frames to write.
 *
 * Messages in: `{ type: "data", chunk: Uint8Array }`, `{ type: "end" }`.
 * Messages out: `{ type: "reply", text, frame }`, `{ type: "error", code, message }`.
 * @internal
 */
import { parentPort, workerData } from "node:worker_threads";
import { UtfFrameDecoder, writeUTF } from "./java-utf";
import { busyWait } from "./work";

const port = parentPort;
if (port) {
  const { cpuMs = 0, rate } = (workerData ?? {}) as { cpuMs?: number; rate?: number };
  const decoder = new UtfFrameDecoder();
  port.on("message", (m: { type: "data"; chunk: Uint8Array } | { type: "end" }) => {
    if (m.type === "end") {
      port.close();
      return;
    }
    try {
      for (const text of decoder.push(m.chunk)) {
        busyWait(cpuMs, rate);
        const frame = writeUTF(text);
        port.postMessage({ type: "reply", text, frame });
      }
    } catch (e) {
      const err = e as { code?: string; message?: string };
      port.postMessage({ type: "error", code: err.code ?? "ERR_UNKNOWN", message: err.message ?? String(e) });
    }
  });
}
