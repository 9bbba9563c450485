/**
 * The adapter to tslab: the only file that requires tslab's private modules
 * (`tslab/dist/*`), its TypeScript (`@tslab/typescript-for-tslab`) or relies on
 * tslab's internal formats. Every other kernel file goes through it.
 * test/kernel/tslab-contract.test.ts has one test per item below, so a tslab
 * (or Node, or TypeScript) upgrade that changes one breaks a named test, not a
 * notebook.
 *
 * What cdlab relies on:
 * - private modules: {@link MODULES} (`createExecutor`, `createConverter`,
 *   `isCompleteCode`, `printQuickInfo`, the writable `lastWriteDisplayData`
 *   that tslab's public `display` calls);
 * - TypeScript: the package `@tslab/typescript-for-tslab` (version read from its
 *   package.json, one folder above its main file), its `ts.sys` that tslab's
 *   converter reads files through at call time (patched by resolve.ts), and
 *   the internal `SourceFile.parseDiagnostics`;
 * - formats: the executor's console calls ({@link DIAG_FORMAT} for a
 *   diagnostic, `error(value)` for a throw, `log(value)` for the last value),
 *   the wrapper tslab puts around a cell's JavaScript ({@link CELL_WRAPPER}) and
 *   runs with `vm.runInThisContext`, the `exports.x = …` lines of its emit
 *   ({@link EXPORTED_VALUE}, used by traceback.ts to map lines back);
 * - error texts: tslab's {@link TSLAB_INTERRUPTED} and Node's vm interrupt
 *   ({@link VM_INTERRUPTED}).
 *
 * Patched globals, all in this file but the last two: `vm.runInThisContext`
 * ({@link nameCellScripts}), tslab's `lastWriteDisplayData`
 * ({@link routeTslabDisplay}), methods of tslab's `ts.sys` (resolve.ts, on the
 * module {@link loadTypescript} returns); not tslab's: `Module._resolveFilename`
 * (resolve.ts) and `process.stdout/stderr.write` (main.ts).
 */
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import type { ConsoleInterface, ConverterSet, Executor } from "tslab/dist/executor";
import type { Converter, IsCompleteResult } from "tslab/dist/converter";

/** The TypeScript package tslab compiles with. */
export const TYPESCRIPT = "@tslab/typescript-for-tslab";

/** tslab's private modules cdlab requires, by what it takes from each. */
export const MODULES = {
  /** `createExecutor(rootDir, convs, console)`. */
  executor: "tslab/dist/executor",
  /** `createConverter(options)`, `isCompleteCode(code)`. */
  converter: "tslab/dist/converter",
  /** `printQuickInfo(info)`. */
  inspect: "tslab/dist/inspect",
  /** `lastWriteDisplayData`, read by tslab's public `display`. */
  jupyter: "tslab/dist/jupyter",
} as const;

/** The format string of the executor's `console.error` for one diagnostic: file (with a trailing space, or ""), line, column (1-based), message. */
export const DIAG_FORMAT = "%s%d:%d - %s";

/** The start of the JavaScript tslab runs for a cell: `(function(exports, require) { …` (async with top-level await). */
export const CELL_WRAPPER = /^\(\s*(async\s+)?function\s*\(exports, require\) \{ /;

/** The start of a line of tslab's emitted JavaScript that stores a value: `exports.x = …` (a declaration, or `exports.tsLastExpr = …` for the last expression). */
export const EXPORTED_VALUE = /^\s*exports\.\w+\s*=\s*/;

/** tslab's message when `executor.interrupt()` rejects a cell's pending await. */
export const TSLAB_INTERRUPTED = "Interrupted asynchronously";

/** Node's message when `vm.runInThisContext(code, { breakOnSigint: true })` is stopped by SIGINT. */
export const VM_INTERRUPTED = /Script execution (was )?interrupted/;

/** tslab's TypeScript module. */
export type TypeScript = typeof import("@tslab/typescript-for-tslab");

/** Load tslab's TypeScript (about 0.15 s the first time). */
export function loadTypescript(): TypeScript {
  return require(TYPESCRIPT);
}

/** The TypeScript version tslab compiles with, read without loading TypeScript. */
export function typescriptVersion(): string {
  const main = require.resolve(TYPESCRIPT);
  return JSON.parse(fs.readFileSync(path.join(path.dirname(main), "..", "package.json"), "utf8")).version;
}

/** How many syntax errors TypeScript finds in `code` (its internal `SourceFile.parseDiagnostics`). */
export function parseErrorCount(code: string): number {
  const ts = loadTypescript();
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return (sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length ?? 0;
}

/** One TypeScript diagnostic as tslab reports it (zero-based line and column). */
export interface Diag {
  file?: string;
  line: number;
  column: number;
  message: string;
  code?: number;
}

/** What the executor reports about a cell, decoded from its console calls. */
export interface ExecutorReport {
  /** A compile diagnostic (zero-based line and column). */
  diag(d: Diag): void;
  /** A value the cell threw (or its await rejected with). */
  error(value: unknown): void;
  /** The cell's last expression. */
  result(value: unknown): void;
}

/** The console object tslab's executor writes to, turned into {@link ExecutorReport} calls. */
export function executorConsole(report: ExecutorReport): ConsoleInterface {
  return {
    log: (value: unknown) => report.result(value),
    error: (first: unknown, ...rest: unknown[]) => {
      if (first === DIAG_FORMAT) {
        const [file, line, col, message] = rest as [string, number, number, string];
        report.diag({ file: file ? file.trim() : undefined, line: line - 1, column: col - 1, message });
      } else report.error(first);
    },
  };
}

/** The executor and what completes and documents code. */
export type { Executor };

/**
 * Create tslab's executor for notebooks in `cwd` (loads TypeScript and builds
 * the converter: about a second).
 *
 * @param wrap applied to the converter once created (e.g. to guard its methods)
 */
export function createExecutor(cwd: string, report: ExecutorReport, wrap: (c: Converter) => Converter = (c) => c): Executor {
  const { createConverter } = require(MODULES.converter) as typeof import("tslab/dist/converter");
  const { createExecutor: create } = require(MODULES.executor) as typeof import("tslab/dist/executor");
  let conv: Converter | undefined;
  const convs: ConverterSet = {
    get node() {
      return (conv ??= wrap(createConverter({ isJS: false, isBrowser: false })));
    },
    get browser() {
      return this.node;
    },
    close() {
      conv?.close();
    },
  };
  const executor = create(cwd, convs, executorConsole(report));
  void convs.node;
  return executor;
}

/** Is `e` the error of an interrupted cell (tslab's async interrupt or Node's vm SIGINT)? */
export function isInterrupt(e: unknown): boolean {
  const m = e instanceof Error ? e.message : "";
  return m === TSLAB_INTERRUPTED || VM_INTERRUPTED.test(m);
}

/** tslab's text for the documentation at a position (`executor.inspect` result). */
export function printQuickInfo(info: Parameters<typeof import("tslab/dist/inspect").printQuickInfo>[0]): string {
  return (require(MODULES.inspect) as typeof import("tslab/dist/inspect")).printQuickInfo(info);
}

/** tslab's check of whether a cell is complete (or waits for more lines). */
export function isCompleteCode(code: string): IsCompleteResult {
  return (require(MODULES.converter) as typeof import("tslab/dist/converter")).isCompleteCode(code);
}

/**
 * Give each cell's JavaScript a file name of its own: tslab runs a cell with
 * `vm.runInThisContext(wrapped, options)`; for code that starts with
 * {@link CELL_WRAPPER}, `name(code)` may return the file name to run it under
 * (undefined: run it as tslab asked). Installs the patch once per call.
 *
 * @returns a function that removes the patch
 */
export function nameCellScripts(name: (code: string) => string | undefined): () => void {
  const orig = vm.runInThisContext;
  const patched = function (code: string, options?: vm.RunningScriptOptions | string) {
    if (typeof code === "string" && typeof options === "object" && CELL_WRAPPER.test(code)) {
      const filename = name(code);
      if (filename !== undefined) return orig.call(vm, code, { ...options, filename });
    }
    return orig.call(vm, code, options as vm.RunningScriptOptions);
  } as typeof orig;
  (vm as { runInThisContext: typeof orig }).runInThisContext = patched;
  return () => {
    if (vm.runInThisContext === patched) (vm as { runInThisContext: typeof orig }).runInThisContext = orig;
  };
}

/** A display as tslab's public `display` hands it over. */
export interface TslabDisplay {
  data: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** Route tslab's own `display` (`import { display } from "tslab"`) to `show`. */
export function routeTslabDisplay(show: (d: TslabDisplay, update?: boolean) => void): void {
  const jupyter = require(MODULES.jupyter) as { lastWriteDisplayData: unknown };
  jupyter.lastWriteDisplayData = show;
}
