/**
 * The lecture's C examples (`fork()` and the parent → child pipe), compiled
 * with the machine's C compiler and run from a cell. The sources ship with
 * cdlab in `src/proc/c/`. Without a compiler the result says so instead of
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
import crypto from "node:crypto";
import { PACKAGE_ROOT } from "../../runtime/root";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { run } from "../../proc/child";

/** The examples that ship with cdlab. */
export const C_EXAMPLES = ["fork", "pipe"] as const;
/** One of {@link C_EXAMPLES}. */
export type CExample = (typeof C_EXAMPLES)[number];

/** Where the C sources live. */
export const C_SOURCE_DIR = path.join(PACKAGE_ROOT, "src", "lectures", "05-processos", "c");

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir || ".", name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * The C compiler found on PATH (`cc`, `gcc` or `clang`), or undefined.
 * @returns the compiler's path, or undefined when there is none
 * @example
 * ```ts
 * cCompiler(); // "/usr/bin/cc"
 * ```
 */
export function cCompiler(): string | undefined {
  return onPath("cc") ?? onPath("gcc") ?? onPath("clang");
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
  if (!C_EXAMPLES.includes(name)) invalidArg("name", name, `must be one of ${C_EXAMPLES.join(", ")}`);
  return fs.readFileSync(path.join(C_SOURCE_DIR, `${name}.c`), "utf8");
}

/**
 * Compile a C file (cached by content in the temp directory).
 *
 * @param source path of the .c file
 * @param options.signal abort the compilation
 * @returns the executable's path
 * @throws CdlabError `ENOENT` without a compiler, `ERR_COMPILE` with the compiler's first error
 * @example
 * ```ts
 * import { run } from "cdlab/proc";
 * import { compileC } from "./c-examples";
 * const exe = await compileC("/tmp/hello.c");
 * (await run(exe)).stdout;
 * ```
 */
export async function compileC(source: string, options: { signal?: AbortSignal } = {}): Promise<string> {
  const cc = cCompiler();
  if (!cc) throw new CdlabError("ENOENT", "Cannot compile C: no C compiler (cc, gcc or clang) on PATH");
  const text = fs.readFileSync(source);
  const hash = crypto.createHash("sha256").update(text).digest("hex").slice(0, 12);
  const dir = path.join(os.tmpdir(), "cdlab-c");
  fs.mkdirSync(dir, { recursive: true });
  const exe = path.join(dir, `${path.basename(source, ".c")}-${hash}`);
  if (fs.existsSync(exe)) return exe;
  const tmp = `${exe}.${process.pid}.tmp`;
  const r = await run(cc, ["-Wall", "-O1", "-o", tmp, source], { timeout: 60000, signal: options.signal });
  if (r.exitCode !== 0) {
    const first = r.stderr.split("\n").find((l) => /error/.test(l)) ?? r.stderr.trim().split("\n")[0];
    throw new CdlabError("ERR_COMPILE", `Cannot compile ${path.basename(source)}: ${first}`);
  }
  fs.renameSync(tmp, exe);
  return exe;
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
  if (!C_EXAMPLES.includes(name)) invalidArg("name", name, `must be one of ${C_EXAMPLES.join(", ")}`);
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
