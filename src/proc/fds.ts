/**
 * The file-descriptor table of a process: what each open fd points to
 * (a file, a pipe, a socket, a FIFO, a terminal…), from /proc/PID/fd.
 *
 * @example
 * ```ts
 * describeFds(process.pid).filter((f) => f.kind === "pipe");
 * ```
 */
import fs from "node:fs";
import { CdlabError, systemError } from "../runtime/errors";

/** What an fd points to. */
export type FdKind = "file" | "directory" | "pipe" | "fifo" | "socket" | "tty" | "device" | "anon" | "other";

/** One entry of the fd table. */
export type FdInfo = {
  fd: number;
  kind: FdKind;
  /** The link's text: a path, `pipe:[inode]`, `socket:[inode]`… */
  target: string;
  /** Current offset in the open file (`pos` in /proc/PID/fdinfo). */
  pos?: number;
  /** Open mode: "r", "w" or "rw". */
  mode?: "r" | "w" | "rw";
};

/**
 * Classify the target of one fd.
 *
 * @param pid the process
 * @param fd the descriptor
 * @returns kind, target, offset and mode; undefined when the fd is not open
 * @example
 * ```ts
 * describeFd(process.pid, 0); // { fd: 0, kind: "pipe", target: "pipe:[123]", pos: 0, mode: "r" }
 * ```
 */
export function describeFd(pid: number, fd: number): FdInfo | undefined {
  let target: string;
  try {
    target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
  let kind: FdKind = "other";
  if (target.startsWith("pipe:")) kind = "pipe";
  else if (target.startsWith("socket:")) kind = "socket";
  else if (target.startsWith("anon_inode:")) kind = "anon";
  else if (/^\/dev\/(pts\/\d+|tty\w*|console)$/.test(target)) kind = "tty";
  else if (target.startsWith("/")) {
    try {
      const s = fs.statSync(`/proc/${pid}/fd/${fd}`);
      kind = s.isFIFO() ? "fifo" : s.isDirectory() ? "directory" : s.isFile() ? "file" : s.isCharacterDevice() || s.isBlockDevice() ? "device" : s.isSocket() ? "socket" : "other";
    } catch {
      kind = "file";
    }
  }
  const info: FdInfo = { fd, kind, target };
  try {
    const fdinfo = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
    info.pos = Number(/^pos:\s*(\d+)/m.exec(fdinfo)?.[1]);
    const flags = parseInt(/^flags:\s*(\d+)/m.exec(fdinfo)?.[1] ?? "0", 8);
    info.mode = (["r", "w", "rw", "rw"] as const)[flags & 3];
  } catch {
    /* closed meanwhile */
  }
  return info;
}

/**
 * The whole fd table of a process, sorted by fd.
 *
 * @param pid the process @default process.pid
 * @returns one {@link FdInfo} per open descriptor
 * @throws CdlabError `ESRCH` when the process does not exist, `EACCES` for another user's process
 * @example
 * ```ts
 * describeFds().slice(0, 3); // stdin, stdout, stderr
 * ```
 */
export function describeFds(pid: number = process.pid): FdInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(`/proc/${pid}/fd`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new CdlabError("ESRCH", `Nenhum processo com PID ${pid}: o processo não existe (já terminou?)`, { cause: e });
    throw systemError(`Não foi possível ler a tabela de descritores do PID ${pid}`, e);
  }
  return names
    .map(Number)
    .sort((a, b) => a - b)
    .map((fd) => describeFd(pid, fd))
    .filter((f): f is FdInfo => f !== undefined);
}
