/**
 * Parent and child processes, with what Node has: there is no `fork()` in
 * Node; `child_process.fork()` starts a NEW node program (spawn + an IPC
 * channel). So the lecture's three lists are shown honestly:
 *
 * - inherited: PID → PPID, real/effective UID, environment variables;
 * - copied: the child gets a copy of a value; changing it there leaves the
 *   parent's unchanged (with C's fork the whole memory is copied — see
 *   `runCExample("fork")`); file descriptors passed to the child;
 * - shared: an open file passed to the child is the SAME open file, so both
 *   move one offset.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { parentAndChild } from "./family";
 * const f = await parentAndChild();
 * table(f.rows);
 * ```
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { collectStdout, type ChildHandle } from "../../proc/child";
import { entryFile, startProgram } from "../../proc/program";
import { describeFd } from "../../proc/fds";
import { CdlabError } from "../../runtime/errors";

/** One row of the comparison. */
export type FamilyRow = {
  lista: "herdado" | "copiado" | "compartilhado";
  atributo: string;
  pai: string;
  filho: string;
};

/**
 * Start a child (family-child-main.ts: report what it inherited, change its copy, write to the shared
 * file, fd 3) and compare its attributes with the parent's, row by row.
 *
 * @param options.env the value the parent puts in its own environment as CDLAB_AULA before starting the child
 *   (restored afterwards); the child inherits it @default "processos"
 * @returns `rows` (one per attribute, grouped like the lecture) and the shared file's final text
 * @example
 * ```ts
 * const { rows, file } = await parentAndChild();
 * ```
 */
export async function parentAndChild(options: { env?: string } = {}) {
  const { env = "processos" } = options;
  const data = { counter: 1 };
  const file = path.join(os.tmpdir(), `cdlab-family-${process.pid}-${Date.now()}.txt`);
  const fd = fs.openSync(file, "w+");
  let child: ChildHandle | undefined;
  try {
    fs.writeSync(fd, "pai escreveu antes\n");
    const posParentBefore = describeFd(process.pid, fd)!.pos!;
    // The parent sets the variable in its OWN environment; the child gets a copy of that environment.
    const previous = process.env.CDLAB_AULA;
    process.env.CDLAB_AULA = env;
    const parentEnv = process.env.CDLAB_AULA;
    try {
      child = await startProgram(entryFile(__dirname, "family-child-main"), {
        args: [JSON.stringify(data)],
        stdio: ["ignore", "pipe", "inherit", fd, "ipc"],
      });
    } finally {
      if (previous === undefined) delete process.env.CDLAB_AULA;
      else process.env.CDLAB_AULA = previous;
    }
    const out = collectStdout(child);
    const report = await new Promise<Record<string, any>>((resolve, reject) => {
      child!.child.once("message", resolve);
      child!.result.then(() => reject(new CdlabError("ERR_CHILD_FAILED", "O processo filho terminou sem enviar o relatório")));
    });
    await out;
    const posParentAfter = describeFd(process.pid, fd)!.pos!;
    fs.writeSync(fd, "pai escreveu depois\n"); // at the offset the child moved
    const text = fs.readFileSync(file, "utf8");
    const rows: FamilyRow[] = [
      { lista: "herdado", atributo: "PID → PPID", pai: `PID ${process.pid}`, filho: `PID ${report.pid}, PPID ${report.ppid}` },
      { lista: "herdado", atributo: "Real UID / Effective UID", pai: `${process.getuid!()} / ${process.geteuid!()}`, filho: `${report.uid} / ${report.euid}` },
      { lista: "herdado", atributo: "Variável de ambiente CDLAB_AULA", pai: `CDLAB_AULA=${parentEnv} (no ambiente do pai)`, filho: `CDLAB_AULA=${report.env ?? "(ausente)"}` },
      { lista: "copiado", atributo: "Dados (data.counter)", pai: `${data.counter} (inalterado)`, filho: `${report.before} → ${report.after}` },
      { lista: "copiado", atributo: "File descriptor", pai: `fd ${fd} → ${path.basename(file)}`, filho: `fd 3 → ${path.basename(report.fd3)}` },
      {
        lista: "compartilhado",
        atributo: "Ponteiro (offset) do arquivo",
        pai: `${posParentBefore} antes → ${posParentAfter} depois do filho`,
        filho: `${report.posBefore} → ${report.posAfter}`,
      },
    ];
    return { rows, file: text, parentPid: process.pid, childPid: report.pid as number };
  } finally {
    await child?.close();
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}
