/**
 * Pipe throughput (`npm run bench` calls {@link runPipeBench}): cdlab's pipe
 * helpers next to `dd if=/dev/zero bs=64k count=N | dd of=/dev/null` through a
 * shell pipe, all measured in the same run.
 *
 * - child → child: `runPipeline([dd…, dd…])`, a real pipe made by `pipe()`;
 * - child → kernel: `dd` writes into a pipe, the kernel reads with `Pipe.read()`;
 * - kernel → child: the kernel writes with `Pipe.write()`, `dd` reads.
 *
 * Run alone: `node dist/bench/pipe.js` (prints the rows as JSON).
 */
import { run, startChild } from "../src/proc/child";
import { pipe } from "../src/ipc/pipe";
import { runPipeline } from "../src/ipc/pipeline";
import type { BenchRow } from "./report";

const BLOCK = 64 * 1024;
const MiB = 1024 * 1024;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/**
 * Best of `n` runs of each path (MiB/s), the paths taking turns so that the
 * machine's load weighs on all alike; the best run is the least disturbed.
 */
async function bestInTurns(n: number, bytes: number, paths: (() => Promise<unknown>)[]): Promise<number[]> {
  const s = paths.map(() => Infinity);
  for (let i = 0; i < n; i++) for (const [k, fn] of paths.entries()) s[k] = Math.min(s[k], await timed(fn));
  return s.map((x) => bytes / MiB / x);
}

/**
 * Measure pipe throughput.
 *
 * @param options.blocks 64 KiB blocks per transfer @default 8192 (512 MiB: fixed costs such as creating the pipe stay small)
 * @param options.runs repetitions, best kept @default 5
 * @returns one row per path, each with the shell's `dd | dd` as reference (all paths take turns)
 */
export async function runPipeBench(options: { blocks?: number; runs?: number } = {}): Promise<BenchRow[]> {
  const { blocks = 8192, runs = 5 } = options;
  const bytes = blocks * BLOCK;
  const ddIn = ["dd", "if=/dev/zero", `bs=${BLOCK}`, `count=${blocks}`, "status=none"];
  const ddOut = ["dd", "of=/dev/null", `bs=${BLOCK}`, "status=none"];

  const chunk = Buffer.alloc(BLOCK);
  const [shell, childToChild, childToKernel, kernelToChild] = await bestInTurns(runs, bytes, [
    () => run("sh", ["-c", `${ddIn.join(" ")} | ${ddOut.join(" ")}`], { timeout: 120000 }),
    () => runPipeline([ddIn, ddOut], { timeout: 120000 }),
    async () => {
      const p = await pipe();
      const dd = await startChild(ddIn[0], { args: ddIn.slice(1), stdio: ["ignore", p.writeFd!, "inherit"], timeout: 120000 });
      p.closeWrite();
      let n = 0;
      for (let b; (b = await p.read()) !== null; ) n += b.length;
      await dd.result;
      await p.close();
      if (n !== bytes) throw new Error(`read ${n} bytes, expected ${bytes}`);
    },
    async () => {
      const p = await pipe();
      const dd = await startChild(ddOut[0], { args: ddOut.slice(1), stdio: [p.readFd!, "ignore", "inherit"], timeout: 120000 });
      p.closeRead();
      for (let i = 0; i < blocks; i++) await p.write(chunk);
      p.closeWrite();
      await dd.result;
      await p.close();
    },
  ]);

  let setupMs = Infinity;
  for (let i = 0; i < runs; i++) setupMs = Math.min(setupMs, 1000 * (await timed(async () => (await pipe()).close())));
  // What child → child pays besides the data: starting two children (Node's spawn vs the shell's fork), in turns.
  let [shStart, pipelineStart] = [Infinity, Infinity];
  for (let i = 0; i < runs; i++) {
    shStart = Math.min(shStart, 1000 * (await timed(() => run("sh", ["-c", "true | true"], { timeout: 120000 }))));
    pipelineStart = Math.min(pipelineStart, 1000 * (await timed(() => runPipeline([["true"], ["true"]], { timeout: 120000 }))));
  }

  const row = (name: string, value: number, target: number): BenchRow => ({
    section: "pipe",
    name,
    value: Math.round(value),
    unit: "MiB/s",
    reference: Math.round(shell),
    referenceName: "dd | dd through sh",
    target: { min: target },
    note: `${bytes / MiB} MiB in 64 KiB blocks, best of ${runs}`,
  });
  return [
    row("child → child (runPipeline, pipe())", childToChild, 0.8),
    row("child → kernel (Pipe.read)", childToKernel, 0.3),
    row("kernel → child (Pipe.write)", kernelToChild, 0.3),
    { section: "pipe", name: "pipe() creation (helper process + 2 opens)", value: Math.round(setupMs * 10) / 10, unit: "ms", note: `best of ${runs}; included in every transfer above` },
    {
      section: "pipe",
      name: "child → child without data: runPipeline([true], [true])",
      value: Math.round(pipelineStart * 10) / 10,
      unit: "ms",
      reference: Math.round(shStart * 10) / 10,
      referenceName: "sh -c 'true | true'",
      note: `best of ${runs}, in turns; included in the child → child transfer (${bytes / MiB} MiB by dd | dd: ${Math.round((1000 * bytes) / MiB / shell)} ms)`,
    },
  ];
}

if (require.main === module) {
  runPipeBench().then((rows) => console.log(JSON.stringify(rows, null, 2)));
}
