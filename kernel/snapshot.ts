// Longer than 300 lines: the snapshot entry is this one file (Node 20 lets it require only built-in modules), so what it serves lives here
/**
 * The kernel's startup snapshot (Node's `--build-snapshot`): a V8 heap with
 * the project's TypeScript loaded and the declaration files every cell
 * compiles against (lib.es2023…, @types/node, kernel/cell-types) already
 * parsed and bound (a module only where it is served under the path it was bound with). A
 * kernel started from it skips most of the ~1 s the compiler's first program
 * costs (docs/contributors/benchmarks.md, kernel section).
 *
 * This file has three roles:
 * - snapshot entry (`node --snapshot-blob B --build-snapshot ENTRY MANIFEST`,
 *   run by snapshot-build.ts; ENTRY is this file's JavaScript with `exports` and
 *   `module` defined first, which Node 20 does not give a snapshot entry): only
 *   Node's built-in modules may be required here,
 *   so TypeScript is loaded from its file with `vm`, with hooks added: the
 *   compiler host asks the snapshot for a file before reading it
 *   ({@link UNREAD_HOOK_ANCHOR}) and before parsing the text it read
 *   ({@link HOOK_ANCHOR}), `resolveModuleName` asks for a resolution
 *   ({@link RESOLVE_HOOK_ANCHOR}), and, optional, a file's imports and version
 *   come from the snapshot ({@link IMPORTS_HOOK_ANCHOR}, {@link VERSION_HOOK_ANCHOR});
 * - deserialized main (`node --snapshot-blob B -- main.js --connection-file F`,
 *   exec'd by the kernelspec's start.sh, put in the grader's sandbox, or
 *   started by main.ts run directly): expose what the snapshot holds if TypeScript did not
 *   change since, then start the kernel (kernel.ts);
 * - a library for tslab.ts (the snapshot's TypeScript, and whether the cells'
 *   compiler options are those the files were parsed with).
 *
 * Whether a blob can be used, and the command line that uses it, are
 * src/jupyter/kernel-snapshot.ts's (main.ts and the grader's sandbox ask).
 *
 * Correctness does not rest on the snapshot being fresh: a file is served only
 * if its size and modification time are those it had when it was parsed (then
 * it is not read: ~50 ms for the 2.85 MB of declarations), or else if its text
 * is the text read now; with the same parse options in both cases, and only when
 * the compiler options that affect parsing and binding are the ones it was
 * built with; anything else is parsed as without a snapshot.
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import type { FileStamp } from "../src/jupyter/kernel-snapshot";

/** The environment variable main.ts sets for the kernel it starts from the snapshot in a child process: its own pid. */
export const LAUNCHER_ENV = "CDLAB_KERNEL_LAUNCHER_PID";

/** The global under which a kernel started from the snapshot finds it. */
export const SNAPSHOT_KEY = Symbol.for("cdlab.kernelSnapshot");

/** The text in typescript.js where the hook goes: the compiler host's parse of a file it has read. */
export const HOOK_ANCHOR = "return text !== void 0 ? createSourceFile(fileName, text, languageVersionOrOptions, setParentNodes) : void 0;";
const HOOK_GLOBAL = "__cdlabSnapshotSourceFile";
const HOOKED = `return text !== void 0 ? (globalThis.${HOOK_GLOBAL}?.(fileName, text, languageVersionOrOptions) ?? createSourceFile(fileName, text, languageVersionOrOptions, setParentNodes)) : void 0;`;
/** The text in typescript.js where the second hook goes: the start of the compiler host's `getSourceFile`, before it reads the file. */
export const UNREAD_HOOK_ANCHOR = "function createGetSourceFile(readFile, setParentNodes) {\n  return (fileName, languageVersionOrOptions, onError) => {\n";
const UNREAD_HOOK_GLOBAL = "__cdlabSnapshotUnchangedFile";
const UNREAD_HOOKED = `${UNREAD_HOOK_ANCHOR}    const unchanged = globalThis.${UNREAD_HOOK_GLOBAL}?.(fileName, languageVersionOrOptions);\n    if (unchanged) return unchanged;\n`;
/** Where the optional fifth hook goes: the watch host's version of a file it got (a hash of its text). */
export const VERSION_HOOK_ANCHOR = "      result.version = getSourceFileVersionAsHashFromText(compilerHost, result.text);\n";
const VERSION_HOOK_GLOBAL = "__cdlabSnapshotVersion";
const VERSION_HOOKED = `      result.version = globalThis.${VERSION_HOOK_GLOBAL}?.(result, compilerHost) ?? getSourceFileVersionAsHashFromText(compilerHost, result.text);\n`;
/** The text whose hash (the host's `createHash`) tells that a kernel's compiler host hashes as the one that made a manifest's versions. */
export const VERSION_PROBE = "cdlab";
/** Where the optional fourth hook goes: `collectExternalModuleReferences`, a closure of `createProgram`, hands itself over ({@link collectImports}). */
export const IMPORTS_HOOK_ANCHOR = "  function collectExternalModuleReferences(file) {\n";
const IMPORTS_HOOK_GLOBAL = "__cdlabCollectImports";
const IMPORTS_HOOKED = `${IMPORTS_HOOK_ANCHOR}    globalThis.${IMPORTS_HOOK_GLOBAL}?.(collectExternalModuleReferences);\n`;
/** The text in typescript.js where the third hook goes: the start of `resolveModuleName`. */
export const RESOLVE_HOOK_ANCHOR = "function resolveModuleName(moduleName, containingFile, compilerOptions, host, cache, redirectedReference, resolutionMode) {\n";
const RESOLVE_HOOK_GLOBAL = "__cdlabSnapshotResolution";
const RESOLVE_HOOKED = `${RESOLVE_HOOK_ANCHOR}  const memo = redirectedReference ? void 0 : globalThis.${RESOLVE_HOOK_GLOBAL}?.(moduleName, containingFile, compilerOptions, resolutionMode);\n  if (memo) return memo;\n`;

/** What snapshot-build.ts hands the snapshot entry: the cells' program, as a kernel built it. */
export interface Manifest {
  /** dist/kernel, where the deserialized main finds kernel.js. */
  kernelDir: string;
  typescript: FileStamp;
  /** The compiler options that affect parsing and binding (TypeScript's `sourceFileAffectingCompilerOptions`), as the cells' program has them. */
  options: Record<string, unknown>;
  files: { path: string; languageVersion: number; impliedNodeFormat?: number; jsDocParsingMode?: number; version?: string; stamp?: FileStamp }[];
  /** The hash of {@link VERSION_PROBE} by the compiler host that computed the files' `version`s (of the text it read when the file had `stamp`). */
  versionProbe?: string;
  /** The module resolutions made from those files (not from the cells), and what they depend on ({@link ResolutionMemo}). */
  resolutions?: Resolutions;
}

/** A module resolution as TypeScript returns it (the JSON-safe part). */
export interface Resolution {
  resolvedModule?: Record<string, unknown> & { resolvedFileName: string };
  failedLookupLocations?: string[];
  affectingLocations?: string[];
}

/**
 * The module resolutions the cells' program made from the declaration files
 * (@types/node, undici-types…): they depend on those files, the folders
 * searched above them, and the type roots (the only lookups under the
 * notebook's folder), not on the cells.
 */
export interface Resolutions {
  /** The module resolution options (but typeRoots) they were made with ({@link resolutionOptionsKey}). */
  optionsKey: string;
  /** The type roots then (the build's folder): lookups under them are kept relative to them. */
  typeRoots: string[];
  /** Every folder in node_modules (mtime: an entry added or removed changes it) searched, and every package.json read, as they were. */
  stamps: FileStamp[];
  /** The paths that did not exist then, outside node_modules, on the way to a lookup (/node_modules…). */
  missing: string[];
  /** From file, module name, resolution mode ("" for none), resolution (failed lookups under a type root as `\0` + the path below it). */
  entries: [string, string, string, Resolution][];
}

type TS = typeof import("typescript");
type SourceFile = import("typescript").SourceFile;

/** What a kernel started from the snapshot finds under {@link SNAPSHOT_KEY}. */
export interface KernelSnapshot {
  ts: TS;
  /** Compare the cells' compiler options with the snapshot's; serve files only if they agree. */
  accept(options: object): boolean;
  /** How many files the compiler took from the snapshot (for tests and the bench). */
  readonly served: number;
  /** How many of those it took without reading them (unchanged size and modification time). */
  readonly servedUnread: number;
  /** How many module resolutions it took from the snapshot. */
  readonly resolutionsServed: number;
  /** Did the compiler take the file it calls `fileName` from the snapshot, unread (a declaration file of TypeScript or an installed package)? */
  holds(fileName: string): boolean;
  /** How many the snapshot holds. */
  readonly size: number;
}

export function stamp(file: string): FileStamp {
  const s = fs.statSync(file);
  return { path: file, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
}

/** Are two stamps (or a stamp and a fresh `fs.Stats`) of the same, unchanged file? (Paths are compared by the caller.) */
export function sameFile(a: Omit<FileStamp, "path">, b: Omit<FileStamp, "path">): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

const sameStamp = (a: FileStamp, b: FileStamp) => a.path === b.path && sameFile(a, b);

/** The snapshot a kernel was started from (undefined: started without one, or TypeScript changed since). */
export function kernelSnapshot(): KernelSnapshot | undefined {
  return (globalThis as Record<symbol, unknown>)[SNAPSHOT_KEY] as KernelSnapshot | undefined;
}

/** The names of the compiler options that affect how a file parses and binds (a TypeScript internal, read in this one place). */
export function affectingOptionNames(ts: TS): string[] {
  return (ts as unknown as { sourceFileAffectingCompilerOptions: { name: string }[] }).sourceFileAffectingCompilerOptions.map((o) => o.name);
}

/** The compiler options that affect how a file parses and binds, in a stable form. */
export function optionsKey(ts: TS, options: Record<string, unknown>): string {
  const names = affectingOptionNames(ts).sort();
  return JSON.stringify(names.map((n) => [n, options[n] ?? null]));
}

/** The compiler options that affect module resolution, but typeRoots (per notebook folder: {@link ResolutionMemo} checks them itself), in a stable form. */
export function resolutionOptionsKey(ts: TS, options: Record<string, unknown>): string {
  const decls = (ts as unknown as { moduleResolutionOptionDeclarations: { name: string }[] }).moduleResolutionOptionDeclarations;
  const names = decls.map((o) => o.name).filter((n) => n !== "typeRoots").sort();
  return JSON.stringify(names.map((n) => [n, options[n] ?? null]));
}

/**
 * The module resolutions of a snapshot ({@link Resolutions}), served instead
 * of resolving again when: the compiler options that affect resolution are
 * the same; the file resolved from was served unread (it is unchanged); the
 * folders searched in node_modules and the package.json files read are
 * unchanged, and the paths missing outside node_modules still are (checked
 * once, on the first use: a folder's mtime changes when an entry is added to
 * or removed from it); the file resolved to exists; and, for a
 * resolution that got as far as the type roots, no type root of the notebook's
 * folder has an entry of that name. Anything else is resolved as without a snapshot.
 */
export class ResolutionMemo {
  private byKey = new Map<string, Resolution>();
  private valid: boolean | undefined;
  private keys = new WeakMap<object, boolean>();
  private rootEntries = new Map<string, Set<string>>();
  private exists = new Map<string, boolean>();
  served = 0;

  constructor(
    private memo: Resolutions,
    private ts: TS,
  ) {
    for (const [from, name, mode, r] of memo.entries) this.byKey.set(`${from}\0${name}\0${mode}`, r);
  }

  private unchanged(): boolean {
    return (this.valid ??=
      this.memo.stamps.every((s) => {
        try {
          const now = fs.statSync(s.path);
          return now.isDirectory() ? now.mtimeMs === s.mtimeMs && now.ctimeMs === s.ctimeMs && now.ino === s.ino : sameFile(now, s);
        } catch {
          return false;
        }
      }) && !this.memo.missing.some((p) => fs.existsSync(p)));
  }

  private sameOptions(options: object): boolean {
    let same = this.keys.get(options);
    if (same === undefined) this.keys.set(options, (same = resolutionOptionsKey(this.ts, options as Record<string, unknown>) === this.memo.optionsKey));
    return same;
  }

  /** The entries of a type root: on disk and the virtual ones (resolve.ts), through ts.sys. */
  private entries(root: string): Set<string> {
    let e = this.rootEntries.get(root);
    if (!e) {
      const sys = this.ts.sys;
      e = new Set(sys.directoryExists(root) ? [...sys.getDirectories(root), ...sys.readDirectory(root, undefined, undefined, undefined, 1).map((f) => path.basename(f))] : []);
      this.rootEntries.set(root, e);
    }
    return e;
  }

  /** `name` resolved from `from`, a file served unread (`unread`: the real paths of those). */
  resolve(name: string, from: string, options: { typeRoots?: string[] }, mode: number | undefined, unread: Set<string>): Resolution | undefined {
    const r = this.byKey.get(`${from}\0${name}\0${mode ?? ""}`);
    if (!r || !unread.has(from) || !this.sameOptions(options) || !this.unchanged()) return undefined;
    const resolved = r.resolvedModule?.resolvedFileName;
    if (resolved !== undefined) {
      let there = this.exists.get(resolved);
      if (there === undefined) this.exists.set(resolved, (there = fs.existsSync(resolved)));
      if (!there) return undefined;
    }
    const roots = options.typeRoots ?? [];
    const inRoots = r.failedLookupLocations?.filter((f) => f.startsWith("\0")) ?? [];
    if (inRoots.length) {
      // The type roots were searched: a root of this folder with an entry of this name (or @scope__name) would resolve it.
      const first = (name.startsWith("@") ? name.slice(1).replace("/", "__") : name).split("/")[0];
      for (const root of roots) for (const e of this.entries(root)) if (e === first || e.startsWith(first + ".")) return undefined;
    }
    this.served++;
    // The lookups in the type roots stay watched (a package added to the notebook's folder resolves it anew); those in
    // the installed packages' node_modules, checked above, are not (their watching was ~60 ms of the start): a package
    // installed there is seen by the next kernel.
    const failed = roots.flatMap((root) => inRoots.map((f) => root + f.slice(1)));
    return {
      resolvedModule: r.resolvedModule && { ...r.resolvedModule },
      failedLookupLocations: failed.length ? failed : undefined,
      affectingLocations: r.affectingLocations && [...r.affectingLocations],
    };
  }
}

/** How the compiler host asks for a file to be parsed: a language version, or parse options. */
type ParseOptions = number | { languageVersion: number; impliedNodeFormat?: number; jsDocParsingMode?: number };

/** Was `sf` parsed with `parse`, and, for a module (bound with its path in its symbol's name), under the name `fileName`? */
function parsedAs(sf: SourceFile & { jsDocParsingMode?: number; externalModuleIndicator?: unknown }, parse: ParseOptions, fileName: string): boolean {
  if (sf.externalModuleIndicator && sf.fileName !== fileName) return false;
  const o = typeof parse === "number" ? { languageVersion: parse } : parse;
  return sf.languageVersion === o.languageVersion && sf.impliedNodeFormat === o.impliedNodeFormat && (sf.jsDocParsingMode ?? 0) === (o.jsDocParsingMode ?? 0);
}

/**
 * The files of a snapshot, served once each, parsed with the options the
 * compiler host asks for: without reading it, the file at the same real path
 * with the size and modification time it had when parsed ({@link takeUnchanged});
 * or, once read, the SourceFile whose text is the text read ({@link take}).
 */
export class SourceFileCache {
  private byText = new Map<string, SourceFile>();
  private byPath = new Map<string, { sf: SourceFile; stamp: FileStamp }>();
  private pathOf = new Map<SourceFile, string>();
  /** The real paths of the files served unread. */
  readonly unread = new Set<string>();
  /** The names the compiler asked for them by. */
  readonly unreadNames = new Set<string>();
  /** The version (hash of the text) a compiler host computed for a file, by the manifest's host ({@link versionOf}). */
  readonly versions = new Map<SourceFile, string>();
  private hashesAlike = new WeakMap<object, boolean>();
  versionProbe: string | undefined;

  /** The version of a file served, if `host` hashes as the manifest's host did (undefined: the host computes it). */
  versionOf(sf: SourceFile, host: { createHash?(data: string): string }): string | undefined {
    const v = this.versions.get(sf);
    if (v === undefined || !host.createHash || this.versionProbe === undefined) return undefined;
    let alike = this.hashesAlike.get(host);
    if (alike === undefined) this.hashesAlike.set(host, (alike = host.createHash(VERSION_PROBE) === this.versionProbe));
    return alike ? v : undefined;
  }
  enabled = false;
  served = 0;
  servedUnread = 0;

  get size(): number {
    return this.byText.size + this.served;
  }

  /** Hold `sf`; with `parsed`, the stamp of its file when its text was read (then it may be served unread). */
  add(sf: SourceFile, parsed?: FileStamp): void {
    this.byText.set(sf.text, sf);
    if (parsed) {
      this.byPath.set(parsed.path, { sf, stamp: parsed });
      this.pathOf.set(sf, parsed.path);
    }
  }

  private remove(sf: SourceFile): SourceFile {
    this.byText.delete(sf.text);
    const p = this.pathOf.get(sf);
    if (p !== undefined) this.byPath.delete(p);
    this.pathOf.delete(sf);
    this.served++;
    return sf;
  }

  /**
   * The file `fileName` if its real path (`realpath(fileName)`) is one the
   * snapshot parsed and its size and modification time are still those it had
   * then: served without reading it.
   */
  takeUnchanged(fileName: string, parse: ParseOptions, realpath: (p: string) => string): SourceFile | undefined {
    if (!this.enabled || this.byPath.size === 0) return undefined;
    let entry;
    let st;
    try {
      entry = this.byPath.get(realpath(fileName));
      if (!entry) return undefined;
      st = fs.statSync(this.pathOf.get(entry.sf)!);
    } catch {
      return undefined;
    }
    if (!sameFile(st, entry.stamp) || !parsedAs(entry.sf, parse, fileName)) return undefined;
    this.servedUnread++;
    this.unread.add(this.pathOf.get(entry.sf)!);
    this.unreadNames.add(fileName);
    return this.remove(entry.sf);
  }

  take(fileName: string, text: string, parse: ParseOptions): SourceFile | undefined {
    if (!this.enabled) return undefined;
    const sf = this.byText.get(text);
    if (!sf) return undefined;
    if (path.basename(sf.fileName) !== path.basename(fileName)) return undefined;
    if (!parsedAs(sf, parse, fileName)) return undefined;
    return this.remove(sf);
  }
}

/** Load typescript.js from its file, with the {@link HOOK_ANCHOR} hook (the snapshot entry may not `require` it). */
export function loadHookedTypescript(file: string): TS {
  const source = fs.readFileSync(file, "utf8");
  for (const anchor of [HOOK_ANCHOR, UNREAD_HOOK_ANCHOR, RESOLVE_HOOK_ANCHOR]) {
    if (!source.includes(anchor)) throw new Error(`Cannot build the kernel snapshot: ${file} has no "${anchor.slice(0, 40)}…" (another TypeScript version?)`);
  }
  const hooked = source.replace(HOOK_ANCHOR, HOOKED).replace(UNREAD_HOOK_ANCHOR, UNREAD_HOOKED).replace(RESOLVE_HOOK_ANCHOR, RESOLVE_HOOKED).replace(IMPORTS_HOOK_ANCHOR, IMPORTS_HOOKED).replace(VERSION_HOOK_ANCHOR, VERSION_HOOKED);
  const wrapper = vm.runInThisContext(Module.wrap(hooked), { filename: file }) as (...a: unknown[]) => void;
  const m = { exports: {} as TS };
  wrapper.call(m.exports, m.exports, require, m, file, path.dirname(file));
  return m.exports;
}

/** Parse and bind every file of `manifest`, and collect its imports ({@link collectImports}). */
export function parseManifest(ts: TS, manifest: Manifest): SourceFileCache {
  const cache = new SourceFileCache();
  cache.versionProbe = manifest.versionProbe;
  const parsed: SourceFile[] = [];
  const options = manifest.options as import("typescript").CompilerOptions;
  const t = ts as unknown as { bindSourceFile(sf: SourceFile, o: object): void; getSetExternalModuleIndicator(o: object): (sf: SourceFile) => void };
  for (const f of manifest.files) {
    let before: FileStamp;
    try {
      before = stamp(f.path);
    } catch {
      continue;
    }
    const text = ts.sys.readFile(f.path);
    if (text === undefined) continue;
    const sf = ts.createSourceFile(f.path, text, {
      languageVersion: f.languageVersion,
      impliedNodeFormat: f.impliedNodeFormat as import("typescript").ResolutionMode,
      jsDocParsingMode: f.jsDocParsingMode,
      setExternalModuleIndicator: t.getSetExternalModuleIndicator(options),
    });
    // A module's symbol is named after its path: served only under this one (undici-types; not the notebook folder's virtual @types/node).
    t.bindSourceFile(sf, options);
    // Served unread only if the file did not change while it was read.
    let after: FileStamp | undefined;
    try {
      after = stamp(f.path);
    } catch {
      /* gone since: served by text only */
    }
    const unchanged = after && sameStamp(before, after);
    cache.add(sf, unchanged ? before : undefined);
    // The version the kernel's compiler host would compute from this text: the manifest's, if the file is as it was then.
    if (unchanged && f.version !== undefined && f.stamp && sameStamp(f.stamp, before)) cache.versions.set(sf, f.version);
    parsed.push(sf);
  }
  collectImports(ts, parsed);
  return cache;
}

/**
 * Record in each declaration file of `files` its imports, module
 * augmentations and ambient module names, as a program does the first time
 * it meets the file (and skips when they are there): for a declaration file
 * they depend on its text only. Needs {@link loadHookedTypescript}'s TypeScript
 * (without the hook, nothing is recorded and the program collects them).
 */
export function collectImports(ts: TS, files: SourceFile[]): void {
  let collect: ((sf: SourceFile) => void) | undefined;
  const g = globalThis as Record<string, unknown>;
  g[IMPORTS_HOOK_GLOBAL] = (f: typeof collect) => (collect ??= f);
  try {
    const probe = "/cdlab-snapshot-probe.d.ts";
    // A host of its own: one from ts.createCompilerHost would ask for (and keep) the build's working directory.
    const host: import("typescript").CompilerHost = {
      getSourceFile: (name, version) => (name === probe ? ts.createSourceFile(probe, "export {};\n", version) : undefined),
      fileExists: (name) => name === probe,
      readFile: () => undefined,
      writeFile: () => undefined,
      getDefaultLibFileName: () => "/lib.d.ts",
      getCurrentDirectory: () => "/",
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
    };
    ts.createProgram({ rootNames: [probe], options: { noLib: true, types: [] }, host });
  } finally {
    delete g[IMPORTS_HOOK_GLOBAL];
  }
  if (collect) for (const sf of files) if (sf.isDeclarationFile) collect(sf);
}

function buildEntry(manifestFile: string): void {
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
  const ts = loadHookedTypescript(manifest.typescript.path);
  const cache = parseManifest(ts, manifest);
  const key = optionsKey(ts, manifest.options);
  const { kernelDir } = manifest;
  (globalThis as Record<string, unknown>)[HOOK_GLOBAL] = cache.take.bind(cache);
  // ts.sys.realpath: the notebook folder's node_modules/@types/node is a virtual folder (resolve.ts), the snapshot holds real paths.
  const realpath = (p: string) => ts.sys.realpath?.(p) ?? p;
  (globalThis as Record<string, unknown>)[UNREAD_HOOK_GLOBAL] = (fileName: string, parse: ParseOptions) => cache.takeUnchanged(fileName, parse, realpath);
  (globalThis as Record<string, unknown>)[VERSION_HOOK_GLOBAL] = (sf: SourceFile, host: object) => (cache.enabled ? cache.versionOf(sf, host) : undefined);
  const resolutions = manifest.resolutions && new ResolutionMemo(manifest.resolutions, ts);
  if (resolutions) {
    (globalThis as Record<string, unknown>)[RESOLVE_HOOK_GLOBAL] = (name: string, from: string, options: { typeRoots?: string[] }, mode: number | undefined) =>
      cache.enabled ? resolutions.resolve(name, from, options, mode, cache.unread) : undefined;
  }
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // Node 20 keeps process.cwd()'s cached value across the snapshot (the build's folder, if
    // anything asked for it then); the real working directory, asked of the system:
    process.chdir(fs.realpathSync.native("."));
    let fresh = false;
    try {
      // TypeScript itself: same path, size and mtime. Its ctime also moves with a hard link or a chmod (`cp -al`, a
      // pnpm store): the declaration files and resolutions, checked with ctime and inode, are then read again, but
      // the blob's TypeScript stays usable (a 9 MB compiler edited in place to the same size keeping its mtime is not
      // a case to pay a 3 s start for).
      const now = stamp(manifest.typescript.path);
      fresh = now.path === manifest.typescript.path && now.size === manifest.typescript.size && now.mtimeMs === manifest.typescript.mtimeMs;
    } catch {
      /* TypeScript moved: not fresh */
    }
    if (fresh) {
      const snapshot: KernelSnapshot = {
        ts,
        accept: (options) => (cache.enabled = optionsKey(ts, options as Record<string, unknown>) === key),
        get served() {
          return cache.served;
        },
        get servedUnread() {
          return cache.servedUnread;
        },
        get resolutionsServed() {
          return resolutions?.served ?? 0;
        },
        holds: (fileName) => cache.unreadNames.has(fileName),
        get size() {
          return cache.size;
        },
      };
      (globalThis as Record<symbol, unknown>)[SNAPSHOT_KEY] = snapshot;
    }
    const kernel = Module.createRequire(path.join(kernelDir, "kernel.js"))("./kernel.js") as { main(argv: string[]): void };
    kernel.main(process.argv);
  });
}

if (v8.startupSnapshot?.isBuildingSnapshot()) buildEntry(process.argv[2]);
