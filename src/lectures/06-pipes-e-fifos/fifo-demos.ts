/**
 * A FIFO between two UNRELATED processes: neither is the other's parent, and
 * neither inherited anything from the other — they meet through the FIFO's
 * name in the file system.
 *
 * - the reader is a child of this kernel;
 * - the writer is started by an intermediate process that exits at once, so the
 *   writer is an orphan adopted by PID 1 (or by the nearest "subreaper"); its
 *   PPID is no longer anyone we know.
 *
 * @example
 * ```ts
 * const r = await fifoBetweenUnrelated("olá pela FIFO");
 * r.reader.ppid, r.writer.ppid; // 4242 (the kernel), 1 (init)
 * ```
 */
import fs from "node:fs";
import { startNode, run } from "../../proc/child";
import { sleepState } from "../../proc/attributes";
import { isAlive } from "../../proc/tree";
import { makeHandle, type Handle } from "../../runtime/handle";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { makeFifo } from "../../ipc/fifo";

/** Reader: announce, open(path, O_RDONLY) — blocks until a writer opens — read to EOF. */
export const FIFO_READER = `const fs = require("fs");
const say = (o) => fs.writeSync(1, JSON.stringify({ pid: process.pid, ppid: process.ppid, ...o }) + "\\n");
say({ event: "opening" });
const fd = fs.openSync(process.argv[1], "r"); // blocks until some process opens it for writing
say({ event: "opened" });
const buf = Buffer.alloc(65536); let n, text = "";
while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) text += buf.toString("utf8", 0, n);
say({ event: "eof", text });`;

/** Writer: wait to be orphaned, open the FIFO by name, write who it is and the message. Gives up after 10 s. */
export const FIFO_WRITER = `const fs = require("fs");
const [path, message, parent] = process.argv.slice(1);
setTimeout(() => process.exit(3), 10000); // gives up if no reader ever comes
const t0 = Date.now();
(function waitOrphan() {
  if (process.ppid === Number(parent) && Date.now() - t0 < 2000) return setTimeout(waitOrphan, 5);
  fs.open(path, "w", (err, fd) => {
    if (err) process.exit(2);
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, ppid: process.ppid, text: message }));
    fs.closeSync(fd);
    process.exit(0);
  });
})();`;

/** Intermediate: start the writer in its own session and exit at once (orphaning it). */
const LAUNCHER = `const { spawn } = require("child_process");
const c = spawn(process.execPath, ["-e", process.argv[1], ...process.argv.slice(2), String(process.pid)], { detached: true, stdio: "ignore" });
process.stdout.write(String(c.pid)); c.unref();`;

/**
 * Run the demonstration: create a FIFO, start the reader (it blocks in
 * `open`), then the unrelated writer; return who is who and what went through.
 *
 * @param message what the writer sends @default "olá, processo desconhecido!"
 * @returns the FIFO path, both processes (PID, PPID), the reader's state while its open waited, the message, and whether the file was removed
 * @example
 * ```ts
 * const r = await fifoBetweenUnrelated("olá");
 * [r.reader.ppid, r.writer.ppid]; // [kernel PID, 1]
 * ```
 */
export async function fifoBetweenUnrelated(message = "olá, processo desconhecido!") {
  if (typeof message !== "string" || Buffer.byteLength(message) > 4096) invalidArg("message", message, "must be a string of at most 4096 bytes");
  const fifo = await makeFifo();
  const reader = await startNode(FIFO_READER, { args: [fifo.path], stdio: ["ignore", "pipe", "inherit"] });
  let orphan: Handle | undefined; // the writer, once started
  try {
    const events: Record<string, { pid: number; ppid: number; text?: string }> = {};
    let buffered = "";
    let wake: () => void = () => {};
    reader.child.stdout!.on("data", (b: Buffer) => {
      buffered += b;
      for (let i; (i = buffered.indexOf("\n")) >= 0; buffered = buffered.slice(i + 1)) {
        const e = JSON.parse(buffered.slice(0, i));
        events[e.event] = e;
      }
      wake();
    });
    const waitFor = async (name: string) => {
      while (!events[name]) {
        const r = await Promise.race([new Promise<string>((res) => (wake = () => res("data"))), reader.result.then(() => "exit")]);
        if (r === "exit" && !events[name]) throw new CdlabError("ERR_CHILD_FAILED", `The FIFO reader exited before "${name}"`);
      }
      return events[name];
    };
    await waitFor("opening");
    let whileOpening = sleepState(reader.pid);
    for (let i = 0; i < 200 && !whileOpening.wchan.includes("partner") && !whileOpening.wchan.includes("fifo"); i++) {
      await new Promise((r) => setTimeout(r, 10));
      whileOpening = sleepState(reader.pid);
    }
    const openedBeforeWriter = "opened" in events;
    const launcher = await run(process.execPath, ["-e", LAUNCHER, FIFO_WRITER, fifo.path, message], { timeout: 5000 });
    const writerPid = Number(launcher.stdout);
    orphan = makeHandle({}, {
      kind: "child-process",
      label: `FIFO writer (PID ${writerPid}, orphan)`,
      release: async () => {
        // Not our child: we cannot wait() for it, so watch /proc until it is gone.
        for (let i = 0; writerPid && isAlive(writerPid) && i < 200; i++) {
          if (i === 50) process.kill(writerPid, "SIGKILL"); // still there after 0.5 s
          await new Promise((r) => setTimeout(r, 10));
        }
      },
    });
    const eof = await waitFor("eof");
    const writer = JSON.parse(eof.text ?? "{}");
    await reader.result;
    return {
      fifo: fifo.path,
      reader: { pid: reader.pid, ppid: events.opening.ppid, parent: "este kernel" },
      writer: { pid: writer.pid as number, ppid: writer.ppid as number, startedBy: launcher.pid, parent: writer.ppid === 1 ? "init (PID 1)" : "adotado (subreaper)" },
      readerWhileOpening: { ...whileOpening, openedBeforeWriter },
      received: writer.text as string,
    };
  } finally {
    await reader.close();
    await orphan?.close();
    await fifo.close();
  }
}
