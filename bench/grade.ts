/**
 * Grading time: one submission, and a batch of 30 (each in a fresh kernel),
 * on the grader's own fixture exercise; a class of exercise 02 graded with
 * `gradeCourse` one submission at a time, with 1 job and with 2 (target: 2 jobs ≤ 0.6 × one at a time).
 * `runGradeBench()` is called by the bench runner; run alone with
 * `node dist/bench/grade.js [batch] [class size] [spares]` (`spares`: the class also graded with 2 jobs and no warm
 * spare kernel, beside its twin).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gradeSubmission, readSource } from "../src/grader/autograde";
import { gradeCourse } from "../src/grader/course";
import { readNotebook, serializeNotebook } from "../src/grader/notebook";
import { releaseNotebook } from "../src/grader/release";
import { cgroupSupport, ownV1Group } from "../src/grader/cgroup";
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
  // The CPU group first: the grader places its spares' cpu groups beside the process that first made a group.
  const cpu = cpuGroup();
  try {
    return await gradeRows(options, cpu);
  } finally {
    cpu?.close();
  }
}

async function gradeRows(options: { quick?: boolean; batch?: number; classSize?: number; compareSpares?: boolean }, cpu: CpuGroup | undefined): Promise<BenchRow[]> {
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
    ...(await runClassBench(options.classSize ?? (options.quick ? 4 : 60), { compareSpares: options.compareSpares, cpu })),
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

/** A cpuacct group this process was moved into: its CPU time, and how to leave and remove it. */
interface CpuGroup {
  ms(): number;
  close(): void;
}

/**
 * CPU time used by this process and everything it starts (the kernels in their sandboxes too: their pids/memory
 * groups leave the cpuacct hierarchy alone), from a cpuacct group (cgroup v1) the bench moves itself into;
 * undefined where there is none or it cannot be made (not root).
 *
 * @returns a reader of the group's CPU time in ms, and how to leave and remove the group
 */
function cpuGroup(): CpuGroup | undefined {
  const own = ownV1Group("cpuacct");
  if (!own) return undefined;
  const dir = path.join(own.mount, `cdlab-bench-${process.pid}`);
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
        fs.writeFileSync(path.join(own.dir, "cgroup.procs"), String(process.pid));
        fs.rmdirSync(dir);
      } catch {
        /* left for the next reboot: an empty group */
      }
    },
  };
}

/**
 * A class of `n` submissions of exercise 02 (half the instructor's solution, half the released copy) in
 * nbgrader's layout, graded by `gradeCourse`, each run from scratch: one submission at a time (`--jobs 1` with warm
 * spare kernels off, `CDLAB_KERNEL_SPARE=0`: the serial reference of issue 15's target), `--jobs 1` as shipped (the
 * next submission's kernel warming beside the running one), and `--jobs 2`.
 *
 * @param n students
 * @param options.compareSpares also grade with 2 jobs and spares off, just before its twin with them @default false
 * @param options.cpu the cpuacct group the runs are measured in (runGradeBench makes it before any grading) @default one made here
 * @returns the times, `--jobs 2` against the serial reference (target ≤ 0.6) and against `--jobs 1` as shipped; where
 *   a cpuacct group can be made, the CPU of each run and the cores it kept busy
 */
export async function runClassBench(n: number, options: { compareSpares?: boolean; cpu?: CpuGroup } = {}): Promise<BenchRow[]> {
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
  const own = options.cpu ? undefined : cpuGroup();
  const cpu = options.cpu ?? own;
  let oneAtATime: Awaited<ReturnType<typeof time>>;
  let serial: typeof oneAtATime;
  let parallel: typeof oneAtATime;
  let parallelCold: typeof oneAtATime | undefined;
  try {
    oneAtATime = await time(1, false);
    serial = await time(1);
    if (options.compareSpares) parallelCold = await time(2, false);
    parallel = await time(2);
  } finally {
    own?.close();
  }
  const idle = cgroupSupport();
  const warming = idle.ok && idle.cpu ? "at the lowest CPU weight" : "at the default CPU weight (no cgroup cpu controller here)";
  const note = `${n} submissions of exercise 02 (half solved, half released), ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}`;
  // Cores kept busy on average (CPU of the grader, its kernels, spares and probes over wall time).
  const busy = (r: typeof serial) => (r.cpuMs === undefined ? "" : `; ${Math.round(r.cpuMs / n)} ms CPU per submission, ${(r.cpuMs / r.ms).toFixed(2)} cores busy`);
  // What 2 jobs can gain over a run that already keeps `c` cores busy: at best c / 2 of its time, with both cores free.
  const bound = (r: typeof serial) => (r.cpuMs === undefined ? "" : ` (best possible on 2 free cores ${Math.max(0.5, r.cpuMs / (2 * r.ms)).toFixed(2)} ×)`);
  const rows: BenchRow[] = [
    { section: "grade", name: `grade a class of ${n}, one submission at a time`, value: oneAtATime.ms, unit: "ms", note: `--jobs 1, no spare kernel (CDLAB_KERNEL_SPARE=0): the serial reference; ${Math.round(oneAtATime.ms / n)} ms per submission${busy(oneAtATime)}; ${note}` },
    {
      section: "grade", name: `grade a class of ${n}, --jobs 1`, value: serial.ms, unit: "ms", reference: oneAtATime.ms, referenceName: "one at a time",
      note: `as shipped: the next submission's kernel warms beside the running one ${warming}; ${(serial.ms / oneAtATime.ms).toFixed(2)} × one at a time${busy(serial)}`,
    },
    {
      section: "grade", name: `grade a class of ${n}, --jobs 2`, value: parallel.ms, unit: "ms", reference: oneAtATime.ms, referenceName: "one at a time",
      target: { max: 0.6 },
      note: `${(parallel.ms / oneAtATime.ms).toFixed(2)} × one at a time${bound(oneAtATime)}, ${(parallel.ms / serial.ms).toFixed(2)} × --jobs 1 as shipped${bound(serial)}${busy(parallel)}; ${note}`,
    },
  ];
  if (!parallelCold) return rows;
  return [
    ...rows,
    { section: "grade", name: `grade a class of ${n}, --jobs 2, no spare kernels`, value: parallelCold.ms, unit: "ms", note: `CDLAB_KERNEL_SPARE=0, run just before its twin with spares${busy(parallelCold)}` },
    {
      section: "grade", name: `grade a class of ${n}, --jobs 2, spares vs none`, value: parallel.ms, unit: "ms", reference: parallelCold.ms, referenceName: "no spares",
      note: `${(parallel.ms / parallelCold.ms).toFixed(2)} × the time without spares`,
    },
  ];
}

if (require.main === module) {
  const [batch, classSize] = [Number(process.argv[2] ?? 30), process.argv[3] === undefined ? undefined : Number(process.argv[3])];
  runGradeBench({ batch, classSize, compareSpares: process.argv[4] === "spares" }).then((r) => console.log(JSON.stringify(r, null, 2)));
}
