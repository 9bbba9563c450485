// Longer than 300 lines: the experiment's driver: pre-started pairs, per-size repeats, strace counting and the timing fields notebook 08 shows.
/**
 * The lecture's "4 copies vs 2 copies" experiment, measured. A server process
 * sends a file to a client process, which writes it to another file:
 *
 * - through a pipe (`server | client`): read(file→server buffer), write(buffer→pipe),
 *   read(pipe→client buffer), write(buffer→file): 4 copies;
 * - through POSIX shared memory synchronised by two named semaphores (`empty`,
 *   `full`, four slots: SLOTS): read(file→shared memory), write(shared memory→file): 2 copies;
 * - next to `Buffer.copy` (memcpy) of the same size in one process: 1 copy.
 *
 * The fixed costs are measured apart from the transfer: each pair of processes is
 * started once per method and size (process start: `startMs`), sets up
 * (semaphores, shared memory: `firstSetupMs`; the file, each round: `setupMs`), and transfers the file
 * `1 + repeats` times, each time released by a start gate (a semaphore; its
 * wake-up: `wakeMs`). The first, cold round (`coldMs`) warms the code and the
 * pages up; `ms` is the median of the others. With `strace` installed, one extra traced run per method counts each
 * side's read/write system calls (`strace -f -y -e trace=read,write`) and the
 * bytes they moved: bytes / size is the number of copies through the kernel
 * interface, measured rather than taken from the slide.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { copyExperiment, MiB } from "cdlab/lectures/08-memoria-compartilhada";
 * const result = await copyExperiment({ sizes: [1, 16, 64].map((m) => m * MiB) });
 * table(result.rows);
 * ```
 */
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { throwIfAborted } from "../../runtime/abort";
import { display } from "../../runtime/display";
import type { ProgressHook } from "../../runtime/progress";
import { lineChart, Series } from "../../runtime/plot";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { isRunning } from "../../proc/child";
import { entryFile, programArgs } from "../../proc/program";
import { getBackend } from "../../ipc/native";
import { openSemaphore } from "../../ipc/semaphore";
import { openSharedMemory } from "../../ipc/shm";
import { HEADER, monotonicMs, parseStrace, SLOTS } from "./copy-sides";
import type { SideReport, SyscallCount } from "./copy-sides";

/** 1 MiB in bytes. */
export const MiB = 1 << 20;

/** Options of {@link copyExperiment}. */
export interface CopyExperimentOptions {
  /** File sizes in bytes. @default 1, 4, 16, 64, 256 MiB */
  sizes?: number[];
  /** Timed transfers per method and size, after one warm-up; the median is reported (the machine may be busy). @default 3 */
  repeats?: number;
  /** Bytes per read/write call (and per shared memory slot). @default 1 MiB */
  chunkSize?: number;
  /** Also count system calls with strace (one traced run per method at `straceSize`). @default true when strace exists */
  strace?: boolean;
  /** Size of the traced run. @default 16 MiB (or the largest size, if smaller) */
  straceSize?: number;
  /**
   * Folder of the input and output files. @default a tmpfs (/dev/shm) when there is one, else os.tmpdir():
   * the files stay in memory either way (page cache), but a disk's writeback of the output would be timed too
   */
  dir?: string;
  /** Stops the experiment. */
  signal?: AbortSignal;
  /** Called as the run goes, with the bytes copied so far and in all (e.g. `progressHook("cópias")` from "cdlab"). */
  progress?: ProgressHook;
}

/** A tmpfs folder for the files, when the machine has one. */
function defaultDir(): string {
  try {
    if (fs.statSync("/dev/shm").isDirectory()) {
      fs.accessSync("/dev/shm", fs.constants.W_OK);
      return "/dev/shm";
    }
  } catch {
    /* none */
  }
  return os.tmpdir();
}

/** Read/write calls of one side (server or client), from strace. */
export interface SideSyscalls {
  /** read/write calls on the file or pipe carrying the data, and the bytes they moved. */
  data: SyscallCount;
  /** Every read/write call the process made (start-up included), like `strace -c`. */
  total: { read: number; write: number };
}

/** One measured row. */
export interface CopyRow {
  method: "pipe" | "shared memory" | "memcpy";
  sizeMiB: number;
  /** The transfer (median): from the first side leaving the start gate to the client's last write. */
  ms: number;
  /** MiB per second of the transfer. */
  mibPerS: number;
  /** Copies of the data the path makes (lecture's model; measured by strace below). */
  copies: number;
  /** Process start: from spawn to the later side's first statement of its setup (Node's start-up, loading cdlab). Not for memcpy. */
  startMs?: number;
  /** Setup per transfer of a started pair: opening the file, posting `ready` (the slower side, median). */
  setupMs?: number;
  /** Setup of a fresh pair, first round: opening the semaphores, the shared memory and the file, with cold code. */
  firstSetupMs?: number;
  /** Start gate: from the parent's post to the first side awake (median). */
  wakeMs?: number;
  /** What a transfer by a started pair costs besides copying: `setupMs + wakeMs`. */
  fixedMs?: number;
  /** The first transfer of the pair, with cold code and pages (not in the median). */
  coldMs?: number;
}

/** strace counts for one method at one size. */
export interface CopySyscalls {
  method: "pipe" | "shared memory";
  sizeMiB: number;
  server: SideSyscalls;
  client: SideSyscalls;
  /** Bytes moved by data read/write calls (both sides) ÷ size: copies through the kernel interface. */
  copiesMeasured: number;
}

/** What {@link copyExperiment} returns. */
export interface CopyExperimentResult {
  rows: CopyRow[];
  /** Empty when strace is not available or was turned off. */
  syscalls: CopySyscalls[];
  chunkSize: number;
}

/** Whether `strace` can trace a child here. */
export function straceAvailable(): boolean {
  const r = spawnSync("strace", ["-o", "/dev/null", "true"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let runs = 0;

function makeInput(file: string, size: number): void {
  const block = crypto.randomBytes(Math.min(size, MiB));
  const fd = fs.openSync(file, "w");
  try {
    for (let off = 0; off < size; off += block.length) fs.writeSync(fd, block, 0, Math.min(block.length, size - off));
  } finally {
    fs.closeSync(fd);
  }
}

function sameFile(a: string, b: string, size: number): boolean {
  if (fs.statSync(b).size !== size) return false;
  const ha = crypto.createHash("sha1").update(fs.readFileSync(a)).digest("hex");
  return ha === crypto.createHash("sha1").update(fs.readFileSync(b)).digest("hex");
}

/** A pair of sides, run for some rounds. */
interface Pair {
  reports: SideReport[];
  /** When the pair was spawned ({@link monotonicMs}). */
  spawned: number;
  /** When the gate was posted, per round. */
  gates: number[];
  /** The data pipe's strace name, `pipe:[inode]`. */
  pipe?: string;
  traces?: [string, string];
}

async function transferRounds(method: "pipe" | "shm", input: string, output: string, size: number, chunk: number, rounds: number, trace: boolean, signal?: AbortSignal): Promise<Pair> {
  const prefix = `/cdlab-copy-${process.pid}-${++runs}`;
  const node = [process.execPath, ...programArgs(entryFile(__dirname, "copy-main"))];
  const traceFiles = trace ? [`${output}.server.strace`, `${output}.client.strace`] : [];
  const wrap = (i: number, args: string[]) => (trace ? ["strace", "-f", "-y", "-s", "0", "-e", "trace=read,write", "-o", traceFiles[i], ...args] : args);
  const gates = [await openSemaphore(`${prefix}-gate-server`, { exclusive: true, backend: "native" }), await openSemaphore(`${prefix}-gate-client`, { exclusive: true, backend: "native" })];
  const ready = await openSemaphore(`${prefix}-ready`, { exclusive: true, backend: "native" });
  const opened: { close(): Promise<void> }[] = [...gates, ready];
  let children: ReturnType<typeof spawn>[] = [];
  try {
    const common = [prefix, String(chunk), String(size), String(rounds)];
    if (method === "shm") {
      opened.push(await openSharedMemory(`${prefix}-shm`, { size: HEADER + SLOTS * chunk, exclusive: true, backend: "native" }));
      opened.push(await openSemaphore(`${prefix}-empty`, { value: SLOTS, exclusive: true, backend: "native" }));
      opened.push(await openSemaphore(`${prefix}-full`, { value: 0, exclusive: true, backend: "native" }));
    }
    const spawned = monotonicMs();
    if (method === "pipe") {
      const server = wrap(0, [...node, "pipe-server", input, ...common]).map(q).join(" ");
      const client = wrap(1, [...node, "pipe-client", output, ...common]).map(q).join(" ");
      children = [spawn("/bin/sh", ["-c", `${server} | ${client}`], { stdio: ["ignore", "ignore", "pipe"] })];
    } else {
      const [s, c] = [wrap(0, [...node, "shm-server", input, ...common]), wrap(1, [...node, "shm-client", output, ...common])];
      children = [s, c].map((args) => spawn(args[0], args.slice(1), { stdio: ["ignore", "ignore", "pipe"] }));
    }
    let stderr = "";
    const reports: SideReport[] = [];
    let onReport = () => {};
    const done = Promise.all(
      children.map(
        (ch) =>
          new Promise<void>((resolve, reject) => {
            let partial = "";
            ch.stderr!.on("data", (d) => {
              const lines = (partial + d).split("\n");
              partial = lines.pop()!;
              for (const line of lines) {
                if (line.startsWith('{"role"')) reports.push(JSON.parse(line) as SideReport), onReport();
                else stderr += `${line}\n`;
              }
            });
            ch.once("error", reject);
            ch.once("close", (code) => (code === 0 ? resolve() : reject(new CdlabError("ERR_CHILD_FAILED", `Um processo filho do experimento de cópia falhou: ${stderr.trim().split("\n").pop() || `código de saída ${code}`}`))));
          }),
      ),
    );
    done.catch(() => {});
    const failedEarly = done.then(() => {
      throw new CdlabError("ERR_CHILD_FAILED", `Os processos filhos do experimento de cópia terminaram antes do fim: ${stderr.trim()}`);
    });
    failedEarly.catch(() => {});
    const roundDone = (round: number) =>
      new Promise<void>((resolve) => {
        onReport = () => reports.filter((r) => r.round === round).length === 2 && resolve();
        onReport();
      });
    const posted: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < 2; i++) await Promise.race([ready.wait({ signal }), failedEarly]);
      const finished = roundDone(round);
      posted.push(monotonicMs());
      for (const g of gates) g.post();
      await Promise.race([finished, failedEarly]);
    }
    await done;
    const ino = reports.find((r) => r.pipe !== undefined)?.pipe;
    return { reports, spawned, gates: posted, pipe: ino ? `pipe:[${ino}]` : undefined, traces: trace ? [fs.readFileSync(traceFiles[0], "utf8"), fs.readFileSync(traceFiles[1], "utf8")] : undefined };
  } finally {
    for (const ch of children) if (isRunning(ch)) ch.kill("SIGKILL");
    for (const f of traceFiles) fs.rmSync(f, { force: true });
    await Promise.all(opened.map((o) => o.close()));
  }
}

/** The figures of a pair: the cold round apart, the median of the others. */
function pairFigures(p: Pair): { ms: number; coldMs: number; wakeMs: number; startMs: number; setupMs: number; firstSetupMs: number } {
  const round = (i: number) => {
    const [a, b] = p.reports.filter((r) => r.round === i);
    const first = Math.min(a.go, b.go);
    const client = a.role.endsWith("client") ? a : b;
    return { ms: client.end - first, wakeMs: first - p.gates[i], setupMs: Math.max(a.setup[1] - a.setup[0], b.setup[1] - b.setup[0]) };
  };
  const all = p.gates.map((_, i) => round(i));
  const timed = all.length > 1 ? all.slice(1) : all;
  const zero = p.reports.filter((r) => r.round === 0);
  return {
    ms: median(timed.map((r) => r.ms)),
    coldMs: all[0].ms,
    wakeMs: median(timed.map((r) => r.wakeMs)),
    startMs: Math.max(...zero.map((r) => r.setup[0])) - p.spawned,
    setupMs: median(timed.map((r) => r.setupMs)),
    firstSetupMs: all[0].setupMs,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function memcpyMs(size: number, repeats: number): number {
  const a = Buffer.allocUnsafe(size).fill(7);
  const b = Buffer.alloc(size); // zero-filled: its pages are mapped before timing
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    a.copy(b);
    times.push(performance.now() - t);
  }
  return median(times);
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Run the experiment: for each size, the pipe path, the shared memory path and
 * memcpy; then (strace available) one traced run per path.
 *
 * @param options sizes, repeats, chunkSize, strace, straceSize, signal
 * @returns rows (time, throughput, copies) and syscall counts
 * @throws CdlabError `ERR_IPC_NATIVE_UNAVAILABLE` without the native addon
 * @example
 * ```ts
 * const { rows, syscalls } = await copyExperiment({ sizes: [4 * MiB, 32 * MiB] });
 * ```
 */
export async function copyExperiment(options: CopyExperimentOptions = {}): Promise<CopyExperimentResult> {
  const { sizes = [1, 4, 16, 64, 256].map((m) => m * MiB), chunkSize = MiB, repeats = 3, signal } = options;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 50) invalidArg("repeats", repeats, "esperado um inteiro de 1 a 50");
  if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 4096 * MiB))
    invalidArg("sizes", sizes, "esperada uma lista não vazia de tamanhos em bytes, de 1 a 4 GiB");
  if (!Number.isInteger(chunkSize) || chunkSize < 4096 || chunkSize > 64 * MiB)
    invalidArg("chunkSize", chunkSize, "esperado um inteiro de 4096 a 64 MiB");
  const trace = options.strace ?? straceAvailable();
  const straceSize = options.straceSize ?? Math.min(16 * MiB, Math.max(...sizes));
  getBackend("native");
  throwIfAborted(signal);
  const dir = fs.mkdtempSync(path.join(options.dir ?? defaultDir(), "cdlab-copy-files-"));
  const rows: CopyRow[] = [];
  const syscalls: CopySyscalls[] = [];
  // Progress in bytes copied: each size once by pipe, by shared memory and by memcpy.
  const totalBytes = 3 * [...new Set(sizes)].reduce((a, b) => a + b, 0);
  let doneBytes = 0;
  const advance = (size: number) => options.progress?.((doneBytes += size), totalBytes);
  const row = (method: CopyRow["method"], size: number, ms: number, copies: number, fixed?: ReturnType<typeof pairFigures>): CopyRow => ({
    method,
    sizeMiB: round(size / MiB, 3),
    ms: round(ms, 2),
    mibPerS: round(size / MiB / (ms / 1000), 0),
    copies,
    ...(fixed && {
      startMs: round(fixed.startMs, 1),
      setupMs: round(fixed.setupMs, 2),
      firstSetupMs: round(fixed.firstSetupMs, 2),
      wakeMs: round(fixed.wakeMs, 2),
      fixedMs: round(fixed.setupMs + fixed.wakeMs, 2),
      coldMs: round(fixed.coldMs, 2),
    }),
  });
  try {
    const input = path.join(dir, "input.bin");
    const output = path.join(dir, "output.bin");
    for (const size of [...sizes, ...(trace ? [straceSize] : [])].filter((s, i, all) => all.indexOf(s) === i)) {
      makeInput(input, size);
      for (const method of ["pipe", "shm"] as const) {
        const label = method === "pipe" ? "pipe" : "shared memory";
        if (sizes.includes(size)) {
          throwIfAborted(signal);
          const figures = pairFigures(await transferRounds(method, input, output, size, chunkSize, 1 + repeats, false, signal));
          if (!sameFile(input, output, size))
            throw new CdlabError("ERR_COPY_MISMATCH", `A cópia por ${method === "pipe" ? "pipe" : "memória compartilhada"} de ${size} bytes difere do original`);
          rows.push(row(label, size, figures.ms, method === "pipe" ? 4 : 2, figures));
        }
        if (trace && size === straceSize) {
          const t = await transferRounds(method, input, output, size, chunkSize, 1, true, signal);
          const [server, client] = t.traces!.map((s) => parseStrace(s, [input, output, ...(t.pipe ? [t.pipe] : [])]));
          const bytes = server.data.readBytes + server.data.writeBytes + client.data.readBytes + client.data.writeBytes;
          syscalls.push({ method: label, sizeMiB: round(size / MiB, 3), server, client, copiesMeasured: round(bytes / size, 2) });
        }
        fs.rmSync(output, { force: true });
        if (sizes.includes(size)) advance(size);
      }
      if (sizes.includes(size)) rows.push(row("memcpy", size, memcpyMs(size, repeats), 1));
      if (sizes.includes(size)) advance(size);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { rows, syscalls, chunkSize };
}


/**
 * The experiment's throughput chart: MiB/s against file size (log axes), one
 * line per method. Shown in the notebook when `show` is true.
 *
 * @param result what {@link copyExperiment} returned
 * @param options.show display it (in a notebook) @default true
 * @returns the SVG text
 * @example
 * ```ts
 * copyExperimentChart(await copyExperiment({ sizes: [1 * MiB, 16 * MiB] }));
 * ```
 */
export function copyExperimentChart(result: CopyExperimentResult, options: { show?: boolean } = {}): string {
  const methods = ["memcpy", "shared memory", "pipe"] as const;
  const names = { memcpy: "memcpy (Buffer.copy, 1 cópia)", "shared memory": "memória compartilhada (2 cópias)", pipe: "pipe (4 cópias)" };
  const series: Series[] = methods.map((m) => {
    const rows = result.rows.filter((r) => r.method === m);
    return { name: names[m], x: rows.map((r) => r.sizeMiB), y: rows.map((r) => r.mibPerS), mode: "both" };
  });
  const chart = { title: "Servidor → cliente: vazão por tamanho de arquivo", xLabel: "tamanho do arquivo (MiB)", yLabel: "vazão (MiB/s)", xScale: "log", yScale: "log" } as const;
  const svg = lineChart(series, chart);
  if (options.show !== false) display.svg(svg);
  return svg;
}
