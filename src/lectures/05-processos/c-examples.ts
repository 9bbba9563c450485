/**
 * The lecture's C examples (`fork()` and the parent → child pipe), compiled
 * with the machine's C compiler and run from a cell. The sources ship with
 * cdlab in `c/` beside this file. Without a compiler the result says so instead of
 * failing.
 *
 * @example
 * ```ts
 * const r = await runCExample("pipe");
 * console.log(r.available ? r.stdout : r.note);
 * ```
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../../runtime/root";
import { invalidArg } from "../../runtime/errors";
import { run } from "../../proc/child";
import { compileC, compilers } from "../../proc/compile";

export { compileC };

/** The examples that ship with cdlab. */
export const C_EXAMPLES = ["fork", "pipe"] as const;
/** One of {@link C_EXAMPLES}. */
export type CExample = (typeof C_EXAMPLES)[number];

/** Where the C sources live. */
export const C_SOURCE_DIR = path.join(PACKAGE_ROOT, "src", "lectures", "05-processos", "c");

/**
 * The C compiler found on PATH (`cc`, `gcc` or `clang`), or undefined.
 * @returns the compiler's path, or undefined when there is none
 * @example
 * ```ts
 * cCompiler(); // "/usr/bin/cc"
 * ```
 */
export function cCompiler(): string | undefined {
  return compilers().cc;
}

/**
 * The source text of an example, to show it next to its output.
 *
 * @param name "fork" or "pipe"
 * @returns the C source
 * @example
 * ```ts
 * import { display } from "cdlab";
 * import { cExampleSource } from "./c-examples";
 * display.markdown("```c\n" + cExampleSource("pipe") + "```");
 * ```
 */
export function cExampleSource(name: CExample): string {
  if (!C_EXAMPLES.includes(name)) invalidArg("name", name, `esperado um de ${C_EXAMPLES.join(", ")}`);
  return fs.readFileSync(path.join(C_SOURCE_DIR, `${name}.c`), "utf8");
}

/** What {@link runCExample} returns. */
export interface CExampleResult {
  name: CExample;
  /** False when there is no C compiler: then `note` says so. */
  available: boolean;
  note?: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** Extra output: the file the fork example's processes both wrote. */
  file?: string;
}

/**
 * Compile and run one of the lecture's C examples.
 *
 * @param name "fork" (data copied, file offset shared) or "pipe" (parent → child "hello world")
 * @param options.signal abort
 * @returns its output, or `available: false` with a note when no compiler is present
 * @example
 * ```ts
 * (await runCExample("fork")).stdout;
 * ```
 */
export function runCExample(name: CExample, options: { signal?: AbortSignal } = {}): Promise<CExampleResult> {
  if (!C_EXAMPLES.includes(name)) invalidArg("name", name, `esperado um de ${C_EXAMPLES.join(", ")}`);
  return compileAndRun(name, options);
}

async function compileAndRun(name: CExample, options: { signal?: AbortSignal }): Promise<CExampleResult> {
  if (!cCompiler())
    return { name, available: false, note: "Sem compilador C nesta máquina (cc/gcc/clang): o exemplo em C foi pulado; a versão em Node acima mostra o mesmo", stdout: "", stderr: "", exitCode: null };
  const exe = await compileC(path.join(C_SOURCE_DIR, `${name}.c`), options);
  const file = name === "fork" ? path.join(os.tmpdir(), `cdlab-fork-${process.pid}.txt`) : undefined;
  try {
    const r = await run(exe, file ? [file] : [], { timeout: 10000, signal: options.signal });
    return { name, available: true, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, file: file ? fs.readFileSync(file, "utf8") : undefined };
  } finally {
    if (file) fs.rmSync(file, { force: true });
  }
}
