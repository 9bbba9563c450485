/**
 * The kernel's startup snapshot (Node's `--build-snapshot`): a V8 heap with
 * the project's TypeScript loaded and the declaration files every cell
 * compiles against (lib.es2023…, @types/node, kernel/cell-types) already
 * parsed, and bound where binding does not depend on the file's path. A
 * kernel started from it skips most of the ~1 s the compiler's first program
 * costs (docs/contributors/benchmarks.md, kernel section).
 *
 * This file has three roles:
 * - snapshot entry (`node --snapshot-blob B --build-snapshot ENTRY MANIFEST`,
 *   run by snapshot-build.ts; ENTRY is this file's JavaScript with `exports` and
 *   `module` defined first, which Node 20 does not give a snapshot entry): only
 *   Node's built-in modules may be required here,
 *   so TypeScript is loaded from its file with `vm`, with one hook added
 *   ({@link HOOK_ANCHOR}): the compiler host asks {@link takeSourceFile} for a file
 *   before parsing it;
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
 * if its text is the text read now, with the same parse options, and only when
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

/** What snapshot-build.ts hands the snapshot entry: the cells' program, as a kernel built it. */
export interface Manifest {
  /** dist/kernel, where the deserialized main finds kernel.js. */
  kernelDir: string;
  typescript: FileStamp;
  /** The compiler options that affect parsing and binding (TypeScript's `sourceFileAffectingCompilerOptions`), as the cells' program has them. */
  options: Record<string, unknown>;
  files: { path: string; languageVersion: number; impliedNodeFormat?: number; jsDocParsingMode?: number }[];
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
  /** How many the snapshot holds. */
  readonly size: number;
}

export function stamp(file: string): FileStamp {
  const s = fs.statSync(file);
  return { path: file, size: s.size, mtimeMs: s.mtimeMs };
}

const sameStamp = (a: FileStamp, b: FileStamp) => a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;

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

/**
 * The files of a snapshot, served once each: the SourceFile whose text is
 * `text`, parsed with the same options, as the compiler host would parse it.
 */
export class SourceFileCache {
  private byText = new Map<string, SourceFile>();
  enabled = false;
  served = 0;

  get size(): number {
    return this.byText.size + this.served;
  }

  add(sf: SourceFile): void {
    this.byText.set(sf.text, sf);
  }

  take(fileName: string, text: string, parse: number | { languageVersion: number; impliedNodeFormat?: number; jsDocParsingMode?: number }): SourceFile | undefined {
    if (!this.enabled) return undefined;
    const sf = this.byText.get(text) as (SourceFile & { jsDocParsingMode?: number }) | undefined;
    if (!sf) return undefined;
    const o = typeof parse === "number" ? { languageVersion: parse } : parse;
    if (path.basename(sf.fileName) !== path.basename(fileName)) return undefined;
    if (sf.languageVersion !== o.languageVersion || sf.impliedNodeFormat !== o.impliedNodeFormat || (sf.jsDocParsingMode ?? 0) !== (o.jsDocParsingMode ?? 0)) return undefined;
    this.byText.delete(text);
    this.served++;
    return sf;
  }
}

/** Load typescript.js from its file, with the {@link HOOK_ANCHOR} hook (the snapshot entry may not `require` it). */
export function loadHookedTypescript(file: string): TS {
  const source = fs.readFileSync(file, "utf8");
  if (!source.includes(HOOK_ANCHOR)) throw new Error(`Cannot build the kernel snapshot: ${file} has no "${HOOK_ANCHOR.slice(0, 40)}…" (another TypeScript version?)`);
  const wrapper = vm.runInThisContext(Module.wrap(source.replace(HOOK_ANCHOR, HOOKED)), { filename: file }) as (...a: unknown[]) => void;
  const m = { exports: {} as TS };
  wrapper.call(m.exports, m.exports, require, m, file, path.dirname(file));
  return m.exports;
}

/** Parse (and bind, where the file's path does not matter) every file of `manifest`. */
export function parseManifest(ts: TS, manifest: Manifest): SourceFileCache {
  const cache = new SourceFileCache();
  const options = manifest.options as import("typescript").CompilerOptions;
  const t = ts as unknown as { bindSourceFile(sf: SourceFile, o: object): void; getSetExternalModuleIndicator(o: object): (sf: SourceFile) => void };
  for (const f of manifest.files) {
    const text = ts.sys.readFile(f.path);
    if (text === undefined) continue;
    const sf = ts.createSourceFile(f.path, text, {
      languageVersion: f.languageVersion,
      impliedNodeFormat: f.impliedNodeFormat as import("typescript").ResolutionMode,
      jsDocParsingMode: f.jsDocParsingMode,
      setExternalModuleIndicator: t.getSetExternalModuleIndicator(options),
    });
    // A module's symbol is named after its path, which differs per notebook folder: bound by the program instead.
    if (!ts.isExternalModule(sf)) t.bindSourceFile(sf, options);
    cache.add(sf);
  }
  return cache;
}

function buildEntry(manifestFile: string): void {
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
  const ts = loadHookedTypescript(manifest.typescript.path);
  const cache = parseManifest(ts, manifest);
  const key = optionsKey(ts, manifest.options);
  const { kernelDir } = manifest;
  (globalThis as Record<string, unknown>)[HOOK_GLOBAL] = cache.take.bind(cache);
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // Node 20 keeps process.cwd()'s cached value across the snapshot (the build's folder, if
    // anything asked for it then); the real working directory, asked of the system:
    process.chdir(fs.realpathSync.native("."));
    let fresh = false;
    try {
      fresh = sameStamp(manifest.typescript, stamp(manifest.typescript.path));
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
