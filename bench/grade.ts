/**
 * Grading time: one submission, and a batch of 30 (each in a fresh kernel),
 * on the grader's own fixture exercise. `runGradeBench()` is called by the
 * bench runner; run alone with `node dist/bench/grade.js`.
 */
import path from "node:path";
import { gradeSubmission, readSource } from "../src/grader/autograde";
import { PACKAGE_ROOT } from "../src/runtime/root";
import type { BenchRow } from "./report";

/**
 * Measure grading.
 *
 * @param options.quick a batch of 5 instead of `batch`
 * @param options.batch how many submissions in the batch @default 30
 * @returns rows for the bench table (times in ms)
 */
export async function runGradeBench(options: { quick?: boolean; batch?: number } = {}): Promise<BenchRow[]> {
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
    { section: "grade", name: "grade one submission (full marks)", value: single, unit: "ms", note },
    { section: "grade", name: "grade one released copy (0 points)", value: released, unit: "ms", note },
    { section: "grade", name: `grade a batch of ${batch}`, value: total, unit: "ms", note: `${Math.round(total / batch)} ms per submission, half solved, half released` },
  ];
}

if (require.main === module) {
  runGradeBench({ batch: Number(process.argv[2] ?? 30) }).then((r) => console.log(JSON.stringify(r, null, 2)));
}
