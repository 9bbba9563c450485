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
 * r.reader.ppid, r.writer.ppid; // 4242 (the kernel), 1 (PID 1: init on a machine, the first program in a container)
 * ```
 */
import fs from "node:fs";
import { run } from "../../proc/child";
import { entryFile, programArgs, startProgram } from "../../proc/program";
import { sleepState } from "../../proc/attributes";
import { isAlive } from "../../proc/tree";
import { makeHandle, type Handle } from "../../runtime/handle";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { makeFifo } from "../../ipc/fifo";

// The three programs are entry files beside this one: fifo-reader-main.ts (announce, open(path, O_RDONLY) —
// blocks until a writer opens — read to EOF), fifo-writer-main.ts (wait to be orphaned, open the FIFO by
// name, write who it is and the message) and fifo-launcher-main.ts (start the writer in its own session and
// exit at once, orphaning it).

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
  if (typeof message !== "string" || Buffer.byteLength(message) > 4096) invalidArg("message", message, "esperado um texto de no máximo 4096 bytes");
  const fifo = await makeFifo();
  const reader = await startProgram(entryFile(__dirname, "fifo-reader-main"), { args: [fifo.path], stdio: ["ignore", "pipe", "inherit"] });
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
        if (r === "exit" && !events[name]) throw new CdlabError("ERR_CHILD_FAILED", `O leitor da FIFO terminou antes de "${name}"`);
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
    const writerArgs = [...programArgs(entryFile(__dirname, "fifo-writer-main")), fifo.path, message];
    const launcher = await run(process.execPath, [...programArgs(entryFile(__dirname, "fifo-launcher-main")), ...writerArgs], { timeout: 5000 });
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
      writer: { pid: writer.pid as number, ppid: writer.ppid as number, startedBy: launcher.pid, parent: writer.ppid === 1 ? "PID 1 (adotado)" : "adotado (subreaper)" },
      readerWhileOpening: { ...whileOpening, openedBeforeWriter },
      received: writer.text as string,
    };
  } finally {
    await reader.close();
    await orphan?.close();
    await fifo.close();
  }
}
