/**
 * Build the kernel's startup snapshot (snapshot.ts):
 * `node dist/kernel/snapshot-build.js [--if-stale]`, run by `npm run setup`.
 *
 * 1. In this process, a kernel engine compiles one cell in an empty folder, as
 *    a kernel does; the files of that program and the compiler options that
 *    affect parsing are the manifest.
 * 2. `node SNAPSHOT_V8_FLAGS --snapshot-blob … --build-snapshot dist/kernel/snapshot.js MANIFEST`
 *    parses them into the snapshot.
 * 3. The blob and its description (which Node, which snapshot.js) replace the
 *    old ones by rename, so a kernel starting meanwhile reads either the old
 *    pair or the new one; then start.sh, the kernelspec's shell check of that
 *    description (src/jupyter/kernel-snapshot.ts's startScript), is rewritten
 *    the same way.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createEngine } from "./engine";
import { installResolution } from "./resolve";
import { lastCellProgram, loadTypescript, TYPESCRIPT, type TypeScript } from "./tslab";
import { binaryId, entryHash, readBlobInfo, snapshotFiles, snapshotProblem, SNAPSHOT_V8_FLAGS, startScript, type BlobInfo, type SnapshotFiles } from "../src/jupyter/kernel-snapshot";
import { affectingOptionNames, resolutionOptionsKey, sameFile, stamp, VERSION_PROBE, type Manifest, type Resolution, type Resolutions } from "./snapshot";

const FILES = snapshotFiles(__dirname);

/** The manifest of the cells' program, from a cell compiled in a fresh folder (this process's TypeScript then watches no file). */
export async function cellManifest(): Promise<Manifest> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-snapshot-")));
  const back = process.cwd();
  process.chdir(dir); // tslab's converter compiles cells in the working directory, as in a kernel
  // One cell, no edits: the compiler's file and folder watchers (on /tmp, which other programs change) must not fire.
  const sys = loadTypescript().sys;
  sys.watchFile = sys.watchDirectory = () => ({ close: () => undefined });
  const engine = createEngine(dir, (ts) => installResolution(ts, dir));
  try {
    const r = await engine.execute("1", 1);
    if (r.status !== "ok") throw new Error(`the probe cell failed: ${JSON.stringify(r)}`);
    const program = lastCellProgram();
    if (!program) throw new Error("no program was created");
    const ts = loadTypescript();
    const names = affectingOptionNames(ts);
    const all = program.getCompilerOptions() as Record<string, unknown>;
    const options = Object.fromEntries(names.filter((n) => all[n] !== undefined).map((n) => [n, all[n]]));
    const files = program
      .getSourceFiles()
      .filter((f) => path.dirname(f.fileName) !== dir)
      .map((f) => ({
        path: fs.realpathSync(ts.sys.realpath?.(f.fileName) ?? f.fileName),
        languageVersion: f.languageVersion,
        impliedNodeFormat: f.impliedNodeFormat,
        jsDocParsingMode: (f as { jsDocParsingMode?: number }).jsDocParsingMode,
        version: (f as { version?: string }).version,
      }))
      .map((f) => ({ ...f, stamp: stamp(f.path) }));
    const versionProbe = ts.sys.createHash?.(VERSION_PROBE); // the hash of the watch host the cells' converter makes (ts.sys's)
    return { kernelDir: __dirname, typescript: stamp(require.resolve(TYPESCRIPT)), options, files, versionProbe, resolutions: declarationResolutions(ts, program, dir, files.map((f) => f.path)) };
  } finally {
    engine.close();
    process.chdir(back);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The module resolutions `program` made from the declaration files `from`
 * (snapshot.ts's ResolutionMemo serves them), with what they depend on: the
 * folders searched (their mtimes, or the missing path outside node_modules)
 * and the package.json files read. A
 * resolution that looked under `dir` elsewhere than in a type root is left out.
 */
export function declarationResolutions(ts: TypeScript, program: import("typescript").Program, dir: string, from: string[]): Resolutions {
  const typeRoots = program.getCompilerOptions().typeRoots ?? [];
  const declared = new Set(from);
  const entries: Resolutions["entries"] = [];
  const read = new Set<string>();
  const searched = new Set<string>();
  const missing = new Set<string>();
  const underRoot = (f: string) => typeRoots.find((r) => f.startsWith(r + "/"));
  const resolved = (program as unknown as { resolvedModules?: Map<string, { forEach(cb: (r: Resolution, name: string, mode: number | undefined) => void): void }> }).resolvedModules;
  resolved?.forEach((cache, file) => {
    if (!declared.has(file)) return;
    cache.forEach((r, name, mode) => {
      const failed: string[] = [];
      for (const f of r.failedLookupLocations ?? []) {
        const root = underRoot(f);
        if (root) failed.push("\0" + f.slice(root.length));
        else if (f.startsWith(dir + "/")) return;
        else failed.push(f);
      }
      const to = r.resolvedModule?.resolvedFileName;
      if (to !== undefined && (to.startsWith(dir + "/") || !declared.has(to))) return;
      if ((r.affectingLocations ?? []).some((f) => f.startsWith(dir + "/"))) return;
      for (const f of failed) if (!f.startsWith("\0")) searched.add(existingFolder(f, missing));
      for (const f of r.affectingLocations ?? []) read.add(f);
      const { resolvedFileName, originalPath, extension, isExternalLibraryImport, packageId, resolvedUsingTsExtension } = (r.resolvedModule ?? {}) as Record<string, unknown>;
      const kept: Resolution = {
        ...(to !== undefined ? { resolvedModule: JSON.parse(JSON.stringify({ resolvedFileName, originalPath, extension, isExternalLibraryImport, packageId, resolvedUsingTsExtension })) } : {}),
        ...(failed.length ? { failedLookupLocations: failed } : {}),
        ...(r.affectingLocations?.length ? { affectingLocations: [...r.affectingLocations] } : {}),
      };
      entries.push([file, name, String(mode ?? ""), kept]);
    });
  });
  const stamps = [...searched, ...read].flatMap((f) => {
    try {
      return [stamp(f)];
    } catch {
      return [];
    }
  });
  searched.delete("");
  return { optionsKey: resolutionOptionsKey(ts, program.getCompilerOptions() as Record<string, unknown>), typeRoots, stamps, missing: [...missing], entries };
}

/**
 * The nearest folder of `file` that exists, if inside a node_modules (where
 * adding `file`, or a folder on its way, changes its mtime; such folders change only when packages do);
 * else "", with the first missing folder on the way added to `missing` (a home folder's mtime changes all the time).
 */
function existingFolder(file: string, missing: Set<string>): string {
  for (let d = path.dirname(file), below = file; ; below = d, d = path.dirname(d)) {
    if (fs.existsSync(d) || path.dirname(d) === d) {
      if (d.split(path.sep).includes("node_modules")) return d;
      missing.add(below);
      return "";
    }
  }
}

/**
 * Build the snapshot into `blob` (and its description into `info`).
 *
 * @returns how many files the snapshot holds
 * @throws Error with Node's last lines when the build fails
 */
export async function buildSnapshot(blob = FILES.blob, info = FILES.info): Promise<number> {
  const manifest = await cellManifest();
  const entry = FILES.entry;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-snapshot-build-"));
  try {
    const manifestFile = path.join(tmp, "manifest.json");
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    // Node 20 runs a snapshot entry without `exports` and `module`, which compiled TypeScript uses.
    const entryCopy = path.join(tmp, "snapshot-entry.js");
    fs.writeFileSync(entryCopy, `var exports = {}, module = { exports };\n${fs.readFileSync(entry, "utf8")}`);
    const out = path.join(path.dirname(blob), `.${path.basename(blob)}.${process.pid}`);
    const r = spawnSync(process.execPath, [...SNAPSHOT_V8_FLAGS, "--snapshot-blob", out, "--build-snapshot", entryCopy, manifestFile], { encoding: "utf8", cwd: tmp });
    if (r.status !== 0) {
      fs.rmSync(out, { force: true });
      const last = `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim().split("\n").filter((l) => !/^\(node:\d+\) Warning|^It may still work|^To request support|^\(Use `node/.test(l)).slice(-2).join(" / ");
      throw new Error(`Cannot build the kernel snapshot: ${last || `node exited with ${r.status}`}`);
    }
    const described: BlobInfo = {
      node: process.version, nodeBinary: { path: process.execPath, id: binaryId(process.execPath) },
      entry: entryHash(entry), kernelDir: FILES.kernelDir, inputs: [manifest.typescript, ...manifest.files.map((f) => stamp(f.path))], v8Flags: [...SNAPSHOT_V8_FLAGS],
    };
    const infoTmp = `${out}.json`;
    fs.writeFileSync(infoTmp, JSON.stringify(described, null, 2) + "\n");
    fs.renameSync(out, blob);
    fs.renameSync(infoTmp, info);
    if (blob === FILES.blob) writeStartScript(FILES, described);
    return manifest.files.length;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Write (by rename) the kernelspec's start script for the blob of `files` that `info` describes, unless it already says that. */
export function writeStartScript(files: SnapshotFiles, info: BlobInfo): void {
  const text = startScript(files, info);
  try {
    if (fs.readFileSync(files.start, "utf8") === text) return;
  } catch {
    /* none yet */
  }
  const tmp = `${files.start}.${process.pid}`;
  try {
    fs.writeFileSync(tmp, text, { mode: 0o644 });
    fs.renameSync(tmp, files.start);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`Cannot write the kernel's start script ${files.start}: ${(e as Error).message}`);
  }
}

/** Is the snapshot `described` (as read from `info`) usable and built from the declaration files and TypeScript there are now? */
export function snapshotUpToDate(info = FILES.info, described = readBlobInfo({ ...FILES, info })): boolean {
  if (!described || snapshotProblem({ ...FILES, info }) !== undefined) return false;
  if ((described.v8Flags ?? []).join(" ") !== SNAPSHOT_V8_FLAGS.join(" ")) return false; // built with other flags
  try {
    const now = stamp(require.resolve(TYPESCRIPT));
    return described.inputs.every((s) => {
      return sameFile(stamp(s.path), s);
    }) && described.inputs[0]?.path === now.path;
  } catch {
    return false;
  }
}

if (require.main === module) {
  const described = readBlobInfo(FILES);
  if (process.argv.includes("--if-stale") && described && snapshotUpToDate(FILES.info, described)) {
    try {
      writeStartScript(FILES, described); // an install from before start.sh gets one without a rebuild
      console.log("kernel snapshot up to date");
    } catch (e) {
      console.error((e as Error).message);
      process.exit(1);
    }
  } else {
    const t0 = Date.now();
    buildSnapshot().then(
      (n) => {
        console.log(`kernel snapshot built: ${n} declaration files, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        process.exit(0);
      },
      (e: Error) => {
        console.error(e.message);
        process.exit(1);
      },
    );
  }
}
