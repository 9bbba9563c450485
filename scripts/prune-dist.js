#!/usr/bin/env node
// After `tsc`: remove from the output folder the compiled files whose source is gone.
//
// tsc writes <outDir>/<rel>.js, .js.map, .d.ts (and .d.ts.map) for each <rootDir>/<rel>.ts it compiles, and never
// deletes anything; a module whose source was removed or renamed stays in dist/ and can still be loaded at run
// time (an old grader probe, a renamed helper). This step walks <outDir> and deletes exactly those four kinds of
// file when no <rootDir>/<rel>.ts (or .tsx; .js/.jsx with allowJs) exists, then the folders that this left empty.
// Everything else in <outDir> (the kernel's snapshot blob and its .json, start.sh, .build-stamp) is never touched.
//
// Usage: node scripts/prune-dist.js [project folder, default: this checkout] [--quiet]
// Plain JavaScript on purpose: it runs right after the build, with nothing of ours compiled yet.
"use strict";
const fs = require("fs");
const path = require("path");

/** Compiled suffixes tsc writes, longest first so that ".d.ts.map" is not read as ".map". */
const OUTPUTS = [".d.ts.map", ".js.map", ".d.ts", ".js"];

/**
 * The compiler options of `<project>/tsconfig.json`. A plain JSON file without "extends" (cdlab's) is read
 * directly; anything else (comments, "extends") goes through TypeScript's own parser, as tsc reads it. Loading
 * TypeScript costs about half a second, which the plain case saves on every build.
 *
 * @returns { options } with rootDir/outDir as written (relative to project), or { reason }
 */
function compilerOptions(project) {
  const file = path.join(project, "tsconfig.json");
  try {
    const config = JSON.parse(fs.readFileSync(file, "utf8"));
    if (config.extends === undefined) return { options: config.compilerOptions ?? {} };
  } catch (e) {
    if (e.code) return { reason: `cannot read ${file}: ${e.message}` };
    // not plain JSON (comments, trailing commas): TypeScript's parser below
  }
  const ts = require(require.resolve("typescript", { paths: [project, __dirname] }));
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) return { reason: `cannot read ${file}: ${ts.flattenDiagnosticMessageText(read.error.messageText, " ")}` };
  return { options: ts.parseJsonConfigFileContent(read.config, ts.sys, project, undefined, file).options };
}

/**
 * Where tsc reads from and writes to, from `<project>/tsconfig.json`.
 *
 * @returns { rootDir, outDir, sources } with absolute folders and the source suffixes, or { reason } when the
 *   mapping cannot be known (no outDir, no rootDir, outDir equal to rootDir)
 */
function layout(project) {
  const { options, reason } = compilerOptions(project);
  if (reason) return { reason };
  if (!options.outDir) return { reason: "tsconfig.json has no outDir" };
  // Without rootDir, tsc derives it from the files it compiles; the mapping would be a guess.
  if (!options.rootDir) return { reason: "tsconfig.json has no rootDir" };
  const rootDir = path.resolve(project, options.rootDir);
  const outDir = path.resolve(project, options.outDir);
  if (outDir === rootDir) return { reason: "outDir is rootDir: the compiled files sit beside their sources" };
  const sources = options.allowJs ? [".ts", ".tsx", ".js", ".jsx"] : [".ts", ".tsx"];
  return { rootDir, outDir, sources };
}

/**
 * Delete the compiled files in outDir whose source is gone, and the folders left empty by it.
 *
 * @param project the folder holding tsconfig.json
 * @returns the paths removed (files, then folders), relative to project; empty when the layout is unknown
 */
function pruneDist(project) {
  const l = layout(project);
  if (l.reason) return { removed: [], skipped: l.reason };
  const removed = [];
  const hasSource = (outFile, suffix) => {
    const stem = path.join(l.rootDir, path.relative(l.outDir, outFile.slice(0, -suffix.length)));
    return l.sources.some((s) => fs.existsSync(stem + s));
  };
  /** Walk one folder; true when it is now empty because of this pass. */
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if (e.code === "ENOENT") return false;
      throw e;
    }
    let left = entries.length;
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        // The source tree itself never lives under outDir (a rootDir of "." with outDir "dist" walks dist only).
        if (walk(p)) {
          fs.rmdirSync(p);
          removed.push(p);
          left--;
        }
        continue;
      }
      if (!e.isFile()) continue; // symlinks and the like were not written by tsc
      const suffix = OUTPUTS.find((s) => e.name.endsWith(s));
      if (!suffix || hasSource(p, suffix)) continue;
      fs.unlinkSync(p);
      removed.push(p);
      left--;
    }
    return left === 0 && entries.length > 0;
  };
  walk(l.outDir);
  return { removed: removed.map((p) => path.relative(project, p)), skipped: undefined };
}

module.exports = { pruneDist, layout };

if (require.main === module) {
  const args = process.argv.slice(2);
  const quiet = args.includes("--quiet");
  const project = path.resolve(args.find((a) => !a.startsWith("--")) ?? path.join(__dirname, ".."));
  const { removed, skipped } = pruneDist(project);
  if (skipped) console.error(`prune-dist: nothing removed (${skipped})`);
  else if (!quiet && removed.length) console.log(`prune-dist: removed ${removed.length} stale file(s) or folder(s): ${removed.join(", ")}`);
}
