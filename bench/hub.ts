// Longer than 300 lines: one bench section with its own command line (the ramp, the notebooks phase, the teardown on a signal)
/**
 * The course server under load (deploy/, a real JupyterHub; root only).
 *
 * 1. The ramp: students join one at a time. A joining student logs in (an API token), starts a server (timed: the
 *    spawn), starts a cdlab kernel, runs notebook 03 (UDP sockets) and keeps the kernel with a UDP echo server open.
 *    After each join, every active student runs a UDP round trip cell at the same instant through the hub's proxy,
 *    `rounds` times: p50/p95/max of those cells, and the memory of each student's control group (anonymous memory +
 *    tmpfs). The ramp stops at the first of: p95 over 1 s, a round trip cell failing, the machine's available memory
 *    under 1 GiB, a student who cannot join, `maxStudents`, or the time budget.
 * 2. Notebooks 03–08 run by `notebookStudents` students at the same time, each notebook in a fresh kernel (as in
 *    the lab). A cell gets 240 s; a cell that does not answer ends its notebook (reported), never the phase.
 * Everything (kernels, servers, processes, accounts, control groups) is torn down at the end, on an error, and on
 * SIGINT/SIGTERM/SIGHUP.
 *
 *   node dist/bench/hub.js [--max N] [--minutes M] [--rounds R] [--notebook-students K] [--notebook-minutes M] [--quick]
 *   node dist/bench/run.js --only hub        (the same options from CDLAB_HUB_BENCH_MAX, _MINUTES, _ROUNDS,
 *                                             _NOTEBOOK_STUDENTS, _NOTEBOOK_MINUTES)
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { KernelManager, type Kernel } from "@jupyterlab/services";
import { ROOT } from "../src/cli/kernelspec";
import { ClassServer, hubUnavailable } from "../test/deploy/class-server";
import { formatTable, percentile, type BenchRow } from "./report";

const SECTION = "hub";
const LIMIT_MS = 1000;
/** A cell that takes longer is reported and ends its notebook (notebook 08's copy experiment takes 25 s alone, 100 s with 3 students on 2 cores). */
const CELL_TIMEOUT_MS = 240_000;
const NOTEBOOKS = ["03-sockets-udp", "04-sockets-tcp", "05-processos", "06-pipes-e-fifos", "07-filas-de-mensagens", "08-memoria-compartilhada"];

export interface HubBenchOptions {
  /** Smaller bounds (4 students, 8 minutes, notebooks by 2 students). */
  quick?: boolean;
  /** Most students in the ramp. @default 60 (quick: 4) */
  maxStudents?: number;
  /** Time budget of the ramp, in minutes (a join that would pass it is abandoned). @default 30 (quick: 8) */
  minutes?: number;
  /** Rounds per ramp step: every active student runs the round trip cell this many times at the same instant. @default 5 */
  rounds?: number;
  /** Students who run notebooks 03–08 at the same time after the ramp (0: skip). @default 4 (quick: 2) */
  notebookStudents?: number;
  /** Time budget of the notebooks phase, in minutes. @default 30 (quick: 15) */
  notebookMinutes?: number;
  log?: (line: string) => void;
}

interface Student {
  user: string;
  km: KernelManager;
  kernel?: Kernel.IKernelConnection;
}

export interface RampStep {
  students: number;
  rtt_p50_ms: number;
  rtt_p95_ms: number;
  rtt_max_ms: number;
  failed_cells: number;
  /** Memory of each active student's control group: median, largest, and all of them together. */
  mem_median_mib: number | null;
  mem_max_mib: number | null;
  mem_total_mib: number;
  available_mib: number;
}

function cells(file: string): string[] {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  return nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source)).filter((s) => s.trim());
}

/** Run one cell; resolves with its reply status ("error" when an error output came, "timeout") and the error's text. */
async function execute(k: Kernel.IKernelConnection, code: string, timeoutMs = CELL_TIMEOUT_MS): Promise<{ status: string; error?: string }> {
  const future = k.requestExecute({ code, stop_on_error: true });
  let error: string | undefined;
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "error") error = `${(msg.content as { ename: string }).ename}: ${(msg.content as { evalue: string }).evalue}`;
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
  const reply = await Promise.race([future.done.catch((e: Error) => ({ content: { status: `failed: ${e.message}` } })), late]).finally(() => clearTimeout(timer));
  if (reply === "timeout") {
    future.dispose();
    return { status: "timeout", error: `no reply within ${timeoutMs / 1000} s` };
  }
  return { status: error ? "error" : (reply as { content: { status: string } }).content.status, error };
}

/**
 * Run a notebook's cells in order. A cell that does not answer within the timeout ends the notebook: the cells after
 * it would queue behind it in the same kernel. Returns one line per failed cell.
 */
async function runNotebook(k: Kernel.IKernelConnection, code: string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const [i, c] of code.entries()) {
    const r = await execute(k, c);
    if (r.status === "ok") continue;
    failed.push(`cell ${i + 1}: ${(r.error ?? r.status).slice(0, 200)}`);
    if (r.status === "timeout") {
      failed.push(`cells ${i + 2}–${code.length} not run`);
      break;
    }
  }
  return failed;
}

function availableMiB(): number {
  const m = /MemAvailable:\s+(\d+)/.exec(fs.readFileSync("/proc/meminfo", "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : Infinity;
}

const median = (xs: number[]) => (xs.length ? percentile(xs, 50) : null);
const MiB = (b: number | null) => (b == null ? null : Math.round(b / 1048576));

/** Resolves with `work`'s value, or with "late" once `ms` have passed (work goes on; the teardown ends it). */
function within<T>(work: Promise<T>, ms: number): Promise<T | "late"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), Math.max(0, ms))));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The options not given, from CDLAB_HUB_BENCH_* (how `node dist/bench/run.js --only hub` passes them). */
export function hubBenchOptions(options: HubBenchOptions, env = process.env): Required<Omit<HubBenchOptions, "log">> {
  const num = (name: string, given: number | undefined, dflt: number) => {
    const raw = given ?? (env[`CDLAB_HUB_BENCH_${name}`] !== undefined ? Number(env[`CDLAB_HUB_BENCH_${name}`]) : dflt);
    if (!Number.isFinite(raw) || raw < 0) throw new Error(`Invalid CDLAB_HUB_BENCH_${name}: ${env[`CDLAB_HUB_BENCH_${name}`] ?? given} (a number ≥ 0)`);
    return raw;
  };
  const quick = Boolean(options.quick);
  return {
    quick,
    maxStudents: num("MAX", options.maxStudents, quick ? 4 : 60),
    minutes: num("MINUTES", options.minutes, quick ? 8 : 30),
    rounds: Math.max(1, num("ROUNDS", options.rounds, 5)),
    notebookStudents: num("NOTEBOOK_STUDENTS", options.notebookStudents, quick ? 2 : 4),
    notebookMinutes: num("NOTEBOOK_MINUTES", options.notebookMinutes, quick ? 15 : 30),
  };
}

/** The hub section of `npm run bench`. */
export async function runHubBench(options: HubBenchOptions = {}): Promise<{ rows: BenchRow[]; raw: unknown }> {
  const log = options.log ?? ((l: string) => process.stderr.write(`[bench] hub: ${l}\n`));
  const o = hubBenchOptions(options);
  const why = hubUnavailable();
  if (why) {
    log(`skipped: ${why}`);
    return { rows: [{ section: SECTION, name: "course server", value: null, unit: "", note: `skipped: ${why}` }], raw: { skipped: why } };
  }
  const students: Student[] = [];
  let hub: ClassServer | undefined;
  let down: Promise<void> | undefined;
  const ignore = () => undefined;
  const teardown = () =>
    (down ??= (async () => {
      // A kernel connection disposed while a request is pending rejects it: keep that from ending the process first.
      process.on("unhandledRejection", ignore);
      await Promise.all(students.map((s) => within(s.km.shutdownAll().catch(ignore), 30_000)));
      for (const s of students) s.km.dispose();
      await ClassServer.stopAll(); // the hub (it stops every server), processes, accounts, control groups, files
      process.off("unhandledRejection", ignore);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: tearing the class down (servers, processes, accounts)`);
    void teardown().finally(() => process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15)));
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, onSignal);

  const rows: BenchRow[] = [];
  const raw: Record<string, unknown> = { options: o };
  try {
    hub = await ClassServer.start({ students: Math.max(o.maxStudents, o.notebookStudents), log });
    const h = hub;
    const lecture03 = cells(path.join(ROOT, "notebooks", "03-sockets-udp.ipynb"));
    const spawnMs: number[] = [];
    const joinFailures: string[] = [];
    const ramp: RampStep[] = [];

    const join = async (user: string): Promise<Student> => {
      const token = await h.token(user);
      spawnMs.push(await h.spawn(user, token));
      const s: Student = { user, km: new KernelManager({ serverSettings: h.settings(user, token) }) };
      students.push(s);
      const k = await s.km.startNew({ name: "cdlab" });
      const info = await within(k.info, CELL_TIMEOUT_MS);
      if (info === "late") throw new Error(`${user}'s kernel did not answer within ${CELL_TIMEOUT_MS / 1000} s`);
      const failed = await runNotebook(k, lecture03);
      if (failed.length) joinFailures.push(`${user}: notebook 03: ${failed.join("; ")}`);
      const echo = await execute(k, `const { udpServer: benchUdpServer, udpRequest: benchUdpRequest } = require("cdlab/net"); const benchEcho = await benchUdpServer({ port: 0 });`);
      if (echo.status !== "ok") throw new Error(`${user}: the echo server did not start: ${echo.error ?? echo.status}`);
      s.kernel = k;
      return s;
    };

    const deadline = Date.now() + o.minutes * 60_000;
    let stop = "";
    const active: Student[] = [];
    while (!stop) {
      if (active.length >= o.maxStudents) stop = `the cap of ${o.maxStudents} students`;
      else if (Date.now() > deadline) stop = `the time budget of ${o.minutes} min`;
      else if (availableMiB() < 1024) stop = "the machine's available memory fell under 1 GiB";
      if (stop) break;
      const user = h.students[active.length];
      const joined = await within(
        join(user).catch((e: Error) => e),
        deadline - Date.now(),
      );
      if (joined === "late") {
        stop = `the time budget of ${o.minutes} min (while ${user} was joining)`;
        break;
      }
      if (joined instanceof Error) {
        stop = `${user} could not join: ${joined.message.split("\n")[0]}`;
        break;
      }
      active.push(joined);
      if (joinFailures.length) log(joinFailures.at(-1)!);
      const rtts: number[] = [];
      const failures: string[] = [];
      for (let r = 0; r < o.rounds; r++) {
        const round = await Promise.all(
          active.map(async (s) => {
            const t0 = Date.now();
            const res = await execute(s.kernel!, `(await benchUdpRequest("ping", { port: benchEcho.port })).text`, 60_000);
            if (res.status !== "ok") failures.push(`${s.user}: ${res.error ?? res.status}`);
            return Date.now() - t0;
          }),
        );
        rtts.push(...round);
      }
      const mem = active.map((s) => h.memoryOf(s.user)).filter((m): m is number => m != null);
      const step: RampStep = {
        students: active.length,
        rtt_p50_ms: percentile(rtts, 50),
        rtt_p95_ms: percentile(rtts, 95),
        rtt_max_ms: Math.max(...rtts),
        failed_cells: failures.length,
        mem_median_mib: MiB(median(mem)),
        mem_max_mib: mem.length ? MiB(Math.max(...mem)) : null,
        mem_total_mib: MiB(mem.reduce((a, b) => a + b, 0))!,
        available_mib: availableMiB(),
      };
      ramp.push(step);
      log(
        `${step.students} student(s): round trip through the hub p50 ${step.rtt_p50_ms} ms, p95 ${step.rtt_p95_ms} ms, max ${step.rtt_max_ms} ms; ` +
          `memory per student ${step.mem_median_mib} MiB (largest ${step.mem_max_mib}), ${step.available_mib} MiB available; spawn ${spawnMs.at(-1)} ms`,
      );
      if (failures.length) stop = `a round trip cell failed (${failures[0]})`;
      else if (step.rtt_p95_ms > LIMIT_MS) stop = `the round trip's p95 passed 1 s (${step.rtt_p95_ms} ms with ${step.students} students)`;
    }
    log(`ramp stopped at ${stop}`);
    const held = ramp.filter((s) => s.rtt_p95_ms <= LIMIT_MS && !s.failed_cells).at(-1)?.students ?? 0;
    const last = ramp.at(-1);
    const mems = ramp.flatMap((s) => (s.mem_median_mib == null ? [] : [s.mem_median_mib]));
    Object.assign(raw, { ramp, stop, held, spawn_ms: spawnMs, join_failures: joinFailures });
    rows.push({ section: SECTION, name: "spawn a student's server (first, idle hub)", value: spawnMs[0] ?? null, unit: "ms" });
    rows.push({ section: SECTION, name: "spawn a student's server (median over the ramp)", value: median(spawnMs), unit: "ms", note: `${spawnMs.length} spawns, one at a time while the others stay active` });
    rows.push({ section: SECTION, name: "memory per active student (server + kernel after notebook 03)", value: last?.mem_median_mib ?? null, unit: "MiB", note: `cgroup anonymous memory + tmpfs, median at the last step; ${Math.min(...mems)}–${Math.max(...mems)} over the ramp` });
    rows.push({ section: SECTION, name: "round trip of a UDP cell through the hub, 1 student (p50)", value: ramp[0]?.rtt_p50_ms ?? null, unit: "ms" });
    rows.push({ section: SECTION, name: "students held, all running a socket notebook (p95 ≤ 1 s)", value: held, unit: "students", note: `stopped at ${stop}; last step: ${last ? `${last.students} students, p50 ${last.rtt_p50_ms} ms, p95 ${last.rtt_p95_ms} ms` : "none"}` });

    if (o.notebookStudents > 0) {
      for (const s of active) await within(s.kernel!.shutdown().catch(ignore), 30_000);
      const n = o.notebookStudents;
      const files = NOTEBOOKS.map((f) => path.join(ROOT, "notebooks", `${f}.ipynb`)).filter((f) => fs.existsSync(f));
      const t0 = Date.now();
      const perStudent = await within(
        Promise.all(
          h.students.slice(0, n).map(async (user): Promise<string[]> => {
            const s = students.find((x) => x.user === user) ?? (await join(user).catch(() => undefined));
            if (!s) return [`${user}: could not join`];
            const failed: string[] = [];
            for (const f of files) {
              const k = await s.km.startNew({ name: "cdlab" });
              failed.push(...(await runNotebook(k, cells(f))).map((l) => `${user} ${path.basename(f, ".ipynb")} ${l}`));
              await within(k.shutdown().catch(ignore), 30_000);
            }
            return failed;
          }),
        ),
        o.notebookMinutes * 60_000,
      );
      const failed = perStudent === "late" ? [`not finished within ${o.notebookMinutes} min`] : perStudent.flat();
      for (const l of failed) log(l);
      const ms = Date.now() - t0;
      raw.notebooks = { students: n, files: files.map((f) => path.basename(f)), ms, failed };
      rows.push({ section: SECTION, name: `notebooks 03–08 by ${n} students at once`, value: perStudent === "late" ? null : ms, unit: "ms", note: `${failed.length} failed cell(s)` });
    }
  } finally {
    await teardown();
    for (const s of signals) process.off(s, onSignal);
  }
  return { rows, raw };
}

const usage = `Usage: node dist/bench/hub.js [--max N] [--minutes M] [--rounds R] [--notebook-students K] [--notebook-minutes M] [--quick]

  --max                most students in the ramp (default 60; quick 4)
  --minutes            the ramp's time budget (default 30; quick 8)
  --rounds             simultaneous round trip cells per student at each step (default 5)
  --notebook-students  students running notebooks 03–08 at once after the ramp; 0 skips it (default 4; quick 2)
  --notebook-minutes   that phase's time budget (default 30; quick 15)
Needs root. Prints the rows and writes the JSON to bench/results/hub-<date>.json.`;

async function main(): Promise<number> {
  console.debug = () => undefined; // @jupyterlab/services logs every websocket start at debug level
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        max: { type: "string" },
        minutes: { type: "string" },
        rounds: { type: "string" },
        "notebook-students": { type: "string" },
        "notebook-minutes": { type: "string" },
        quick: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) return void console.log(usage), 0;
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid --${name}: ${v} (an integer ≥ 0)`);
    return n;
  };
  const { rows, raw } = await runHubBench({
    quick: values.quick,
    maxStudents: num(values.max, "max"),
    minutes: num(values.minutes, "minutes"),
    rounds: num(values.rounds, "rounds"),
    notebookStudents: num(values["notebook-students"], "notebook-students"),
    notebookMinutes: num(values["notebook-minutes"], "notebook-minutes"),
  });
  console.log(formatTable(rows));
  const dir = path.join(ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `hub-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), rows, raw }, null, 2) + "\n");
  console.log(`JSON: ${path.relative(process.cwd(), file)}`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
}
