#!/usr/bin/env node
// Setup step of the virtual networks (src/vnet): installs Debian's `nftables` (the `nft` command: NAT and
// firewall in the router) and `conntrack` (conntrack-tools: the kernel's translation table) when they are
// missing and this runs as root with apt-get; says so in one line, and skips cleanly anywhere else (the
// helpers then read /proc/net/nf_conntrack, or say in pt-BR that NAT and firewall are unavailable).
// Called by scripts/setup.js and by the vnet tests' before hook. Plain JavaScript: it runs before the build.
"use strict";
const { spawnSync } = require("child_process");

const PACKAGES = [
  ["nft", "nftables"],
  ["conntrack", "conntrack"],
];

function has(cmd) {
  return !spawnSync(cmd, ["--version"], { stdio: "ignore" }).error;
}

/**
 * Install the missing packages when possible.
 * @param {(msg: string) => void} log one line per outcome
 * @returns {boolean} true when nft is available afterwards
 */
function setupVnet(log = (m) => process.stdout.write(`setup: ${m}\n`)) {
  if (process.platform !== "linux") return false;
  const missing = PACKAGES.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (missing.length === 0) return true;
  if (process.getuid() !== 0 || !has("apt-get")) {
    log(`virtual networks: ${missing.join(", ")} missing (install as root: apt-get install ${missing.join(" ")}); NAT/firewall demos skipped`);
    return has("nft");
  }
  log(`virtual networks: installing ${missing.join(", ")} (apt-get)`);
  const opts = { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 300000 };
  const lock = ["-o", "DPkg::Lock::Timeout=120"];
  for (let attempt = 0; attempt < 3; attempt++) {
    spawnSync("apt-get", ["update", "-qq", ...lock], opts);
    if (spawnSync("apt-get", ["install", "-y", "-qq", ...lock, ...missing], opts).status === 0) break;
    spawnSync("sleep", ["10"]); // another apt-get holds the lock
  }
  const still = PACKAGES.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (still.length > 0) log(`virtual networks: could not install ${still.join(", ")}; NAT/firewall demos skipped`);
  return has("nft");
}

module.exports = { setupVnet };
if (require.main === module) setupVnet();
