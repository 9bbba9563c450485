#!/usr/bin/env node
// `npm run setup`: installs what is missing, and nothing else.
//   1. prerequisites (node 20+, python3 with venv, a C++ toolchain)
//   2. npm dependencies        (skipped when package.json/lock are unchanged)
//   3. TypeScript build        (skipped when dist/ is newer than every source)
//   4. native IPC addon        (optional: a failure falls back to the in-process one)
//      and the kernel's startup snapshot (optional: rebuilt when stale; kernels start without it, slower)
//   5. .venv with JupyterLab   (skipped when requirements.txt is unchanged)
//   6. cdlab_jupyter (kernel/python) registered in .venv: its warm-spare kernel provisioner
//      (rewritten only when it changed)
//   7. the cdlab kernelspec in .venv (rewritten only when it changed), naming that provisioner
// Plain JavaScript on purpose: it runs before anything is built.
"use strict";
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const VENV = path.join(ROOT, ".venv");
const quiet = process.argv.includes("--quiet");
const t0 = Date.now();

function log(msg) {
  if (!quiet) process.stdout.write(`setup: ${msg}\n`);
}
function fail(msg) {
  process.stderr.write(`setup: ${msg}\n`);
  process.exit(1);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: quiet ? "pipe" : "inherit", encoding: "utf8", ...opts });
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  return r;
}
function has(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return !r.error && r.status === 0 ? (r.stdout || r.stderr).trim() : null;
}
function hashFiles(files) {
  const h = crypto.createHash("sha256");
  for (const f of files) h.update(fs.existsSync(f) ? fs.readFileSync(f) : "");
  return h.digest("hex");
}
function stampOk(stamp, value) {
  return fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === value;
}

function prerequisites() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 20) fail(`Node.js ${process.versions.node} is too old: install Node.js 20 or newer`);
  const py = has("python3");
  if (!py) fail("python3 was not found: install Python 3.9+ (Debian: apt-get install python3 python3-venv)");
  const [maj, min] = py.replace(/^Python /, "").split(".").map(Number);
  if (maj < 3 || (maj === 3 && min < 9)) fail(`${py} is too old: install Python 3.9 or newer`);
  if (!has("c++") && !has("g++") && !has("clang++"))
    fail("no C++ compiler was found: install one (Debian: apt-get install g++ make; macOS: xcode-select --install)");
  if (!has("make")) fail("make was not found: install it (Debian: apt-get install make)");
}

function npmDeps() {
  const stamp = path.join(ROOT, "node_modules", ".cdlab-deps");
  const want = hashFiles([path.join(ROOT, "package.json"), path.join(ROOT, "package-lock.json")]);
  if (stampOk(stamp, want)) return log("npm dependencies up to date");
  log("installing npm dependencies");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = run(npm, ["install", "--no-audit", "--no-fund"]);
  if (r.status !== 0) fail("npm install failed (see above)");
  fs.writeFileSync(stamp, hashFiles([path.join(ROOT, "package.json"), path.join(ROOT, "package-lock.json")]));
}

function newestMtime(dir, exts) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function build() {
  const stamp = path.join(ROOT, "dist", ".build-stamp");
  const src = Math.max(
    ...["src", "kernel", "bench"].map((d) => newestMtime(path.join(ROOT, d), [".ts", ".json"])),
    fs.statSync(path.join(ROOT, "tsconfig.json")).mtimeMs,
  );
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= src) {
    // A source deleted since (a pull) changes no mtime above: its compiled module must still go.
    require("./prune-dist").pruneDist(ROOT);
    return log("build up to date");
  }
  log("building TypeScript");
  const r = run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]);
  if (r.status !== 0) fail("the TypeScript build failed (see above)");
  require("./prune-dist").pruneDist(ROOT); // as `npm run build` does: no stale module of a deleted source in dist/
  fs.writeFileSync(stamp, new Date().toISOString());
}

function nativeAddon() {
  const script = path.join(ROOT, "scripts", "build-native.js");
  if (!fs.existsSync(script)) return;
  const r = run(process.execPath, [script, ...(quiet ? ["--quiet"] : [])]);
  if (r.status !== 0) log("native IPC addon not built: cdlab will use its in-process IPC (see above)");
}

function kernelSnapshot() {
  const r = run(process.execPath, [path.join(ROOT, "dist", "kernel", "snapshot-build.js"), "--if-stale"]);
  if (r.status !== 0) log("kernel snapshot not built: kernels start without it, only slower (see above)");
}

function venv() {
  const req = path.join(ROOT, "requirements.txt");
  const stamp = path.join(VENV, ".cdlab-requirements");
  const want = hashFiles([req]);
  const py = path.join(VENV, "bin", "python");
  if (fs.existsSync(py) && stampOk(stamp, want)) return log(".venv up to date");
  if (!fs.existsSync(py)) {
    log("creating .venv");
    // In a conda env (environment.yml) JupyterLab is already installed: reuse it.
    const args = ["-m", "venv", ...(process.env.CONDA_PREFIX ? ["--system-site-packages"] : []), VENV];
    const r = run("python3", args);
    if (r.status !== 0) fail("python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)");
  }
  log("installing JupyterLab into .venv (requirements.txt)");
  const env = { ...process.env, PIP_RETRIES: "0", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  const r = run(py, ["-m", "pip", "install", "--retries", "0", "-q", "-r", req], { env, stdio: "pipe" });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    fail("pip install -r requirements.txt failed (see above)");
  }
  fs.writeFileSync(stamp, want);
}

// cdlab_jupyter as an installed distribution of .venv, by hand (no pip: offline, in milliseconds): a .pth puts
// kernel/python on sys.path and a dist-info declares the `cdlab-spare` entry point jupyter_client looks
// provisioners up by. Returns whether the provisioner is registered.
function provisioner() {
  const lib = path.join(VENV, "lib");
  const py = fs.existsSync(lib) ? fs.readdirSync(lib).find((d) => /^python3\.\d+$/.test(d)) : undefined;
  if (!py || !fs.existsSync(path.join(lib, py, "site-packages"))) {
    log("kernel provisioner not registered: no .venv/lib/python3.*/site-packages (kernels start without a warm spare)");
    return false;
  }
  const site = path.join(lib, py, "site-packages");
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
  const info = `cdlab_jupyter-${version}.dist-info`;
  const files = {
    "cdlab_jupyter.pth": path.join(ROOT, "kernel", "python") + "\n",
    [`${info}/METADATA`]: `Metadata-Version: 2.1\nName: cdlab-jupyter\nVersion: ${version}\nSummary: cdlab's Jupyter server extension and warm-spare kernel provisioner\n`,
    [`${info}/entry_points.txt`]: "[jupyter_client.kernel_provisioners]\ncdlab-spare = cdlab_jupyter.provisioner:SpareProvisioner\n",
    [`${info}/INSTALLER`]: "cdlab-setup\n",
  };
  files[`${info}/RECORD`] = [...Object.keys(files), `${info}/RECORD`].map((f) => `${f},,\n`).join("");
  const stale = Object.entries(files).filter(([f, text]) => !fs.existsSync(path.join(site, f)) || fs.readFileSync(path.join(site, f), "utf8") !== text);
  const others = fs.readdirSync(site).filter((d) => /^cdlab_jupyter-.*\.dist-info$/.test(d) && d !== info);
  if (!stale.length && !others.length) {
    log("kernel provisioner up to date");
    return true;
  }
  for (const d of others) fs.rmSync(path.join(site, d), { recursive: true, force: true }); // an older version's
  fs.mkdirSync(path.join(site, info), { recursive: true });
  for (const [f, text] of stale) fs.writeFileSync(path.join(site, f), text);
  log(`kernel provisioner cdlab-spare registered in ${site}`);
  return true;
}

function kernelspec(spare) {
  const { writeSpec, kernelJson } = require(path.join(ROOT, "dist", "src", "cli", "kernelspec.js"));
  const dir = path.join(VENV, "share", "jupyter", "kernels", "cdlab");
  const file = path.join(dir, "kernel.json");
  const want = JSON.stringify(kernelJson({ spare }), null, 2) + "\n";
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === want) return log("kernelspec up to date");
  writeSpec(dir, { spare });
  log(`kernelspec installed in ${dir}`);
}

prerequisites();
npmDeps();
build();
nativeAddon();
kernelSnapshot();
venv();
kernelspec(provisioner());
require("./setup-vnet.js").setupVnet(log); // nftables/conntrack for src/vnet: root + apt-get only
require("./setup-sandbox.js").setupSandbox(log); // bubblewrap for the grading sandbox: root + apt-get only
log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
