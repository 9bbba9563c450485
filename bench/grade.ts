/**
 * Grading time: one submission, and a batch of 30 (each in a fresh kernel),
 * on the grader's own fixture exercise; a class of exercise 02 graded with
 * `gradeCourse` serially and with 2 jobs (target: ≤ 0.6 × the serial time).
 * `runGradeBench()` is called by the bench runner; run alone with
 * `node dist/bench/grade.js [batch] [class size] [spares]` (`spares`: the class also graded without warm spare
 * kernels, each run beside its twin).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gradeSubmission, readSource } from "../src/grader/autograde";
import { gradeCourse } from "../src/grader/course";
import { readNotebook, serializeNotebook } from "../src/grader/notebook";
import { releaseNotebook } from "../src/grader/release";
import { sandboxSupport } from "../src/grader/sandbox";
import { SPARE_ENV } from "../src/grader/spares";
import { PACKAGE_ROOT } from "../src/runtime/root";
import type { BenchRow } from "./report";

/**
 * Measure grading.
 *
 * @param options.quick a batch of 5 instead of `batch`
 * @param options.batch how many submissions in the batch @default 30
 * @param options.classSize students in the class of exercise 02 @default 60 (4 when quick)
 * @returns rows for the bench table (times in ms)
 */
export async function runGradeBench(options: { quick?: boolean; batch?: number; classSize?: number; compareSpares?: boolean } = {}): Promise<BenchRow[]> {
  const batch = options.quick ? 5 : options.batch ?? 30;
  const dir = path.join(PACKAGE_ROOT, "test", "fixtures", "grader");
  const source = readSource(path.join(dir, "exercise.ipynb"));
  const one = async (file: string) => (await gradeSubmission(path.join(dir, file), source)).ms;
  await one("exercise.ipynb"); // warm-up (disk cache, TypeScript)
  const single = await one("exercise.ipynb");
  const released = await one("released.ipynb");
  const t0 = Date.now();
  for (let i = 0; i < batch; i++) await one(i % 2 ? "released.ipynb" : "exercise.ipynb");
  const total = Date.now() - t0;
  const note = "fixture exercise, 3 test cells, a fresh kernel each";
  return [
    ...(await sandboxRows(dir, source, options.quick ? 3 : 6)),
    { section: "grade", name: "grade one submission (full marks)", value: single, unit: "ms", note },
    { section: "grade", name: "grade one released copy (0 points)", value: released, unit: "ms", note },
    { section: "grade", name: `grade a batch of ${batch}`, value: total, unit: "ms", note: `${Math.round(total / batch)} ms per submission, half solved, half released` },
    ...(await runClassBench(options.classSize ?? (options.quick ? 4 : 60), { compareSpares: options.compareSpares })),
  ];
}

/**
 * The sandbox's cost per submission: the same submission graded alternately
 * sandboxed and not, `n` times each; the medians and their difference.
 */
async function sandboxRows(dir: string, source: ReturnType<typeof readSource>, n: number): Promise<BenchRow[]> {
  const support = sandboxSupport();
  if (!support.ok) return [{ section: "grade", name: "sandbox cost per submission", value: null, unit: "ms", note: support.reason }];
  const file = path.join(dir, "exercise.ipynb");
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < n; i++) {
    on.push((await gradeSubmission(file, source, { sandbox: true })).ms);
    off.push((await gradeSubmission(file, source, { sandbox: false })).ms);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [a, b] = [median(on), median(off)];
  const note = `median of ${n} each, alternating; target ≤ 10%`;
  return [
    { section: "grade", name: "grade one submission, sandboxed", value: a, unit: "ms", note },
    { section: "grade", name: "grade one submission, not sandboxed", value: b, unit: "ms", note },
    { section: "grade", name: "sandbox cost per submission", value: a - b, unit: "ms", note: `${(((a - b) / b) * 100).toFixed(1)}% of a submission's time` },
  ];
}

/**
 * CPU time used by this process and everything it starts (the kernels in their sandboxes too: their pids/memory
 * groups leave the cpuacct hierarchy alone), from a cpuacct group (cgroup v1) the bench moves itself into;
 * undefined where there is none or it cannot be made (not root).
 *
 * @returns a reader of the group's CPU time in ms, and how to leave and remove the group
 */
function cpuGroup(): { ms(): number; close(): void } | undefined {
  const mount = fs.readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")).find((f) => f[2] === "cgroup" && f[3]?.split(",").includes("cpuacct"));
  if (!mount) return undefined;
  const dir = path.join(mount[1], `cdlab-bench-${process.pid}`);
  const home = /^\d+:[^:]*\bcpuacct\b[^:]*:(.*)$/m.exec(fs.readFileSync("/proc/self/cgroup", "utf8"))?.[1] ?? "/";
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "cgroup.procs"), String(process.pid));
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    ms: () => Number(fs.readFileSync(path.join(dir, "cpuacct.usage"), "utf8")) / 1e6,
    close: () => {
      try {
        fs.writeFileSync(path.join(mount[1], home, "cgroup.procs"), String(process.pid));
        fs.rmdirSync(dir);
      } catch {
        /* left for the next reboot: an empty group */
      }
    },
  };
}

/**
 * A class of `n` submissions of exercise 02 (half the instructor's solution, half the released copy) in
 * nbgrader's layout, graded by `gradeCourse` with 1 job and with 2, each run from scratch.
 *
 * @param n students
 * @param options.compareSpares also grade with warm spare kernels turned off (`CDLAB_KERNEL_SPARE=0`), each run
 *   beside its twin with them on (serial off, serial on, 2 jobs off, 2 jobs on) @default false
 * @returns the serial time, and the 2-job time with the serial one as its reference; where a cpuacct group can be
 *   made, the CPU of each run and the cores it kept busy; compared, the runs without spares as the reference of those with
 */
export async function runClassBench(n: number, options: { compareSpares?: boolean } = {}): Promise<BenchRow[]> {
  const file = path.join(PACKAGE_ROOT, "notebooks", "exercicios", "02-udp.ipynb");
  const released = serializeNotebook(releaseNotebook(readNotebook(file), "02-udp.ipynb"));
  const time = async (jobs: number, spares = true) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-bench-class-"));
    try {
      fs.mkdirSync(path.join(root, "source", "udp"), { recursive: true });
      fs.copyFileSync(file, path.join(root, "source", "udp", "02-udp.ipynb"));
      for (let i = 0; i < n; i++) {
        const dir = path.join(root, "submitted", `aluno${String(i + 1).padStart(2, "0")}`, "udp");
        fs.mkdirSync(dir, { recursive: true });
        if (i % 2) fs.writeFileSync(path.join(dir, "02-udp.ipynb"), released);
        else fs.copyFileSync(file, path.join(dir, "02-udp.ipynb"));
      }
      const saved = process.env[SPARE_ENV];
      if (!spares) process.env[SPARE_ENV] = "0";
      const cpu0 = cpu?.ms();
      const t0 = Date.now();
      const { results } = await gradeCourse(root, "udp", { jobs }).finally(() => {
        if (saved === undefined) delete process.env[SPARE_ENV];
        else process.env[SPARE_ENV] = saved;
      });
      const ms = Date.now() - t0;
      const cpuMs = cpu0 === undefined ? undefined : cpu!.ms() - cpu0;
      const graded = results.filter((r) => r.grade).length;
      const failed = results.find((r) => !r.grade);
      if (failed) throw new Error(`class bench: ${n - graded} of ${n} submissions not graded (${failed.student}: ${failed.error})`);
      return { ms, cpuMs };
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
  const cpu = cpuGroup();
  let serial: Awaited<ReturnType<typeof time>>;
  let parallel: Awaited<ReturnType<typeof time>>;
  let cold: { serial: typeof serial; parallel: typeof serial } | undefined;
  try {
    const serialCold = options.compareSpares ? await time(1, false) : undefined;
    serial = await time(1);
    const parallelCold = options.compareSpares ? await time(2, false) : undefined;
    parallel = await time(2);
    if (serialCold && parallelCold) cold = { serial: serialCold, parallel: parallelCold };
  } finally {
    cpu?.close();
  }
  const note = `${n} submissions of exercise 02 (half solved, half released), ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}`;
  // Cores kept busy on average (CPU of the grader, its kernels and probes over wall time): the serial run's figure
  // bounds what 2 jobs can gain: at best CPU / (2 × serial wall) of the serial time, with both cores free.
  const busy = (r: typeof serial) => (r.cpuMs === undefined ? "" : `; ${Math.round(r.cpuMs / n)} ms CPU per submission, ${(r.cpuMs / r.ms).toFixed(2)} cores busy`);
  const floor = serial.cpuMs === undefined ? "" : `; best possible on 2 free cores ${Math.max(0.5, serial.cpuMs / (2 * serial.ms)).toFixed(2)} ×`;
  const rows: BenchRow[] = [
    { section: "grade", name: `grade a class of ${n}, serial (--jobs 1)`, value: serial.ms, unit: "ms", note: `${Math.round(serial.ms / n)} ms per submission${busy(serial)}; ${note}` },
    {
      section: "grade", name: `grade a class of ${n}, --jobs 2`, value: parallel.ms, unit: "ms", reference: serial.ms, referenceName: "--jobs 1",
      target: { max: 0.6 }, note: `${(parallel.ms / serial.ms).toFixed(2)} × the serial time${busy(parallel)}${floor}; ${note}`,
    },
  ];
  if (!cold) return rows;
  const twin = (jobs: string, off: typeof serial, on: typeof serial): BenchRow[] => [
    { section: "grade", name: `grade a class of ${n}, ${jobs}, no spare kernels`, value: off.ms, unit: "ms", note: `CDLAB_KERNEL_SPARE=0, run just before its twin with spares${busy(off)}` },
    {
      section: "grade", name: `grade a class of ${n}, ${jobs}, spares vs none`, value: on.ms, unit: "ms", reference: off.ms, referenceName: "no spares",
      note: `${(on.ms / off.ms).toFixed(2)} × the time without spares`,
    },
  ];
  return [...rows, ...twin("serial", cold.serial, serial), ...twin("--jobs 2", cold.parallel, parallel)];
}

if (require.main === module) {
  const [batch, classSize] = [Number(process.argv[2] ?? 30), process.argv[3] === undefined ? undefined : Number(process.argv[3])];
  runGradeBench({ batch, classSize, compareSpares: process.argv[4] === "spares" }).then((r) => console.log(JSON.stringify(r, null, 2)));
}
