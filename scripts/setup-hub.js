#!/usr/bin/env node
// `node scripts/setup-hub.js`: what the course server (deploy/, JupyterHub) needs on top of `npm run setup`,
// installing only what is missing. Needs root (apt-get, /opt); the CI's hub test and the Dockerfile run it.
//   1. JupyterHub 3 for Debian's python3          (apt-get install jupyterhub)
//   2. configurable-http-proxy from npm             (a devDependency: checked, installed by `npm run setup`)
//   3. the single-user servers' venv              (python3 -m venv --system-site-packages + requirements.txt)
//   4. the cdlab kernelspec where servers find it   (--kernel-prefix, default /usr/local)
// Options: --venv DIR (default /opt/cdlab-hub/venv), --kernel-prefix DIR, --no-kernelspec, --check (report, install
// nothing; exit 1 when something is missing), --quiet.
// Plain JavaScript like scripts/setup.js, which it does not replace: run that first (npm deps, build).
"use strict";
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const quiet = argv.includes("--quiet");
const check = argv.includes("--check");
const VENV = path.resolve(opt("--venv", process.env.CDLAB_HUB_VENV || "/opt/cdlab-hub/venv"));
const KERNEL_PREFIX = argv.includes("--no-kernelspec") ? null : path.resolve(opt("--kernel-prefix", "/usr/local"));
const PY = "/usr/bin/python3";
const missing = [];

function log(msg) {
  if (!quiet) process.stdout.write(`setup-hub: ${msg}\n`);
}
function fail(msg, code = 1) {
  process.stderr.write(`setup-hub: ${msg}\n`);
  process.exit(code);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: quiet ? "pipe" : "inherit", ...opts });
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  return r;
}
function ok(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", stdio: "pipe" });
  return !r.error && r.status === 0;
}
function need(what, install) {
  if (check) return void missing.push(what);
  if (process.getuid && process.getuid() !== 0) fail(`${what} is missing and installing it needs root (run as root)`, 3);
  install();
}

function jupyterhub() {
  if (ok(PY, ["-c", "import jupyterhub, sys; sys.exit(int(jupyterhub.__version__.split('.')[0]) < 3)"])) return log("jupyterhub present");
  need("jupyterhub (apt-get install jupyterhub)", () => {
    if (!ok("apt-get", ["--version"])) fail("JupyterHub is missing and there is no apt-get: install JupyterHub 3 for /usr/bin/python3", 3);
    log("installing jupyterhub (apt-get)");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    if (run("apt-get", ["update", "-q"], { env }).status !== 0) fail("apt-get update failed", 3);
    if (run("apt-get", ["install", "-y", "-q", "jupyterhub"], { env }).status !== 0) fail("apt-get install jupyterhub failed", 3);
  });
}

function proxy() {
  const bin = path.join(ROOT, "node_modules", "configurable-http-proxy", "bin", "configurable-http-proxy");
  if (fs.existsSync(bin)) return log("configurable-http-proxy present");
  need("configurable-http-proxy (npm run setup installs it)", () => {
    if (run(process.execPath, [path.join(ROOT, "scripts", "setup.js"), ...(quiet ? ["--quiet"] : [])]).status !== 0) fail("npm run setup failed");
  });
}

function venv() {
  const req = path.join(ROOT, "requirements.txt");
  const want = crypto.createHash("sha256").update(fs.readFileSync(req)).digest("hex");
  const stamp = path.join(VENV, ".cdlab-requirements");
  const py = path.join(VENV, "bin", "python");
  if (fs.existsSync(py) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === want) return log(`${VENV} up to date`);
  need(`the single-user venv ${VENV}`, () => {
    if (!fs.existsSync(py)) {
      log(`creating ${VENV} (with Debian's JupyterHub visible)`);
      fs.mkdirSync(path.dirname(VENV), { recursive: true });
      if (run(PY, ["-m", "venv", "--system-site-packages", VENV]).status !== 0) fail("python3 -m venv failed (apt-get install python3-venv)");
    }
    log("installing requirements.txt into the single-user venv");
    const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" };
    const r = run(py, ["-m", "pip", "install", "--retries", "0", "-q", "-r", req], { env, stdio: "pipe" });
    if (r.status !== 0) fail(`pip install -r requirements.txt failed:\n${r.stdout}${r.stderr}`);
    fs.chmodSync(VENV, 0o755);
    fs.writeFileSync(stamp, want);
  });
}

function kernelspec() {
  if (!KERNEL_PREFIX) return;
  const file = path.join(KERNEL_PREFIX, "share", "jupyter", "kernels", "cdlab", "kernel.json");
  const { kernelJson } = require(path.join(ROOT, "dist", "src", "cli", "kernelspec.js"));
  const want = JSON.stringify(kernelJson(), null, 2) + "\n";
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === want) return log(`kernelspec up to date in ${path.dirname(file)}`);
  need(`the cdlab kernelspec in ${KERNEL_PREFIX}`, () => {
    const r = run(process.execPath, [path.join(ROOT, "bin", "cdlab.js"), "install", "--prefix", KERNEL_PREFIX, "--python", path.join(VENV, "bin", "python")]);
    if (r.status !== 0) fail("cdlab install failed");
  });
}

jupyterhub();
proxy();
venv();
kernelspec();
if (check && missing.length) fail(`missing: ${missing.join("; ")}`);
log("ready");
