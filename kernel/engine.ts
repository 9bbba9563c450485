/**
 * The engine: tslab's executor and converter (used as a library), with what
 * the Jupyter protocol needs around them — compile and runtime errors as
 * Jupyter errors, the last expression as a MIME bundle, interrupt.
 *
 * tslab's executor reports through the console object it is given: diagnostics
 * as `error("%s%d:%d - %s", file, line, col, message)`, a thrown value as
 * `error(value)` and the cell's last value as `log(value)`. We pass our own
 * console and turn these into structured results.
 */
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import vm from "node:vm";
import type { MimeBundle } from "../src/runtime/display";
import type { Engine, Outcome } from "./handler";
import { cellFileName, compileError, INTERRUPTED, runtimeError, type CellSource, type Diag } from "./traceback";

const DIAG_FORMAT = "%s%d:%d - %s";
const WRAPPER = /^\(\s*(async\s+)?function\s*\(exports, require\) \{ /;

/** The TypeScript version tslab compiles with, read without loading TypeScript. */
export function typescriptVersion(): string {
  const main = require.resolve("@tslab/typescript-for-tslab");
  return JSON.parse(fs.readFileSync(path.join(path.dirname(main), "..", "package.json"), "utf8")).version;
}

/** Rich representations of a value: util.inspect text, plus its own MIME data if it has some. */
export function mimeBundle(value: unknown): MimeBundle {
  const bundle: MimeBundle = { "text/plain": util.inspect(value, { depth: 4, maxArrayLength: 100 }) };
  if ((typeof value === "object" && value !== null) || typeof value === "function") {
    const v = value as Record<string | symbol, unknown>;
    try {
      const mime = v[Symbol.for("cdlab.mime")];
      if (typeof mime === "function") Object.assign(bundle, mime.call(value));
      else if (typeof v.toHTML === "function") bundle["text/html"] = String((v.toHTML as () => unknown).call(value));
    } catch {
      /* a broken repr: keep the text */
    }
  }
  return bundle;
}

interface Capture {
  diags: Diag[];
  errors: unknown[];
  hasResult: boolean;
  result?: unknown;
}

/** The tslab-backed engine. */
export interface TslabEngine extends Engine {
  /** Stop the running cell (its pending await rejects with KeyboardInterrupt). */
  interrupt(): void;
  /** Load the TypeScript module alone (the first, shorter part of {@link warm}). */
  loadTypescript(): void;
  /** Load TypeScript and create the converter now (otherwise on first use). */
  warm(): void;
  /** The cells run so far (for tracebacks of errors thrown later in callbacks). */
  readonly cells: ReadonlyMap<number, CellSource>;
  close(): void;
}

/**
 * Create the engine for notebooks in `cwd`.
 *
 * @param onTypescript called once with the TypeScript module when it loads
 * @param protect runs loading TypeScript and compiling a cell where an interrupt must not terminate JavaScript
 */
export function createEngine(cwd: string, onTypescript: (ts: unknown) => void, protect: <T>(fn: () => T) => T = (fn) => fn()): TslabEngine {
  const cells = new Map<number, CellSource>();
  let current: { n: number; ts: string; cap: Capture } | undefined;
  let conv: unknown;
  let executor: import("tslab/dist/executor").Executor | undefined;
  let interruptCell: (() => void) | undefined;

  function load() {
    return executor ?? protect(create);
  }

  function create() {
    const ts = require("@tslab/typescript-for-tslab");
    onTypescript(ts);
    const { createConverter } = require("tslab/dist/converter");
    const { createExecutor } = require("tslab/dist/executor");
    const convs = {
      get node() {
        return (conv ??= guarded(createConverter({ isJS: false, isBrowser: false })));
      },
      get browser() {
        return this.node;
      },
      close() {
        (conv as { close?: () => void } | undefined)?.close?.();
      },
    };
    executor = createExecutor(cwd, convs, {
      log: (value: unknown) => {
        if (!current) return;
        current.cap.hasResult = true;
        current.cap.result = value;
      },
      error: (first: unknown, ...rest: unknown[]) => {
        if (!current) return;
        if (first === DIAG_FORMAT) {
          const [file, line, col, message] = rest as [string, number, number, string];
          current.cap.diags.push({ file: file ? file.trim() : undefined, line: line - 1, column: col - 1, message });
        } else current.cap.errors.push(first);
      },
    }) as import("tslab/dist/executor").Executor;
    convs.node;
    patchRunInThisContext();
    return executor;
  }

  // Compiling, completing and inspecting run in the compiler: never terminated by an interrupt.
  function guarded<C extends object>(c: C): C {
    for (const name of ["convert", "complete", "inspect"] as const) {
      const f = (c as Record<string, unknown>)[name];
      if (typeof f === "function") (c as Record<string, unknown>)[name] = (...args: unknown[]) => protect(() => f.apply(c, args));
    }
    return c;
  }

  // tslab runs each cell with vm.runInThisContext(wrapped, { breakOnSigint }).
  // Give the cell's code a file name (cdlab-cell-N.js) so stack frames say
  // which cell they are in, and remember the JavaScript to map lines back.
  function patchRunInThisContext() {
    const orig = vm.runInThisContext;
    (vm as { runInThisContext: typeof orig }).runInThisContext = function (code: string, options?: vm.RunningScriptOptions | string) {
      if (current && typeof code === "string" && WRAPPER.test(code) && typeof options === "object") {
        cells.set(current.n, { ts: current.ts, js: code });
        return orig.call(vm, code, { ...options, filename: cellFileName(current.n) });
      }
      return orig.call(vm, code, options as vm.RunningScriptOptions);
    };
  }

  function parseErrors(code: string): number {
    const ts = require("@tslab/typescript-for-tslab");
    const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    return sf.parseDiagnostics?.length ?? 0;
  }

  return {
    cells,
    get languageVersion() {
      return typescriptVersion();
    },
    loadTypescript() {
      protect(() => require("@tslab/typescript-for-tslab"));
    },
    warm() {
      load();
    },
    async execute(code: string, n: number): Promise<Outcome> {
      const ex = load();
      const cap: Capture = { diags: [], errors: [], hasResult: false };
      current = { n, ts: code, cap };
      let interrupted = false;
      const stop = new Promise<false>((resolve) => {
        interruptCell = () => {
          interrupted = true;
          resolve(false);
        };
      });
      let ok: boolean;
      try {
        // Start the cell from its own macrotask: a busy loop that the interrupt
        // terminates (Runtime.terminateExecution) then unwinds only that task,
        // while this function is already waiting on the race and sees `stop`.
        // An interrupt that arrives before that task (the kernel was still
        // loading TypeScript) ends the cell without running it.
        const run = new Promise<boolean>((resolve, reject) =>
          setImmediate(() => (interrupted ? resolve(false) : ex.execute(code).then(resolve, reject))),
        );
        ok = await Promise.race([run, stop]);
      } catch (e) {
        ok = false;
        cap.errors.push(e);
      } finally {
        interruptCell = undefined;
      }
      if (current?.cap === cap) current = undefined;
      if (interrupted || cap.errors.some(isInterrupt)) return { status: "error", ...INTERRUPTED };
      if (cap.diags.length) {
        return { status: "error", ...compileError(cap.diags, code, n, parseErrors(code) > 0) };
      }
      if (cap.errors.length) return { status: "error", ...runtimeError(cap.errors[0], cells) };
      if (!ok) return { status: "error", ename: "Error", evalue: "execution failed", traceback: ["Error: execution failed"] };
      return cap.hasResult ? { status: "ok", data: mimeBundle(cap.result) } : { status: "ok" };
    },
    complete(code, pos) {
      try {
        const r = load().complete(code, pos);
        return { start: r.start, end: r.end, matches: r.candidates };
      } catch {
        return { start: pos, end: pos, matches: [] };
      }
    },
    inspect(code, pos) {
      try {
        const info = load().inspect(code, pos);
        if (!info) return undefined;
        const { printQuickInfo } = require("tslab/dist/inspect");
        return printQuickInfo(info) as string;
      } catch {
        return undefined;
      }
    },
    isComplete(code) {
      load();
      const { isCompleteCode } = require("tslab/dist/converter");
      const r = isCompleteCode(code) as { completed: boolean; indent?: string };
      if (!r.completed) return { status: "incomplete", indent: r.indent ?? "" };
      return parseErrors(code) > 0 ? { status: "invalid" } : { status: "complete" };
    },
    interrupt() {
      executor?.interrupt();
      interruptCell?.();
    },
    close() {
      executor?.close();
    },
  };
}

function isInterrupt(e: unknown): boolean {
  const m = e instanceof Error ? e.message : "";
  return m === "Interrupted asynchronously" || /Script execution (was )?interrupted/.test(m);
}
