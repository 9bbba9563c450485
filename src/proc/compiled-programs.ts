/**
 * The lecture's own programs run as child processes (registered handles, closed with the kernel): a compiled
 * Java class, or a whole folder of C or Java programs with their sources — what a notebook shows, then runs.
 *
 * @example
 * ```ts
 * import { javaPrograms } from "cdlab/proc";
 * const java = await javaPrograms("/tmp/java");
 * if (java.available) console.log((await java.run("Hello", [])).stdout);
 * ```
 */
import fs from "node:fs";
import path from "node:path";
import { CdlabError } from "../runtime/errors";
import { run, startChild, type ChildHandle, type ChildOptions, type RunResult } from "./child";
import { compileC, compileJava, compilers } from "./compile";

// Java decodes argv and encodes stdout by the locale: make both UTF-8, and start the JVM quickly.
const JAVA_ENV = { LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };
const JAVA_OPTS = ["-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Xshare:auto", "-XX:TieredStopAtLevel=1"];

function javaArgs(classes: string, className: string, args: string[]): string[] {
  return [...JAVA_OPTS, "-cp", classes, className, ...args];
}

/**
 * Start a compiled Java program as a child process (a registered handle: closed with the kernel).
 *
 * @param classes the folder {@link compileJava} returned
 * @param className the class with `main`
 * @param args its `args[]`
 * @param options as for `startChild` (stdio, timeout — 0 for a server that runs until closed —, label…)
 * @returns the child's handle
 * @example
 * ```ts
 * import { compileJava, startJava } from "cdlab/proc";
 * const classes = await compileJava(["/tmp/UDPServer.java"]);
 * const server = await startJava(classes, "UDPServer", ["6789"], { timeout: 0 });
 * await server.close();
 * ```
 */
export function startJava(classes: string, className: string, args: string[], options: ChildOptions = {}): Promise<ChildHandle> {
  const { java } = compilers();
  if (!java) throw new CdlabError("ENOENT", "Não é possível executar Java: nenhum java no PATH");
  return startChild(java, {
    label: `java ${className} ${args.join(" ")}`.trim(),
    ...options,
    env: { ...(options.env ?? process.env), ...JAVA_ENV },
    args: javaArgs(classes, className, args),
  });
}

/**
 * Run a compiled Java program to its end and capture its output.
 *
 * @param classes the folder {@link compileJava} returned
 * @param className the class with `main`
 * @param args its `args[]`
 * @param options timeout (default 10 s), signal…
 * @returns exit code and the captured stdout/stderr
 * @example
 * ```ts
 * import { compileJava, runJava } from "cdlab/proc";
 * const classes = await compileJava(["/tmp/UDPClient.java"]);
 * (await runJava(classes, "UDPClient", ["olá", "localhost", "6789"])).stdout; // "Reply: olá…"
 * ```
 */
export function runJava(
  classes: string,
  className: string,
  args: string[],
  options: Omit<ChildOptions, "args" | "stdio"> & { input?: string | Buffer } = {},
): Promise<RunResult> {
  const { java } = compilers();
  if (!java) throw new CdlabError("ENOENT", "Não é possível executar Java: nenhum java no PATH");
  return run(java, javaArgs(classes, className, args), { ...options, env: { ...(options.env ?? process.env), ...JAVA_ENV } });
}

/** A folder of the lecture's programs (C or Java), compiled on first use. */
export interface Programs {
  /** False without the compiler: then `note` says so (pt-BR, for the notebook) and `run`/`start` throw `ENOENT`. */
  readonly available: boolean;
  readonly note?: string;
  /** The program names: one per source file (for Java, the class names). */
  readonly names: string[];
  /** The source text of one program, to show it in a cell. */
  source(name: string): string;
  /** Run one to its end and capture its output (default timeout 10 s). */
  run(name: string, args: string[], options?: Omit<ChildOptions, "args" | "stdio"> & { input?: string | Buffer }): Promise<RunResult>;
  /** Start one as a child process (a registered handle); `timeout` defaults to 0 (a server runs until closed). */
  start(name: string, args: string[], options?: ChildOptions): Promise<ChildHandle>;
  /** The command line that runs one, to start it elsewhere (on a virtual host, in a terminal). */
  command(name: string, args: string[]): { command: string; args: string[]; env?: NodeJS.ProcessEnv };
}

/** The Java programs of a folder ({@link javaPrograms}). */
export type JavaPrograms = Programs;

interface Toolchain {
  ext: string;
  available: boolean;
  note: string;
  missing: string;
  /** Compile the folder's sources; returns how to run one program (command and args). */
  build(files: string[]): Promise<(name: string, args: string[]) => { command: string; args: string[]; env?: NodeJS.ProcessEnv }>;
}

async function programs(dir: string, tool: Toolchain): Promise<Programs> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(tool.ext)).sort();
  const names = files.map((f) => f.slice(0, -tool.ext.length));
  const source = (name: string) => {
    if (!names.includes(name)) throw new CdlabError("ERR_INVALID_ARG", `Opção "name" inválida (${JSON.stringify(name)}): esperado um de ${names.join(", ")}`);
    return fs.readFileSync(path.join(dir, name + tool.ext), "utf8");
  };
  const launch = tool.available ? await tool.build(files.map((f) => path.join(dir, f))) : undefined;
  const how = (name: string, args: string[]) => {
    source(name);
    if (!launch) throw new CdlabError("ENOENT", tool.missing);
    return launch(name, args);
  };
  return {
    available: launch !== undefined,
    note: launch ? undefined : tool.note,
    names,
    source,
    run: (name, args, options = {}) => {
      const h = how(name, args);
      return run(h.command, h.args, { ...options, env: { ...(options.env ?? process.env), ...h.env } });
    },
    command: how,
    start: (name, args, options = {}) => {
      const h = how(name, args);
      return startChild(h.command, { label: `${name} ${args.join(" ")}`.trim(), timeout: 0, ...options, args: h.args, env: { ...(options.env ?? process.env), ...h.env } });
    },
  };
}

/**
 * The Java programs of a folder, compiled together with `javac` when the machine has a JDK.
 *
 * @param dir a folder of .java files
 * @returns their sources, and `run`/`start` for each class
 * @example
 * ```ts
 * import { javaPrograms } from "cdlab/proc";
 * const java = await javaPrograms("/tmp/java");
 * if (java.available) console.log((await java.run("Hello", [])).stdout);
 * ```
 */
export function javaPrograms(dir: string): Promise<Programs> {
  const { java, javac } = compilers();
  return programs(dir, {
    ext: ".java",
    available: javac !== undefined,
    note: "Sem JDK nesta máquina (javac e java): os programas Java não foram compilados nem executados.",
    missing: "Não é possível executar Java: nenhum JDK (javac e java) no PATH",
    build: async (files) => {
      const classes = await compileJava(files);
      return (name, args) => ({ command: java!, args: javaArgs(classes, name, args), env: JAVA_ENV });
    },
  });
}

/**
 * The C programs of a folder, each compiled on its own with the machine's C compiler.
 *
 * @param dir a folder of .c files (each a program with its own `main`)
 * @returns their sources, and `run`/`start` for each
 * @example
 * ```ts
 * import { cPrograms } from "cdlab/proc";
 * const c = await cPrograms("/tmp/c");
 * if (c.available) console.log((await c.run("hello", [])).stdout);
 * ```
 */
export function cPrograms(dir: string): Promise<Programs> {
  return programs(dir, {
    ext: ".c",
    available: compilers().cc !== undefined,
    note: "Sem compilador C nesta máquina (cc, gcc ou clang): os programas em C não foram compilados nem executados.",
    missing: "Não é possível compilar C: nenhum compilador C (cc, gcc ou clang) no PATH",
    build: async (files) => {
      const exes = new Map<string, string>();
      for (const f of files) exes.set(path.basename(f, ".c"), await compileC(f));
      return (name, args) => ({ command: exes.get(name)!, args });
    },
  });
}
