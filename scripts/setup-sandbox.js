#!/usr/bin/env node
// Setup step of the grading sandbox (src/grader/sandbox.ts): installs Debian's `bubblewrap` (the `bwrap`
// command) when it is missing and this runs as root with apt-get; says so in one line and skips cleanly
// anywhere else (the grader then says on stderr and in each report that kernels run unsandboxed).
// Called by scripts/setup.js. Plain JavaScript: it runs before the build.
"use strict";
const { spawnSync } = require("child_process");

function has(cmd) {
  return !spawnSync(cmd, ["--version"], { stdio: "ignore" }).error;
}

/**
 * Install bubblewrap when possible.
 * @param {(msg: string) => void} log one line per outcome
 * @returns {boolean} true when bwrap is available afterwards
 */
function setupSandbox(log = (m) => process.stdout.write(`setup: ${m}\n`)) {
  if (process.platform !== "linux") return false;
  if (has("bwrap")) return true;
  if (process.getuid() !== 0 || !has("apt-get")) {
    log("grading sandbox: bubblewrap missing (install as root: apt-get install bubblewrap); cdlab grade runs kernels unsandboxed");
    return false;
  }
  log("grading sandbox: installing bubblewrap (apt-get)");
  const opts = { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 300000 };
  const lock = ["-o", "DPkg::Lock::Timeout=120"];
  for (let attempt = 0; attempt < 3 && !has("bwrap"); attempt++) {
    spawnSync("apt-get", ["update", "-qq", ...lock], opts);
    if (spawnSync("apt-get", ["install", "-y", "-qq", ...lock, "bubblewrap"], opts).status === 0) break;
    spawnSync("sleep", ["10"]); // another apt-get holds the lock
  }
  if (!has("bwrap")) log("grading sandbox: could not install bubblewrap; cdlab grade runs kernels unsandboxed");
  return has("bwrap");
}

module.exports = { setupSandbox };
if (require.main === module) setupSandbox();
