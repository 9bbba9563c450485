/**
 * Step 2 of grading: run the plan in a fresh kernel, one step at a time, with a
 * per-step time limit. When the kernel dies (process.exit, a crash) or does not
 * come back from an interrupt, it is killed and a new one is started; the
 * prelude and the student/locked steps that already ran are replayed (except
 * the one that broke it), so one hostile cell costs only what it breaks.
 */
import { KernelClient, type ExecuteResult, type KernelOptions } from "../../jupyter/kernel-client";
import { hardening } from "../harden";
import type { Step } from "./assemble";

/** Limits for {@link executePlan}. */
export interface ExecuteLimits {
  /** Time limit per cell. @default 30000 */
  timeoutMs?: number;
  /** Restarts allowed before the remaining steps are given up. @default 3 */
  maxRestarts?: number;
  /** How the kernel is launched (tests pass their own argv). */
  kernel?: KernelOptions;
  signal?: AbortSignal;
  /** Called with each new kernel once the prelude ran, before the replay (the grader's probes attach here). */
  onKernel?: (kernel: KernelClient) => Promise<void>;
}

/** A step and how it ended. */
export interface StepResult {
  step: Step;
  result: ExecuteResult;
}

/**
 * Execute every step; never throws because of what the code does.
 *
 * @param steps from {@link assemble}
 * @param limits see {@link ExecuteLimits}
 * @returns one result per step, in order, and how many kernels were started
 */
export async function executePlan(steps: Step[], limits: ExecuteLimits = {}): Promise<{ results: StepResult[]; kernelStarts: number }> {
  const { timeoutMs = 30_000, maxRestarts = 3, signal } = limits;
  const h = hardening();
  const results: StepResult[] = [];
  const replay: Step[] = [];
  let kernel: KernelClient | undefined;
  let starts = 0;
  const opts = { timeoutMs, signal };

  const boot = async (): Promise<KernelClient> => {
    starts++;
    const k = await KernelClient.start({ ...limits.kernel, signal });
    const r = await k.execute(h.prelude, opts);
    if (r.status !== "ok") {
      await k.close();
      throw new Error(`the grading prelude failed: ${r.evalue ?? r.stderr.trim().split("\n")[0] ?? r.status}`);
    }
    await limits.onKernel?.(k);
    for (const s of replay) {
      await k.execute(s.code, opts);
      if (!k.alive) break;
    }
    return k;
  };

  try {
    for (const step of steps) {
      signal?.throwIfAborted();
      if (!kernel || !kernel.alive) {
        if (kernel) await kernel.close();
        kernel = undefined;
        if (starts > maxRestarts) {
          results.push({ step, result: { status: "died", stdout: "", stderr: "", outputs: [], evalue: "o kernel morreu repetidas vezes; célula não executada" } });
          continue;
        }
        kernel = await boot();
      }
      const code = step.kind === "test" ? h.wrap(step.code) : step.code;
      const result = await kernel.execute(code, opts);
      results.push({ step, result });
      const broken = result.status === "died" || (result.status === "timeout" && !result.recovered) || !kernel.alive;
      if (broken) {
        await kernel.close();
        kernel = undefined;
      } else if (step.kind !== "test" && result.status !== "timeout") {
        replay.push(step);
      }
    }
  } finally {
    await kernel?.close();
  }
  return { results, kernelStarts: starts };
}
