/**
 * Grading time: one submission, and a batch of 30 (each in a fresh kernel),
 * on the grader's own fixture exercise. `runGradeBench()` is called by the
 * bench runner; run alone with `node dist/bench/grade.js`.
 */
import path from "node:path";
import { gradeSubmission, readSource } from "../src/grader/autograde";
import { PACKAGE_ROOT } from "../src/root";

/**
 * Measure grading.
 *
 * @param batch how many submissions in the batch
 * @default batch 30
 * @returns timings in ms
 */
export async function runGradeBench(batch = 30): Promise<object> {
  const dir = path.join(PACKAGE_ROOT, "test", "fixtures", "grader");
  const source = readSource(path.join(dir, "exercise.ipynb"));
  const one = async (file: string) => (await gradeSubmission(path.join(dir, file), source)).ms;
  await one("exercise.ipynb"); // warm-up (disk cache, TypeScript)
  const single = await one("exercise.ipynb");
  const released = await one("released.ipynb");
  const t0 = Date.now();
  for (let i = 0; i < batch; i++) await one(i % 2 ? "released.ipynb" : "exercise.ipynb");
  const total = Date.now() - t0;
  return { single_submission_ms: single, released_submission_ms: released, batch, batch_total_ms: total, batch_per_submission_ms: Math.round(total / batch) };
}

if (require.main === module) {
  runGradeBench(Number(process.argv[2] ?? 30)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
