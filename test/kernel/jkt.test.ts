/**
 * jupyter_kernel_test against the cdlab kernel. The suite is pure Python but is
 * not on the package mirror this project installs from: it is used when
 * importable from .venv, or from a local git copy of jupyter/jupyter_kernel_test
 * (JKT_GIT_DIR, or the one this workplace fetched); otherwise the test is
 * skipped with a visible message.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const PY = path.join(ROOT, ".venv", "bin", "python");
const GIT_DIRS = [process.env.JKT_GIT_DIR, "/work/.mirror/jupyter+jupyter_kernel_test/repo"].filter(Boolean) as string[];

/** A folder to put on PYTHONPATH so `import jupyter_kernel_test` works, or undefined. */
function locateSuite(tmp: string): string | undefined {
  if (spawnSync(PY, ["-c", "import jupyter_kernel_test"]).status === 0) return "";
  for (const gitDir of GIT_DIRS) {
    if (!fs.existsSync(gitDir)) continue;
    const archive = spawnSync("git", ["--git-dir", gitDir, "archive", "HEAD", "jupyter_kernel_test"], { maxBuffer: 64 << 20 });
    if (archive.status !== 0) continue;
    const untar = spawnSync("tar", ["-x", "-C", tmp], { input: archive.stdout });
    if (untar.status === 0 && fs.existsSync(path.join(tmp, "jupyter_kernel_test", "__init__.py"))) return tmp;
  }
  return undefined;
}

describe("jupyter_kernel_test", function () {
  this.timeout(180000);

  it("passes every test for the cdlab kernel", function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-jkt-"));
    try {
      const suite = locateSuite(tmp);
      if (suite === undefined) {
        console.log("      (skipped: jupyter_kernel_test is not installed and no local copy of it was found; set JKT_GIT_DIR)");
        this.skip();
      }
      const r = spawnSync(PY, ["-m", "unittest", "-v", "test_cdlab"], {
        cwd: path.join(__dirname, "jkt"),
        encoding: "utf8",
        env: {
          ...process.env,
          PYTHONPATH: [suite, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
          JUPYTER_PATH: path.join(ROOT, ".venv", "share", "jupyter"),
          PYTHONDONTWRITEBYTECODE: "1",
        },
      });
      const out = r.stdout + r.stderr;
      const ran = /Ran (\d+) tests?/.exec(out);
      expect(ran, out).to.exist;
      expect(Number(ran![1])).to.be.greaterThan(10);
      expect(r.status, out).to.equal(0);
      expect(out).to.match(/\nOK( \(skipped=\d+\))?\n/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
