/**
 * Step 2 of grading: run the plan in a fresh kernel, one step at a time, with a
 * per-step time limit. When the kernel dies (process.exit, a crash) or does not
 * come back from an interrupt, it is killed and a new one is started; the
 * prelude and the student/locked steps that already ran are replayed (except
 * the one that broke it), so one hostile cell costs only what it breaks.
 *
 * Each kernel runs in a sandbox of its own where Linux allows it
 * (../sandbox.ts); elsewhere the run says so once on stderr and in the notes.
 * What is kept of the output is bounded per cell and per submission, and only
 * test cells keep theirs (nothing else is scored).
 */
import { KernelClient, type ExecuteResult, type KernelOptions } from "../../jupyter/kernel-client";
import { hardening } from "../harden";
import { createSandbox, sandboxSupport, type SandboxLimits } from "../sandbox";
import type { SparePool } from "../spares";
import type { Step } from "./assemble";

/** Limits for {@link executePlan}. */
export interface ExecuteLimits {
  /** Time limit per cell. @default 30000 */
  timeoutMs?: number;
  /** Time limit of the grader's own prelude (a fresh kernel's first cell is slow on a loaded machine). @default max(120000, timeoutMs) */
  preludeTimeoutMs?: number;
  /** Restarts allowed before the remaining steps are given up. @default 3 */
  maxRestarts?: number;
  /** Output kept per cell, in characters. @default 1 MiB */
  maxOutputBytes?: number;
  /** Stream lines kept per cell. @default 1000 */
  maxOutputLines?: number;
  /** Output kept for the whole submission, in characters. @default 8 MiB */
  maxSubmissionOutputBytes?: number;
  /** Run each kernel in a sandbox where possible (false: never). @default true */
  sandbox?: boolean;
  /** The sandbox's resource limits. */
  sandboxLimits?: SandboxLimits;
  /** Files to keep out of the sandbox's view even under a folder it binds (the submission, the source). */
  hide?: string[];
  /** Warm spare kernels, started in sandboxes like the one this run would make (`hide`, `sandboxLimits`); sandboxed runs only. */
  spares?: SparePool;
  /** How the kernel is launched (tests pass their own argv). */
  kernel?: KernelOptions;
  signal?: AbortSignal;
  /**
   * Called with each new kernel as soon as it started, while it runs the grader's prelude (the grader's probes attach
   * here); what it resolves to is code run once the prelude ran, before the replay and any student code.
   */
  onKernel?: (kernel: KernelClient) => Promise<string | void>;
}

/** A step and how it ended. */
export interface StepResult {
  step: Step;
  result: ExecuteResult;
}

let toldNoSandbox = false;

/** Without a sandbox: say so once per process on stderr, and in each report (pt-BR). */
function sandboxNote(limits: ExecuteLimits): { sandboxed: boolean; note?: string } {
  if (limits.sandbox === false) return { sandboxed: false };
  const s = sandboxSupport();
  if (s.ok) return { sandboxed: true };
  if (!toldNoSandbox) process.stderr.write(`cdlab grade: ${s.reason}; kernels run unsandboxed\n`);
  toldNoSandbox = true;
  return { sandboxed: false, note: "sem sandbox: o kernel rodou sem isolamento (o corretor não consegue isolar kernels nesta máquina)" };
}

const notRun = (evalue: string): ExecuteResult => ({ status: "died", stdout: "", stderr: "", outputs: [], evalue });

/** Why the prelude failed, in one line, never empty. */
function preludeFailure(r: ExecuteResult, k: KernelClient, ms: number): string {
  if (r.status === "timeout") return `it did not finish within ${ms} ms`;
  const tail = k.processStderr.trim().split("\n").slice(-2).join(" | ");
  if (r.status === "died") return `the kernel exited${tail ? `: ${tail}` : ""}`;
  const first = r.stderr.trim().split("\n")[0];
  return r.evalue || first || `reply status ${r.replyStatus ?? r.status}`;
}

/**
 * Execute every step; never throws because of what the code does.
 *
 * @param steps from {@link assemble}
 * @param limits see {@link ExecuteLimits}
 * @returns one result per step, in order (outputs kept for test steps only), how many kernels were started, and pt-BR notes
 * @throws Error when the grader's own prelude fails (a fault of the grader's machine, not of the submission)
 */
export async function executePlan(steps: Step[], limits: ExecuteLimits = {}): Promise<{ results: StepResult[]; kernelStarts: number; notes: string[] }> {
  const { timeoutMs = 30_000, maxRestarts = 3, signal, maxOutputLines } = limits;
  const { maxOutputBytes = 1 << 20, maxSubmissionOutputBytes = 8 << 20 } = limits;
  const preludeMs = limits.preludeTimeoutMs ?? Math.max(120_000, timeoutMs);
  const h = hardening();
  const { sandboxed, note } = sandboxNote(limits);
  const notes = note ? [note] : [];
  const results: StepResult[] = [];
  const replay: Step[] = [];
  let kernel: KernelClient | undefined;
  let starts = 0;
  let budget = maxSubmissionOutputBytes;
  const opts = () => ({ timeoutMs, signal, maxOutputLines, maxOutputBytes: Math.min(maxOutputBytes, budget) });
  const quiet = { timeoutMs, signal, maxOutputBytes: 0, maxOutputLines: 0 };
  // A sandboxed kernel is killed at once: its namespaces and its group take everything it opened with it, so the
  // second its own shutdown takes to release them would only delay the next submission. Unsandboxed it gets that time.
  const stop = (k: KernelClient) => k.close(sandboxed ? 0 : undefined);

  const boot = async (): Promise<KernelClient> => {
    starts++;
    const sandbox = () => createSandbox({ hide: limits.hide, limits: limits.sandboxLimits });
    // A spare runs the cdlab kernel as a cold start would: not when the caller gives its own command or environment.
    const spares = limits.kernel?.argv || limits.kernel?.env ? undefined : limits.spares;
    const launcher = !sandboxed ? undefined : (spares?.launcher() ?? sandbox());
    const start = (l: typeof launcher) => KernelClient.start({ ...limits.kernel, launcher: l, signal });
    // A spare that died as it was claimed costs a cold start, not the submission; an abort is no such failure (start
    // disposed the spare's sandbox: nothing else is made).
    const retryCold = (e: unknown) => {
      if (signal?.aborted) throw e;
      return start(sandbox());
    };
    const k = await (launcher?.claim ? start(launcher).catch(retryCold) : start(launcher));
    // The hook's own start (a probe process) overlaps the prelude; its code runs after it, its failure is thrown here.
    const attached = Promise.resolve(limits.onKernel?.(k)).then((code) => ({ code }), (error: unknown) => ({ error }));
    const r = await k.execute(h.prelude, { ...quiet, timeoutMs: preludeMs });
    if (r.status !== "ok") {
      const why = preludeFailure(r, k, preludeMs);
      await attached;
      await stop(k);
      // english: the grader's own failure, for the instructor (never kept in a student's feedback)
      throw new Error(`the grading prelude failed: ${why}`);
    }
    const hook = await attached;
    if ("error" in hook) {
      await stop(k);
      throw hook.error;
    }
    if (hook.code) await k.execute(hook.code, { ...quiet, timeoutMs: preludeMs });
    for (const s of replay) {
      await k.execute(s.code, quiet);
      if (!k.alive) break;
    }
    return k;
  };

  try {
    for (const [i, step] of steps.entries()) {
      signal?.throwIfAborted();
      if (!kernel || !kernel.alive) {
        if (kernel) await stop(kernel);
        kernel = undefined;
        if (starts > maxRestarts) {
          results.push({ step, result: notRun("o kernel morreu repetidas vezes; célula não executada") });
          continue;
        }
        kernel = await boot();
      }
      const test = step.kind === "test";
      const code = test ? h.wrap(step.code) : step.code;
      const full = await kernel.execute(code, test ? opts() : quiet);
      budget = Math.max(0, budget - full.stdout.length - full.stderr.length);
      if (full.cutBytes && test) notes.push(`saída cortada: a célula ${step.gradeId ?? i + 1} escreveu demais (${full.cutBytes} caracteres não guardados)`);
      // Only test cells are scored: of the others keep how they ended, not what they printed.
      const result: ExecuteResult = test ? full : { status: full.status, ename: full.ename, evalue: full.evalue, recovered: full.recovered, stdout: "", stderr: "", outputs: [] };
      results.push({ step, result });
      const broken = result.status === "died" || (result.status === "timeout" && !result.recovered) || !kernel.alive;
      if (broken) {
        await stop(kernel);
        kernel = undefined;
      } else if (!test && result.status !== "timeout") {
        replay.push(step);
      }
    }
  } finally {
    if (kernel) await stop(kernel);
  }
  return { results, kernelStarts: starts, notes };
}
