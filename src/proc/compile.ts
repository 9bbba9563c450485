/**
 * Compiling the lecture's own programs — C (`fork`, `pipe`, the queue server) and Java (`UDPServer`,
 * `TCPClient`…) — with the machine's compilers. A build is cached by the content of its sources in the temp
 * directory, so re-running a cell does not compile again. Without a compiler, {@link compilers} says so; running
 * them is ./compiled-programs.ts (./program.ts starts cdlab's own TypeScript child programs).
 *
 * @example
 * ```ts
 * import { compilers, compileJava } from "cdlab/proc";
 * if (compilers().javac) await compileJava(["/tmp/Hello.java"]);
 * ```
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CdlabError } from "../runtime/errors";
import { run, type RunResult } from "./child";
import { onPath } from "./on-path";

export { onPath } from "./on-path";

/** The compilers (and the Java launcher) this machine has: a path each, or undefined. */
export interface Compilers {
  /** `cc`, `gcc` or `clang`. */
  cc?: string;
  javac?: string;
  java?: string;
}

/**
 * Which compilers are on PATH.
 *
 * @returns a path for each one found
 * @example
 * ```ts
 * import { compilers } from "cdlab/proc";
 * compilers().javac; // "/usr/bin/javac", or undefined without a JDK
 * ```
 */
export function compilers(): Compilers {
  const java = onPath("java");
  const javac = onPath("javac");
  return { cc: onPath("cc") ?? onPath("gcc") ?? onPath("clang"), javac: java && javac, java };
}

/**
 * Build once per content: `out` is a path in the temp directory named after `name` and a hash of `sources`;
 * `build(tmp)` writes the result at `tmp`, which is then renamed to `out` (so two kernels building at once
 * never see half a build).
 */
async function cached(name: string, sources: string[], build: (tmp: string) => Promise<void>): Promise<string> {
  const hash = crypto.createHash("sha256");
  for (const s of sources) hash.update(path.basename(s)).update("\0").update(fs.readFileSync(s));
  const dir = path.join(os.tmpdir(), "cdlab-build");
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${name}-${hash.digest("hex").slice(0, 12)}`);
  if (fs.existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await build(tmp);
    fs.renameSync(tmp, out);
  } catch (e) {
    if (fs.existsSync(out)) return out; // another kernel finished the same build first
    throw e;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

function compileError(what: string, r: RunResult): CdlabError {
  const lines = r.stderr.split("\n");
  const first = lines.find((l) => /error/.test(l)) ?? lines.find((l) => l.trim()) ?? `código de saída ${r.exitCode}`;
  return new CdlabError("ERR_COMPILE", `Não foi possível compilar ${what}: ${first.trim()}`);
}

/**
 * Compile a C file (cached by content).
 *
 * @param source path of the .c file
 * @param options.signal abort the compilation
 * @returns the executable's path
 * @throws CdlabError `ENOENT` without a compiler, `ERR_COMPILE` with the compiler's first error
 * @example
 * ```ts
 * import { compileC, run } from "cdlab/proc";
 * const exe = await compileC("/tmp/hello.c");
 * (await run(exe)).stdout;
 * ```
 */
export function compileC(source: string, options: { signal?: AbortSignal } = {}): Promise<string> {
  const { cc } = compilers();
  if (!cc) throw new CdlabError("ENOENT", "Não é possível compilar C: nenhum compilador C (cc, gcc ou clang) no PATH");
  return cached(path.basename(source, ".c"), [source], async (tmp) => {
    const r = await run(cc, ["-Wall", "-O1", "-o", tmp, source], { timeout: 60000, signal: options.signal });
    if (r.exitCode !== 0) throw compileError(path.basename(source), r);
  });
}

/**
 * Compile Java sources together with `javac` (cached by content).
 *
 * @param sources paths of the .java files
 * @param options.signal abort the compilation
 * @returns the folder of the .class files (the classpath for {@link startJava} and {@link runJava})
 * @throws CdlabError `ENOENT` without a JDK, `ERR_COMPILE` with javac's first error
 * @example
 * ```ts
 * import { compileJava } from "cdlab/proc";
 * const classes = await compileJava(["/tmp/UDPServer.java", "/tmp/UDPClient.java"]);
 * ```
 */
export function compileJava(sources: string[], options: { signal?: AbortSignal } = {}): Promise<string> {
  const { javac } = compilers();
  if (!javac) throw new CdlabError("ENOENT", "Não é possível compilar Java: nenhum JDK (javac e java) no PATH");
  const name = path.basename(sources[0] ?? "java", ".java");
  return cached(`${name}-classes`, sources, async (tmp) => {
    fs.mkdirSync(tmp, { recursive: true });
    const r = await run(javac, ["-encoding", "UTF-8", "-d", tmp, ...sources], { timeout: 120000, signal: options.signal });
    if (r.exitCode !== 0) throw compileError(sources.map((s) => path.basename(s)).join(", "), r);
  });
}
