/**
 * The attributes of a process, as the lecture lists them, read live from
 * Linux's `/proc/PID/…` files: PID, PPID, real and effective UID, current
 * directory, environment, file-descriptor table, code/data/heap/stack regions,
 * priority and signal dispositions.
 *
 * @example
 * ```ts
 * showAttributes(process.pid); // an HTML table in the notebook
 * ```
 */
import fs from "node:fs";
import { CdlabError, invalidArg, systemError } from "../runtime/errors";
import { escapeHtml, display } from "../runtime/display";
import { formatNumber } from "../runtime/numbers";
import { describeFds, type FdInfo } from "./fds";
import { decodeSignalMask } from "./signals";

/** One memory region of the process (a line of /proc/PID/maps, or a summary). */
export interface MemoryRegion {
  /** "código", "dados", "heap" or "pilha". */
  kind: "code" | "data" | "heap" | "stack";
  start: string;
  end: string;
  /** Size in bytes. */
  size: number;
  /** Permissions such as "r-xp". */
  perms: string;
  /** What is mapped there (the executable, [heap], [stack]). */
  path: string;
}

/** Everything {@link processAttributes} reads. Fields the reader may not see (another user's process) are undefined. */
export interface ProcessAttributes {
  pid: number;
  ppid: number;
  /** Command name (from /proc/PID/comm). */
  name: string;
  /** Full command line. */
  cmdline: string[];
  /** State letter: R running, S sleeping, D disk, T stopped, Z zombie. */
  state: string;
  realUid: number;
  effectiveUid: number;
  realGid: number;
  effectiveGid: number;
  cwd?: string;
  env?: Record<string, string>;
  fds?: FdInfo[];
  memory?: MemoryRegion[];
  /** Kernel scheduling priority (field 18 of /proc/PID/stat). */
  priority: number;
  /** Nice value, -20 (favoured) … 19 (polite). */
  nice: number;
  threads: number;
  signals: { ignored: string[]; caught: string[]; blocked: string[]; pending: string[] };
}

function checkPid(pid: unknown): number {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) invalidArg("pid", pid, "deve ser um inteiro positivo");
  return pid;
}

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") throw new CdlabError("ESRCH", `Nenhum processo com PID ${pid}: o processo não existe (já terminou?)`, { cause: e });
    throw systemError(`Não foi possível ler /proc/${pid}/${file}`, e);
  }
}

function optional<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined; // EACCES: another user's process
  }
}

/**
 * Parse /proc/PID/stat: fields after the ")" that ends the command name.
 * @returns the fields from "state" on (index 0 = state, 1 = PPID…)
 * @example
 * ```ts
 * statFields(process.pid)[1]; // the PPID, as text
 * ```
 */
export function statFields(pid: number): string[] {
  const stat = readProc(pid, "stat");
  return stat.slice(stat.lastIndexOf(")") + 2).trim().split(" ");
}

/**
 * Code, data, heap and stack regions from /proc/PID/maps.
 * @returns the regions of the executable (code, data), [heap] and [stack]
 * @example
 * ```ts
 * memoryRegions(process.pid).filter((r) => r.kind === "stack");
 * ```
 */
export function memoryRegions(pid: number): MemoryRegion[] {
  const exe = optional(() => fs.readlinkSync(`/proc/${pid}/exe`));
  const out: MemoryRegion[] = [];
  for (const line of readProc(pid, "maps").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, start, end, perms, path] = m;
    let kind: MemoryRegion["kind"] | undefined;
    if (path === "[heap]") kind = "heap";
    else if (path === "[stack]") kind = "stack";
    else if (exe && path === exe && perms.includes("x")) kind = "code";
    else if (exe && path === exe && perms.startsWith("rw")) kind = "data";
    if (kind) out.push({ kind, start, end, size: parseInt(end, 16) - parseInt(start, 16), perms, path });
  }
  return out;
}

/**
 * Read the attributes of a live process from /proc.
 *
 * @param pid the process @default process.pid (this kernel)
 * @returns PID, PPID, UIDs, cwd, environment, fds, memory, priority, signals
 * @throws CdlabError `ESRCH` when no process has this PID
 * @example
 * ```ts
 * const a = processAttributes();
 * a.ppid; a.fds?.map((f) => f.kind);
 * ```
 */
export function processAttributes(pid: number = process.pid): ProcessAttributes {
  checkPid(pid);
  const st = statFields(pid);
  const status = readProc(pid, "status");
  const field = (k: string) => (new RegExp(`^${k}:\\s*(.*)$`, "m").exec(status)?.[1] ?? "").trim();
  const [ruid, euid] = field("Uid").split(/\s+/).map(Number);
  const [rgid, egid] = field("Gid").split(/\s+/).map(Number);
  const env = optional(() => {
    const o: Record<string, string> = {};
    for (const kv of readProc(pid, "environ").split("\0").filter(Boolean)) {
      const i = kv.indexOf("=");
      o[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return o;
  });
  return {
    pid,
    ppid: Number(st[1]),
    name: readProc(pid, "comm").trim(),
    cmdline: readProc(pid, "cmdline").split("\0").filter(Boolean),
    state: st[0],
    realUid: ruid,
    effectiveUid: euid,
    realGid: rgid,
    effectiveGid: egid,
    cwd: optional(() => fs.readlinkSync(`/proc/${pid}/cwd`)),
    env,
    fds: optional(() => describeFds(pid)),
    memory: optional(() => memoryRegions(pid)),
    priority: Number(st[15]),
    nice: Number(st[16]),
    threads: Number(st[17]),
    signals: {
      ignored: decodeSignalMask(field("SigIgn")),
      caught: decodeSignalMask(field("SigCgt")),
      blocked: decodeSignalMask(field("SigBlk")),
      pending: decodeSignalMask(field("SigPnd")),
    },
  };
}

/** A size for the student: "29,7 MiB" or "132 KiB" (Brazilian decimal comma). */
const KIB = (n: number) =>
  n >= 1 << 20 ? `${formatNumber(n / (1 << 20), { decimals: 1 })} MiB` : `${formatNumber(Math.round(n / 1024))} KiB`;

/** An fd kind as the student reads it: `pipe`, `socket`, `fifo`, `tty`, `anon` as the kernel names them; the rest in pt-BR. */
const KIND_TEXT: Record<string, string> = { file: "arquivo", directory: "diretório", device: "dispositivo", other: "outro" };
const kindText = (kind: string) => KIND_TEXT[kind] ?? kind;

/** A memory region kind in pt-BR, as in the lecture's slide: código, dados, heap, pilha. */
const MEMORY_TEXT = { code: "código", data: "dados", heap: "heap", stack: "pilha" } as const;

/**
 * The fd table grouped by kind, most numerous first: one line per kind with its count and its first few fds
 * (a Node process has dozens of fds; a line each would hide the kinds).
 *
 * @param fds the table, from {@link describeFds}
 * @param examples how many fds to show per kind @default 3
 * @returns one line per kind (its name in pt-BR: `arquivo`, `diretório`, `dispositivo`, `outro`; `pipe`, `socket`,
 *   `fifo`, `tty`, `anon` as the kernel names them), e.g. `pipe: 24 (0 → pipe:[184910], 1 → pipe:[185842], …)`
 * @example
 * ```ts
 * import { describeFds, fdKindLines } from "cdlab/proc";
 * fdKindLines(describeFds()); // ["pipe: 24 (0 → pipe:[…], …)", "anon: 20 (…)", "socket: 9 (…)", …]
 * ```
 */
export function fdKindLines(fds: FdInfo[], examples = 3): string[] {
  const byKind = new Map<string, FdInfo[]>();
  for (const f of fds) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  return [...byKind]
    .sort((x, y) => y[1].length - x[1].length)
    .map(([kind, list]) => `${kindText(kind)}: ${list.length} (${list.slice(0, examples).map((f) => `${f.fd} → ${f.target}`).join(", ")}${list.length > examples ? ", …" : ""})`);
}

/**
 * The attributes as rows (atributo, valor) for a table, in the lecture's order.
 *
 * @param a what {@link processAttributes} returned
 * @param options.envKeys which environment variables to show @default ["HOME","PATH","USER","LANG"]
 * @param options.allFds list every fd instead of a line per kind ({@link fdKindLines}) @default false
 * @returns rows `{ atributo, valor }`
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { attributeRows, processAttributes } from "cdlab/proc";
 * table(attributeRows(processAttributes()));
 * ```
 */
export function attributeRows(a: ProcessAttributes, options: { envKeys?: string[]; allFds?: boolean } = {}): { atributo: string; valor: string }[] {
  const { envKeys = ["HOME", "PATH", "USER", "LANG"] } = options;
  const na = "(sem permissão)";
  const env = a.env ? envKeys.filter((k) => k in a.env!).map((k) => `${k}=${a.env![k]}`).join("\n") + `\n… ${Object.keys(a.env).length} variáveis` : na;
  const fds = a.fds ? (options.allFds ? a.fds.map((f) => `${f.fd} → ${kindText(f.kind)}: ${f.target}`) : fdKindLines(a.fds)).join("\n") : na;
  const mem = a.memory
    ? (["code", "data", "heap", "stack"] as const)
        .map((k) => {
          const rs = a.memory!.filter((r) => r.kind === k);
          if (!rs.length) return `${MEMORY_TEXT[k].padEnd(6)} —`;
          const total = rs.reduce((n, r) => n + r.size, 0);
          return `${MEMORY_TEXT[k].padEnd(6)} ${rs[0].start}-${rs[0].end} ${rs[0].perms}${rs.length > 1 ? ` (+${rs.length - 1} regiões)` : ""}, ${KIB(total)}`;
        })
        .join("\n")
    : na;
  const sig = (l: string[]) => (l.length ? l.join(" ") : "—");
  return [
    { atributo: "PID", valor: String(a.pid) },
    { atributo: "PPID", valor: String(a.ppid) },
    { atributo: "Programa", valor: a.cmdline.join(" ") || a.name },
    { atributo: "Real UID / Effective UID", valor: `${a.realUid} / ${a.effectiveUid}` },
    { atributo: "Diretório corrente", valor: a.cwd ?? na },
    { atributo: "Tabela de file descriptors", valor: fds },
    { atributo: "Variáveis de ambiente", valor: env },
    { atributo: "Memória (código, dados, heap, pilha)", valor: mem },
    { atributo: "Prioridade / nice", valor: `${a.priority} / ${a.nice}` },
    { atributo: "Sinais ignorados", valor: sig(a.signals.ignored) },
    { atributo: "Sinais tratados", valor: sig(a.signals.caught) },
    { atributo: "Sinais bloqueados", valor: sig(a.signals.blocked) },
  ];
}

/**
 * Show a process's attributes as an HTML table (text outside the kernel).
 *
 * @param pid the process @default process.pid
 * @param options.envKeys environment variables to list @default ["HOME","PATH","USER","LANG"]
 * @returns nothing (use {@link processAttributes} for the data)
 * @throws CdlabError `ESRCH` when no process has this PID
 * @example
 * ```ts
 * showAttributes(); // this kernel
 * ```
 */
export function showAttributes(pid: number = process.pid, options: { envKeys?: string[] } = {}): void {
  const a = processAttributes(pid);
  const rows = attributeRows(a, options);
  const html =
    `<table><thead><tr><th>Atributo</th><th>Valor (/proc/${a.pid})</th></tr></thead><tbody>` +
    rows
      .map((r) => `<tr><td style="text-align:left">${escapeHtml(r.atributo)}</td><td style="text-align:left"><pre style="margin:0">${escapeHtml(r.valor)}</pre></td></tr>`)
      .join("") +
    "</tbody></table>";
  display.html(html, rows.map((r) => `${r.atributo}: ${r.valor}`).join("\n"));
}

/**
 * Whether a process runs or waits, and where in the kernel it waits.
 *
 * @param pid the process
 * @returns `state` (R, S, D, T, Z) and `wchan`, the kernel function it sleeps in (`pipe_read`, `pipe_write`, `fifo_open`…; "0" when running)
 * @throws CdlabError `ESRCH` when no process has this PID
 * @example
 * ```ts
 * declare const reader: { pid: number }; // a child blocked reading a pipe
 * sleepState(reader.pid); // { state: "S", wchan: "pipe_read" }
 * ```
 */
export function sleepState(pid: number): { state: string; wchan: string } {
  checkPid(pid);
  const state = statFields(pid)[0];
  const wchan = optional(() => fs.readFileSync(`/proc/${pid}/wchan`, "utf8").trim()) ?? "?";
  return { state, wchan };
}
