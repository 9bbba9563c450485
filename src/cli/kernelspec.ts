/**
 * Writing the cdlab kernelspec (kernel.json with absolute paths, and the logos)
 * and installing it with `jupyter kernelspec install`, like `tslab install`.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CdlabError } from "../runtime/errors";
import { shellCommand, snapshotFiles } from "../jupyter/kernel-snapshot";

import { PACKAGE_ROOT } from "../runtime/root";

/** Root of the package. */
export const ROOT = PACKAGE_ROOT;
/** The kernel's name in Jupyter. */
export const KERNEL_NAME = "cdlab";

/** Where to install: like `jupyter kernelspec install`. */
export type InstallTarget = { user: true } | { sysPrefix: true } | { prefix: string };

/**
 * The kernel.json cdlab installs: the template in kernel/ with absolute paths,
 * its command wrapped in a shell that sources dist/kernel/start.sh (written
 * with the startup snapshot) and so `exec`s the kernel from the blob when it
 * can be used, else `node main.js` as the template says (src/jupyter/kernel-snapshot.ts).
 */
export function kernelJson(): Record<string, unknown> {
  const spec = JSON.parse(fs.readFileSync(path.join(ROOT, "kernel", "kernel.json"), "utf8"));
  // The template's argv is [node, ...node flags, main.js, ...args]: keep the flags.
  const flags = (spec.argv as string[]).slice(1).filter((a) => a.startsWith("--") && a !== "--connection-file");
  const kernelDir = path.join(ROOT, "dist", "kernel");
  const argv = [process.execPath, ...flags, path.join(kernelDir, "main.js"), "--connection-file", "{connection_file}"];
  spec.argv = shellCommand(snapshotFiles(kernelDir).start, argv);
  return spec;
}

/** Write the kernelspec folder (kernel.json + logos) into `dir`. */
export function writeSpec(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(), null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) {
    fs.copyFileSync(path.join(ROOT, "kernel", logo), path.join(dir, logo));
  }
}

/** The project's venv python, or python3 from PATH. */
export function defaultPython(): string {
  const venv = path.join(ROOT, ".venv", "bin", "python");
  return fs.existsSync(venv) ? venv : "python3";
}

/**
 * Install the kernelspec with `<python> -m jupyter kernelspec install`.
 *
 * @returns the folder Jupyter installed it into
 */
export function installSpec(target: InstallTarget, python = defaultPython()): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-spec-"));
  const dir = path.join(tmp, KERNEL_NAME);
  try {
    writeSpec(dir);
    const args = ["-m", "jupyter", "kernelspec", "install", "--replace", "--name", KERNEL_NAME];
    if ("user" in target) args.push("--user");
    else if ("sysPrefix" in target) args.push("--sys-prefix");
    else args.push("--prefix", target.prefix);
    args.push(dir);
    const r = spawnSync(python, args, { encoding: "utf8" });
    if (r.error) throw new CdlabError("ENOENT", `Cannot run ${python}: ${r.error.message}`);
    if (r.status !== 0) {
      const why = (r.stderr || r.stdout).trim().split("\n").pop();
      throw new CdlabError("ERR_KERNELSPEC", `jupyter kernelspec install failed: ${why} (is jupyter installed for ${python}? run npm run setup)`);
    }
    const m = /in (\S+)\s*$/.exec(r.stderr.trim()) ?? /in (\S+)\s*$/.exec(r.stdout.trim());
    return m ? m[1] : "";
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
