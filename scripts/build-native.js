#!/usr/bin/env node
// Build the native IPC addon (binding.gyp, native/*.cc) with node-gyp, the copy npm
// bundles. Idempotent: nothing happens when build/Release/cdlab_ipc.node is newer
// than every source. On failure: exit 1 with one line (setup then falls back to
// the in-process IPC backend). Offline: node's own headers are used (--nodedir).
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "build", "Release", "cdlab_ipc.node");
const quiet = process.argv.includes("--quiet");
const force = process.argv.includes("--force");

function fail(msg) {
  process.stderr.write(`build-native: ${msg}\n`);
  process.exit(1);
}
function log(msg) {
  if (!quiet) process.stdout.write(`build-native: ${msg}\n`);
}

if (process.platform !== "linux") fail(`not built on ${process.platform}: the addon uses Linux System V and POSIX IPC`);

const sources = [path.join(ROOT, "binding.gyp"), __filename];
for (const f of fs.readdirSync(path.join(ROOT, "native"))) {
  if (/\.(cc|h)$/.test(f)) sources.push(path.join(ROOT, "native", f));
}
const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
if (!force && fs.existsSync(OUT) && fs.statSync(OUT).mtimeMs >= newest) {
  log("native IPC addon up to date");
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [];
  const npmDirs = [
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm"),
    path.join(path.dirname(process.execPath), "node_modules", "npm"),
  ];
  for (const dir of npmDirs) {
    try {
      return require.resolve("node-gyp/bin/node-gyp.js", { paths: [dir] });
    } catch {
      candidates.push(dir);
    }
  }
  try {
    return require.resolve("node-gyp/bin/node-gyp.js", { paths: [ROOT] });
  } catch {
    fail(`node-gyp was not found (looked in ${candidates.join(", ")} and ${ROOT}/node_modules)`);
  }
}

// Headers: node's own install (/usr/include/node) when present, so no download.
function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  return fs.existsSync(path.join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

const gyp = findNodeGyp();
const args = [gyp, "rebuild", "--release"];
const dir = nodeDir();
if (dir) args.push(`--nodedir=${dir}`);
log(`building native IPC addon with ${path.relative(ROOT, gyp) || gyp}`);
const r = spawnSync(process.execPath, args, {
  cwd: ROOT,
  encoding: "utf8",
  env: { ...process.env, npm_config_offline: "true" },
  stdio: ["ignore", "pipe", "pipe"],
});
if (r.error || r.status !== 0 || !fs.existsSync(OUT)) {
  const lines = `${r.stderr || ""}`.split("\n").filter((l) => /error/i.test(l));
  if (!quiet && r.stderr) process.stderr.write(r.stderr);
  fail(`node-gyp could not build the addon: ${(lines[0] || r.error?.message || `exit ${r.status}`).trim()}`);
}
fs.utimesSync(OUT, new Date(), new Date());
log(`built ${path.relative(ROOT, OUT)}`);
