#!/usr/bin/env node
// Re-executes the course notebooks in place with the cdlab kernel, as a contributor does before committing
// a notebook: outputs come from running it. Usage: npm run notebooks [-- notebooks/03-sockets-udp.ipynb …]
// (default: every notebook under notebooks/). Needs `npm run setup` first (the .venv and the kernelspec).
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const jupyter = path.join(ROOT, ".venv", "bin", "jupyter");
if (!fs.existsSync(jupyter)) {
  process.stderr.write("execute-notebooks: .venv is missing: run `npm run setup` first\n");
  process.exit(1);
}
const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === ".ipynb_checkpoints" ? [] : walk(p);
    return e.name.endsWith(".ipynb") ? [p] : [];
  });
const files = process.argv.slice(2).length ? process.argv.slice(2).map((f) => path.resolve(f)) : walk(path.join(ROOT, "notebooks")).sort();
let failed = 0;
for (const file of files) {
  const t0 = Date.now();
  const r = spawnSync(
    jupyter,
    ["nbconvert", "--to", "notebook", "--execute", "--inplace", "--ExecutePreprocessor.kernel_name=cdlab", "--ExecutePreprocessor.timeout=600", file],
    { cwd: path.dirname(file), encoding: "utf8" },
  );
  const took = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) process.stdout.write(`ok    ${path.relative(ROOT, file)} (${took} s)\n`);
  else {
    failed++;
    process.stdout.write(`FAIL  ${path.relative(ROOT, file)} (${took} s)\n${(r.stderr || "").split("\n").slice(-25).join("\n")}\n`);
  }
}
process.exit(failed ? 1 : 0);
