// Longer than 300 lines: one adapter for every tslab internal cdlab relies on, each documented here and pinned by tslab-contract.test.ts
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
import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import { kernelSnapshot } from "./snapshot";
import type { ConsoleInterface, ConverterSet, Executor } from "tslab/dist/executor";
import type { Converter, IsCompleteResult } from "tslab/dist/converter";

/** The TypeScript package cells compile with: the one the project pins. */
export const TYPESCRIPT = "typescript";

/**
 * The package tslab requires for its TypeScript: a fork of TypeScript 5.0.4
 * whose only changes are a few exports ({@link forTslab}) and the compiler
 * option `disableTopLevelAwait`. Its module is replaced, in `require.cache`,
 * by the project's TypeScript with those exports added.
 */
export const TSLAB_TYPESCRIPT = "@tslab/typescript-for-tslab";

/** The libraries cells compile against: what Node 20 runs (ES2023: `toSorted`…) and `Symbol.asyncDispose` (`await using`). */
export const CELL_LIB = ["lib.es2023.d.ts", "lib.esnext.disposable.d.ts"];

/**
 * The type packages every cell sees: Node's and the kernel's globals (resolve.ts maps both under the
 * notebook's folder). Other `@types` packages found around the notebook (mocha, chai… in a checkout) are
 * not loaded into every cell; a package's types still come with an `import` of it.
 */
export const CELL_TYPES = ["node", "cdlab-cell"];

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

/** The TypeScript module cells compile with. */
export type TypeScript = typeof import("typescript");

let shim: TypeScript | undefined;
let lastProgram: import("typescript").Program | undefined;

let programsBuilt = 0;

/** The program of the last cell compiled (snapshot-build.ts lists its files). */
export function lastCellProgram(): import("typescript").Program | undefined {
  return lastProgram;
}

/** How many programs the cells' compiler has built in this process (one per cell compiled, and one at start). */
export function cellProgramsBuilt(): number {
  return programsBuilt;
}

/**
 * Load the project's TypeScript (about 0.2 s the first time; none from the
 * startup snapshot, which holds it: snapshot.ts) and make it the one tslab
 * requires: {@link TSLAB_TYPESCRIPT}'s module becomes a copy of it with what
 * tslab's converter takes from the fork ({@link forTslab}).
 */
export function loadTypescript(): TypeScript {
  if (shim) return shim;
  const ts = kernelSnapshot()?.ts ?? (require(TYPESCRIPT) as TypeScript);
  shim = forTslab(ts);
  const forkPath = require.resolve(TSLAB_TYPESCRIPT);
  const m = new Module(forkPath, module);
  Object.assign(m, { filename: forkPath, loaded: true, exports: shim });
  require.cache[forkPath] = m;
  return shim;
}

/** The TypeScript version cells compile with, read without loading TypeScript. */
export function typescriptVersion(): string {
  return JSON.parse(fs.readFileSync(require.resolve(`${TYPESCRIPT}/package.json`), "utf8")).version;
}

/**
 * `ts` with what tslab's converter and metadata take from its fork, added (`ts` itself is left as it is, but for the shared `ts.sys`).
 * An object that inherits from `ts` (copying TypeScript's ~2,200 exports cost ~15 ms at start), marked `__esModule` so that
 * tslab's modules (`__importStar(require(…))`) use it as it is instead of each copying its exports again.
 */
export function forTslab(ts: TypeScript): TypeScript {
  const t = ts as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const props: PropertyDescriptorMap = { __esModule: { value: true } };
  const add = (name: string, value: unknown) => (props[name] = { value, enumerable: true });
  add("Completions", {
    ...t.Completions,
    // The fork's name for the internal getCompletionsAtPosition without a format context.
    getCompletionsAtPositionForTslab: (...a: unknown[]) => t.Completions.getCompletionsAtPosition(...a.slice(0, 9), undefined),
  });
  add("getNullTransformationContext", () => t.nullTransformationContext);
  add("getDefaultTypeRoots", (dir: string, host: { directoryExists?(p: string): boolean }) => {
    const roots: string[] = [];
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      const atTypes = path.join(d, "node_modules", "@types");
      if (!host.directoryExists || host.directoryExists(atTypes)) roots.push(atTypes);
      if (!host.directoryExists || path.dirname(d) === d) break;
    }
    return roots.length ? roots : undefined;
  });
  add("getQuickInfoAtPosition", (sf: import("typescript").SourceFile, checker: import("typescript").TypeChecker, _c: unknown, pos: number) => {
    const touching = t.getTouchingPropertyName(sf, pos) as import("typescript").Node;
    if (touching === sf) return undefined;
    const node = ts.isNewExpression(touching.parent) && touching.pos === touching.parent.pos ? touching.parent.expression : touching;
    const symbol = checker.getSymbolAtLocation(node);
    const span = t.createTextSpanFromNode(node, sf);
    if (!symbol) {
      const type = ts.isIdentifier(node) || node.kind === ts.SyntaxKind.ThisKeyword ? checker.getTypeAtLocation(node) : undefined;
      if (!type) return undefined;
      return { kind: "", kindModifiers: "", textSpan: span, displayParts: t.typeToDisplayParts(checker, type, t.getContainerNode(node)), documentation: type.symbol?.getDocumentationComment(checker), tags: type.symbol?.getJsDocTags(checker) };
    }
    const d = t.SymbolDisplay.getSymbolDisplayPartsDocumentationAndSymbolKind(checker, symbol, sf, t.getContainerNode(node), node);
    return { kind: d.symbolKind, kindModifiers: t.SymbolDisplay.getSymbolModifiers(checker, symbol), textSpan: span, displayParts: d.displayParts, documentation: d.documentation, tags: d.tags };
  });
  add("getPreEmitDiagnosticsOfFiles", (program: import("typescript").Program, files: import("typescript").SourceFile[]) => {
    const all: import("typescript").Diagnostic[] = [...program.getConfigFileParsingDiagnostics(), ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    for (const f of files) {
      all.push(...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f));
      if (program.getCompilerOptions().declaration) all.push(...program.getDeclarationDiagnostics(f));
      if (path.basename(f.fileName) === CELL_FILE) all.push(...topLevelAwaits(ts, f));
    }
    return ts.sortAndDeduplicateDiagnostics(all);
  });
  // The compiler options of tslab's converter, with today's libraries, and its emit with `using` kept at the cell's top level.
  add("createWatchCompilerHost", (roots: unknown, options: unknown, ...rest: unknown[]) => {
    if (!Array.isArray(roots)) return t.createWatchCompilerHost(roots, options, ...rest);
    // libReplacement off: TypeScript would otherwise look for an `@typescript/lib-*` package for every `/// <reference lib>` (~40 ms at start, and folders to watch).
    const cellOptions = { ...(options as object), lib: CELL_LIB, types: CELL_TYPES, libReplacement: false };
    kernelSnapshot()?.accept(cellOptions);
    const cellPath = roots.find((r) => path.basename(String(r)) === CELL_FILE) as string | undefined;
    const system = rest[0] as { readFile(p: string, encoding?: string): string | undefined } | undefined;
    if (cellPath && system && typeof system.readFile === "function") cellExportsAhead(ts, system, cellPath, cellOptions);
    const host = t.createWatchCompilerHost(roots, cellOptions, ...rest);
    oneTimerAtATime(host);
    unwatchedSnapshotFiles(host);
    let created: ((b: import("typescript").BuilderProgram) => void) | undefined;
    let built: import("typescript").BuilderProgram | undefined; // the last builder the watch made, as tslab got it
    Object.defineProperty(host, "afterProgramCreate", {
      get: () => created,
      set: (f: typeof created) => {
        created =
          f &&
          ((b) => {
            lastProgram = b.getProgram();
            programsBuilt++;
            f((built = withCellUsing(ts, b)));
          });
        // The watch builds nothing when the files it was told changed read as its program already has them (a
        // cell's second update, see cellExportsAhead); tslab's converter then wants a builder object of its own.
        if (f) sameProgramAnnounced(host, () => built, f);
      },
    });
    return host;
  });
  return Object.create(ts, props) as TypeScript;
}

/** Is a cell being compiled to run (tslab's `convert`), not completed or inspected? */
let compilingCell = false;

/**
 * The top-level names a cell declares (its `locals` as the compiler binds it: imports, variables, functions,
 * classes…), in the order tslab's converter lists them.
 */
export function cellLocals(ts: TypeScript, file: string, text: string, options: import("typescript").CompilerOptions): string[] {
  const sf = ts.createSourceFile(file, text, { languageVersion: options.target ?? ts.ScriptTarget.ES2022 }, false, ts.ScriptKind.TS);
  (ts as unknown as { bindSourceFile(sf: import("typescript").SourceFile, o: import("typescript").CompilerOptions): void }).bindSourceFile(sf, options);
  const locals = (sf as unknown as { locals?: Map<string, unknown> }).locals;
  return locals ? [...locals.keys()] : [];
}

/** The line tslab's converter appends to a cell that declares `names`, so that the next cells see them. */
export const cellExportLine = (names: readonly string[]): string => `\nexport {${names.join(", ")}}`;

/**
 * tslab's converter compiles a cell that declares anything twice: once to learn its top-level names, then again with
 * {@link cellExportLine} appended (a whole new program, its builder state and type checker: ~25 ms per cell, about a
 * fifth of a graded submission's compile time). Here, while a cell is converted, the cell file reads with that line
 * already appended (the names found by binding the cell alone, as the compiler binds it), so the first program is
 * already the final one and the second update finds nothing changed. A text tslab suffixed differently is read as it
 * is (compiled twice, as before).
 */
function cellExportsAhead(ts: TypeScript, system: { readFile(p: string, encoding?: string): string | undefined }, cellPath: string, options: import("typescript").CompilerOptions): void {
  const read = system.readFile;
  let last: { text: string; withExports: string } | undefined;
  system.readFile = function (this: unknown, p: string, encoding?: string) {
    const text = read.call(this, p, encoding);
    if (p !== cellPath || text === undefined || !compilingCell) return text;
    if (last && (text === last.text || text === last.withExports)) return last.withExports;
    if (last && text.startsWith(last.text + "\nexport {")) return text;
    const names = cellLocals(ts, p, text, options);
    last = { text, withExports: names.length ? text + cellExportLine(names) : text };
    return last.withExports;
  };
}

/**
 * After each run of the watch's update timer that built no new program, hand tslab's converter (`announce`) a fresh
 * object for the same builder: it checks that an update it asked for replaced its builder (and prints a warning into
 * the cell otherwise).
 */
function sameProgramAnnounced(host: { setTimeout?: (cb: (...a: unknown[]) => void, ms: number, ...a: unknown[]) => unknown }, current: () => import("typescript").BuilderProgram | undefined, announce: (b: import("typescript").BuilderProgram) => void): void {
  const set = host.setTimeout;
  if (!set || (set as { sameProgram?: true }).sameProgram) return;
  const wrapped = (cb: (...a: unknown[]) => void, ms: number, ...args: unknown[]) =>
    set((...a: unknown[]) => {
      const before = current();
      cb(...a);
      const now = current();
      if (compilingCell && now && now === before) announce(Object.create(now) as import("typescript").BuilderProgram);
    }, ms, ...args);
  host.setTimeout = Object.assign(wrapped, { sameProgram: true as const });
}

/**
 * The declaration files the compiler took from the startup snapshot
 * (TypeScript's libraries, @types/node, undici-types: unchanged since the
 * snapshot parsed them) are not watched: an edit to them during a session is
 * seen by the next kernel, as a new snapshot (~15 ms of the start, and 160
 * file watchers).
 */
export function unwatchedSnapshotFiles(host: import("typescript").WatchCompilerHost<import("typescript").BuilderProgram>): void {
  const snapshot = kernelSnapshot();
  const watchFile = host.watchFile;
  if (!snapshot || !watchFile) return;
  host.watchFile = (file, ...rest) => (snapshot.holds(file) ? { close: () => undefined } : watchFile.call(host, file, ...rest));
}

/**
 * tslab's converter runs the compiler's timers itself, one at a time, and
 * throws ("Unexpected pending rebuildTimer") when a second is set: a file or
 * folder watcher firing between cells (a file written in the notebook's
 * folder) schedules one, and the next cell's update then failed with that
 * error, as did every cell after it. A timer set while another is pending now
 * runs right after it.
 */
export function oneTimerAtATime(host: { setTimeout?: (cb: (...a: unknown[]) => void, ms: number, ...a: unknown[]) => unknown; clearTimeout?: (h: unknown) => void }): void {
  const set = host.setTimeout;
  const clear = host.clearTimeout;
  if (!set || !clear) return;
  const queued = new Set<() => void>();
  const runQueued = () => {
    for (const f of [...queued]) {
      queued.delete(f);
      f();
    }
  };
  host.setTimeout = (cb, ms, ...args) => {
    const run = () => cb(...args);
    try {
      return set(() => (run(), runQueued()), ms);
    } catch {
      queued.add(run);
      return run;
    }
  };
  host.clearTimeout = (h) => (queued.has(h as () => void) ? void queued.delete(h as () => void) : clear(h));
}

/** The global function a cell's top-level `using` and `await using` call at run time: `CELL_USING(value, isAwait)` keeps the value for disposal at the end of the cell and returns it. */
export const CELL_USING = "__cdlabUsing";

/**
 * Make `builder`'s emit turn a cell's top-level `using x = v` (`await using`)
 * into `const x = CELL_USING(v, false)` (`true`), before TypeScript lowers
 * `using` for Node 20: lowered, the rest of the cell would move into a
 * try block, where tslab neither finds the last expression nor keeps
 * declarations for the next cells. The kernel disposes at the end of the cell.
 */
function withCellUsing<B extends import("typescript").BuilderProgram>(ts: TypeScript, builder: B): B {
  const emit = builder.emit;
  const f = ts.factory;
  const using: import("typescript").TransformerFactory<import("typescript").SourceFile> = () => (sf) => {
    if (path.basename(sf.fileName) !== CELL_FILE) return sf;
    const statements = sf.statements.map((s) => {
      if (!ts.isVariableStatement(s) || !(s.declarationList.flags & ts.NodeFlags.Using)) return s;
      const isAwait = (s.declarationList.flags & ts.NodeFlags.AwaitUsing) === ts.NodeFlags.AwaitUsing;
      const decls = s.declarationList.declarations.map((d) =>
        f.updateVariableDeclaration(d, d.name, d.exclamationToken, d.type, d.initializer && f.createCallExpression(f.createIdentifier(CELL_USING), undefined, [d.initializer, isAwait ? f.createTrue() : f.createFalse()])),
      );
      return f.updateVariableStatement(s, s.modifiers, f.createVariableDeclarationList(decls, ts.NodeFlags.Const));
    });
    return f.updateSourceFile(sf, statements);
  };
  builder.emit = (file, write, token, dts, transformers) => emit.call(builder, file, write, token, dts, { ...transformers, before: [using, ...(transformers?.before ?? [])] });
  return builder;
}

/** The name of the file tslab's converter compiles a cell as. */
export const CELL_FILE = "__tslab__.ts";

/** The diagnostic the fork reports for a top-level await (with `disableTopLevelAwait`), from which tslab's converter learns to run the cell in an async function: "'await' expressions are only allowed within async functions…". */
export const TOP_LEVEL_AWAIT = 1308;

/**
 * The fork's `disableTopLevelAwait`, from outside the checker: a
 * {@link TOP_LEVEL_AWAIT} diagnostic on the `await` keyword of each top-level
 * `await`, `for await` and `await using` of `sf` (tslab drops these and wraps
 * the cell in an async function).
 */
export function topLevelAwaits(ts: TypeScript, sf: import("typescript").SourceFile): import("typescript").Diagnostic[] {
  const out: import("typescript").Diagnostic[] = [];
  const at = (start: number) =>
    out.push({ file: sf, start, length: 5, code: TOP_LEVEL_AWAIT, category: ts.DiagnosticCategory.Error, messageText: "'await' expressions are only allowed within async functions and at the top levels of modules." });
  const visit = (n: import("typescript").Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isModuleDeclaration(n)) return;
    if (ts.isAwaitExpression(n)) at(n.getStart(sf));
    else if (ts.isForOfStatement(n) && n.awaitModifier) at(n.awaitModifier.getStart(sf));
    else if (ts.isVariableDeclarationList(n) && (n.flags & ts.NodeFlags.AwaitUsing) === ts.NodeFlags.AwaitUsing) at(n.getStart(sf));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
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

/**
 * The console object tslab's executor writes to, turned into {@link ExecutorReport} calls.
 *
 * @param codes the TypeScript codes of the diagnostics about to be printed, in order (taken one per diagnostic)
 */
export function executorConsole(report: ExecutorReport, codes: number[] = []): ConsoleInterface {
  return {
    log: (value: unknown) => report.result(value),
    error: (first: unknown, ...rest: unknown[]) => {
      if (first === DIAG_FORMAT) {
        const [file, line, col, message] = rest as [string, number, number, string];
        const code = codes.shift();
        report.diag({ file: file ? file.trim() : undefined, line: line - 1, column: col - 1, message, ...(code ? { code } : {}) });
      } else report.error(first);
    },
  };
}

/** Keep the codes of the diagnostics `convert` and `addModule` return (the executor prints them without) in `codes`. */
function keepCodes(c: Converter, codes: number[]): Converter {
  const { convert, addModule } = c;
  c.convert = (...a) => {
    compilingCell = true;
    let r: ReturnType<typeof convert>;
    try {
      r = convert.apply(c, a);
    } finally {
      compilingCell = false;
    }
    codes.splice(0, codes.length, ...r.diagnostics.map((d) => d.code));
    return r;
  };
  c.addModule = (...a) => {
    const r = addModule.apply(c, a);
    codes.splice(0, codes.length, ...r.map((d) => d.code));
    return r;
  };
  return c;
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
  loadTypescript();
  const { createConverter } = require(MODULES.converter) as typeof import("tslab/dist/converter");
  const { createExecutor: create } = require(MODULES.executor) as typeof import("tslab/dist/executor");
  let conv: Converter | undefined;
  const codes: number[] = [];
  const convs: ConverterSet = {
    get node() {
      return (conv ??= wrap(keepCodes(createConverter({ isJS: false, isBrowser: false }), codes)));
    },
    get browser() {
      return this.node;
    },
    close() {
      conv?.close();
    },
  };
  const executor = create(cwd, convs, executorConsole(report, codes));
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
