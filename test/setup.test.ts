import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const SETUP = path.join(ROOT, "scripts", "setup.js");

function pins(text: string, re: RegExp): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const r = re.exec(line);
    if (r) m.set(r[1].toLowerCase().replace(/_/g, "-"), r[2]);
  }
  return m;
}

describe("setup", function () {
  it("a second run finds everything up to date", function () {
    this.timeout(120000);
    spawnSync(process.execPath, [SETUP], { cwd: ROOT, encoding: "utf8" });
    const r = spawnSync(process.execPath, [SETUP], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    for (const step of ["npm dependencies up to date", "build up to date", ".venv up to date", "kernelspec up to date"]) {
      expect(r.stdout).to.include(`setup: ${step}`);
    }
    expect(r.stdout).not.to.match(/installing|building|creating/);
  });

  it("a missing python3 gets one line saying what to install", function () {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-path-"));
    try {
      fs.symlinkSync(process.execPath, path.join(bin, "node"));
      const r = spawnSync(process.execPath, [SETUP], { cwd: ROOT, encoding: "utf8", env: { PATH: bin, HOME: os.homedir() } });
      expect(r.status).to.equal(1);
      expect(r.stderr.trim().split("\n")).to.deep.equal([
        "setup: python3 was not found: install Python 3.9+ (Debian: apt-get install python3 python3-venv)",
      ]);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it("environment.yml pins the same Python packages as requirements.txt", function () {
    const req = pins(fs.readFileSync(path.join(ROOT, "requirements.txt"), "utf8"), /^([A-Za-z0-9_.-]+)==([\w.]+)\s*$/);
    const env = pins(fs.readFileSync(path.join(ROOT, "environment.yml"), "utf8"), /^\s*-\s*([A-Za-z0-9_.-]+)=([\w.]+)\s*$/);
    expect(req.size).to.be.greaterThan(3);
    for (const [name, version] of req) expect(env.get(name), `${name} in environment.yml`).to.equal(version);
    expect(env.get("python")).to.equal("3.11");
    expect(env.get("nodejs")).to.equal(process.versions.node.split(".")[0]);
  });
});
