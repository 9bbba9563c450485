/**
 * Pipelines like the shell's `who | sort | lpr`: N child processes, each
 * one's stdout joined to the next one's stdin by a real kernel pipe.
 *
 * @example
 * ```ts
 * const r = await runPipeline([["printf", "b\\na\\n"], ["sort"]]);
 * r.output; // "a\nb\n"
 * ```
 */
import { startChild, run, type ChildHandle, type ChildResult } from "../proc/child";
import { entryFile, programArgs } from "../proc/program";
import { invalidArg } from "../runtime/errors";
import { pipe, type Pipe } from "./pipe";

/** One stage of a finished pipeline. */
export interface StageResult extends ChildResult {
  /** What the stage's fd 0 and fd 1 were: `pipe:[inode]`, "nada" or "cdlab". */
  stdin: string;
  stdout: string;
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  /** Stop every stage after this many ms. @default 10000 */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Run commands joined by real pipes, like `a | b | c` in a shell, and collect
 * the last stage's output.
 *
 * @param stages each stage as `[command, ...args]`
 * @param options timeout and abort signal
 * @returns every stage's PID, exit status and pipe ids, and the final output
 * @throws CdlabError `ENOENT` when a command is not found (the stages already started are stopped)
 * @example
 * ```ts
 * (await runPipeline([["ls", "/"], ["wc", "-l"]])).output;
 * ```
 */
export async function runPipeline(stages: string[][], options: PipelineOptions = {}) {
  if (!Array.isArray(stages) || stages.length === 0 || stages.some((s) => !Array.isArray(s) || s.length === 0 || s.some((a) => typeof a !== "string")))
    invalidArg("stages", stages, 'esperada uma lista não vazia de [comando, ...args], por exemplo [["who"], ["sort"]]');
  const { timeout = 10000, signal } = options;
  const pipes: Pipe[] = [];
  const children: ChildHandle[] = [];
  try {
    for (let i = 0; i < stages.length - 1; i++) pipes.push(await pipe({ signal }));
    for (let i = 0; i < stages.length; i++) {
      const stdin = i === 0 ? "ignore" : pipes[i - 1].readFd!;
      const stdout = i === stages.length - 1 ? "pipe" : pipes[i].writeFd!;
      const [command, ...args] = stages[i];
      children.push(await startChild(command, { args, stdio: [stdin, stdout, "pipe"], timeout, signal }));
    }
    // The parent keeps no end: every pipe is now only between two children,
    // so each reader sees EOF when its writer exits.
    for (const p of pipes) await p.close();
    const last = children[children.length - 1];
    const out: Buffer[] = [];
    last.child.stdout!.on("data", (b: Buffer) => out.push(b));
    const errs = children.map((c) => {
      const e: Buffer[] = [];
      c.child.stderr!.on("data", (b: Buffer) => e.push(b));
      return e;
    });
    const results = await Promise.all(children.map((c) => c.result));
    const stageResults: StageResult[] = results.map((r, i) => ({
      ...r,
      stdin: i === 0 ? "nada" : pipes[i - 1].id,
      stdout: i === stages.length - 1 ? "cdlab" : pipes[i].id,
    }));
    return { stages: stageResults, output: Buffer.concat(out).toString(), errors: errs.map((e) => Buffer.concat(e).toString()) };
  } finally {
    await Promise.all(children.map((c) => c.close()));
    for (const p of pipes) await p.close();
  }
}

/** Realistic `who` lines, for machines where nobody is logged in (containers). */
export const WHO_LINES = [
  "maria    pts/0        2026-03-09 08:02 (10.0.0.21)",
  "joao     pts/1        2026-03-09 08:05 (10.0.0.34)",
  "ana      tty1         2026-03-09 07:58",
  "carlos   pts/2        2026-03-09 08:11 (10.0.0.17)",
  "beatriz  pts/3        2026-03-09 08:13 (10.0.0.52)",
];

/**
 * The lecture's `who | sort | lpr`, as three processes joined by two pipes.
 * `lpr` needs a printer, so the last stage is a stand-in (lpr-stand-in-main.ts) that "prints" to the
 * notebook; when `who` lists nobody (a container has no logins) the first stage
 * prints {@link WHO_LINES} instead. `notes` says which stand-ins were used.
 *
 * @returns the stages (PID, pipes, exit status), the printed page and the notes
 * @example
 * ```ts
 * const r = await whoSortLpr();
 * console.log(r.output);
 * ```
 */
export async function whoSortLpr(options: PipelineOptions = {}) {
  const notes: string[] = ["lpr precisa de uma impressora: o último estágio é uma impressora simulada (um processo node que lê o pipe até EOF)"];
  let who = ["who"];
  let whoShown = "who";
  const real = await run("who", [], { timeout: 5000 }).catch(() => undefined);
  if (!real || real.exitCode !== 0 || real.stdout.trim() === "") {
    who = ["printf", "%s\\n", ...WHO_LINES];
    whoShown = "who (simulado: printf)";
    notes.push("who não listou ninguém nesta máquina (contêiner sem logins): o primeiro estágio imprime linhas realistas com printf");
  }
  const r = await runPipeline([who, ["sort"], [process.execPath, ...programArgs(entryFile(__dirname, "lpr-stand-in-main"))]], options);
  r.stages[0].command = whoShown;
  r.stages[2].command = "lpr (simulado)";
  return { ...r, notes };
}
