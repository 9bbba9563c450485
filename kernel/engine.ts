/**
 * The engine: tslab's executor and converter (used as a library, through
 * tslab.ts), with what the Jupyter protocol needs around them — compile and
 * runtime errors as Jupyter errors, the last expression as a MIME bundle,
 * interrupt.
 */
import util from "node:util";
import { NO_ECHO, type MimeBundle } from "../src/runtime/display";
import { alertSync, confirmSync, promptSync } from "../src/runtime/input";
import type { Engine, Outcome } from "./handler";
import { cellFileName, compileError, INTERRUPTED, runtimeError, type CellSource, type Diag } from "./traceback";
import * as tslab from "./tslab";

export { typescriptVersion } from "./tslab";

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

/**
 * The browser's `prompt`, `confirm` and `alert` as globals of every cell
 * (synchronous: they block the main thread until the student answers; see
 * src/runtime/input.ts). Their types come from kernel/cell-types, which
 * resolve.ts adds to the cells' program.
 */
export function installCellGlobals(): void {
  Object.assign(globalThis, { prompt: promptSync, confirm: confirmSync, alert: alertSync });
}

/**
 * What a cell's top-level `using` and `await using` declared (tslab.ts
 * turns them into calls of the global {@link tslab.CELL_USING}), disposed
 * in reverse order at the end of the cell, as at the end of a block.
 */
export class CellDisposables {
  private stack: { value: unknown; isAwait: boolean }[] = [];

  constructor() {
    Object.assign(globalThis, { [tslab.CELL_USING]: (value: unknown, isAwait: boolean) => this.add(value, isAwait) });
  }

  add<T>(value: T, isAwait: boolean): T {
    if (value === null || value === undefined) return value;
    const v = value as { [Symbol.dispose]?: unknown; [Symbol.asyncDispose]?: unknown };
    if (typeof (isAwait ? (v[Symbol.asyncDispose] ?? v[Symbol.dispose]) : v[Symbol.dispose]) !== "function") {
      throw new TypeError(isAwait ? "O valor de 'await using' não tem o método [Symbol.asyncDispose]()" : "O valor de 'using' não tem o método [Symbol.dispose]()");
    }
    this.stack.push({ value, isAwait });
    return value;
  }

  /** Dispose of everything the cell declared, last first. @returns the errors thrown */
  async disposeAll(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (let r = this.stack.pop(); r; r = this.stack.pop()) {
      const v = r.value as { [Symbol.dispose]?: () => unknown; [Symbol.asyncDispose]?: () => unknown };
      try {
        if (r.isAwait) await (v[Symbol.asyncDispose] ?? v[Symbol.dispose])!.call(v);
        else v[Symbol.dispose]!.call(v);
      } catch (e) {
        errors.push(e);
      }
    }
    return errors;
  }
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
export function createEngine(cwd: string, onTypescript: (ts: tslab.TypeScript) => void, protect: <T>(fn: () => T) => T = (fn) => fn()): TslabEngine {
  const cells = new Map<number, CellSource>();
  installCellGlobals();
  const disposables = new CellDisposables();
  let current: { n: number; ts: string; cap: Capture } | undefined;
  let executor: tslab.Executor | undefined;
  let interruptCell: (() => void) | undefined;

  function load() {
    return executor ?? protect(create);
  }

  function create() {
    onTypescript(tslab.loadTypescript());
    executor = tslab.createExecutor(
      cwd,
      {
        diag: (d) => current?.cap.diags.push(d),
        error: (value) => current?.cap.errors.push(value),
        result: (value) => {
          // A display handle as the last expression: the display was the output.
          if (!current || (typeof value === "object" && value !== null && NO_ECHO in value)) return;
          current.cap.hasResult = true;
          current.cap.result = value;
        },
      },
      guarded,
    );
    // Give the cell's code a file name (cdlab-cell-N.js) so stack frames say
    // which cell they are in, and remember the JavaScript to map lines back.
    tslab.nameCellScripts((js) => {
      if (!current) return undefined;
      cells.set(current.n, { ts: current.ts, js });
      return cellFileName(current.n);
    });
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

  return {
    cells,
    get languageVersion() {
      return tslab.typescriptVersion();
    },
    loadTypescript() {
      protect(() => tslab.loadTypescript());
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
      // The cell's `using` declarations end with it (not awaited after an interrupt: the registry interrupts what the cell opened).
      const disposing = disposables.disposeAll();
      if (!interrupted) cap.errors.push(...(await disposing));
      if (current?.cap === cap) current = undefined;
      if (interrupted || cap.errors.some(tslab.isInterrupt)) return { status: "error", ...INTERRUPTED };
      if (cap.diags.length) {
        return { status: "error", ...compileError(cap.diags, code, n, tslab.parseErrorCount(code) > 0) };
      }
      if (cap.errors.length) return { status: "error", ...runtimeError(cap.errors[0], cells) };
      if (!ok) return { status: "error", ename: "Error", evalue: "a execução falhou", traceback: ["Error: a execução falhou"] };
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
        return tslab.printQuickInfo(info);
      } catch {
        return undefined;
      }
    },
    isComplete(code) {
      load();
      const r = tslab.isCompleteCode(code);
      if (!r.completed) return { status: "incomplete", indent: r.indent ?? "" };
      return tslab.parseErrorCount(code) > 0 ? { status: "invalid" } : { status: "complete" };
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

