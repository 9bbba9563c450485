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

/** Options of {@link kernelJson} and {@link writeSpec}. */
export interface SpecOptions {
  /**
   * Name the warm-spare provisioner (`cdlab-spare`, kernel/python/cdlab_jupyter/provisioner.py) in
   * `metadata.kernel_provisioner`. Only for a spec read by a Python where setup registered it: jupyter_client
   * hides a kernelspec whose provisioner is not installed.
   * @default false
   */
  spare?: boolean;
}

/** The provisioner's settings in a kernelspec that names it. */
export const SPARE_PROVISIONER = { provisioner_name: "cdlab-spare", config: { spare: true, spare_idle_seconds: 900 } } as const;

/**
 * The kernel.json cdlab installs: the template in kernel/ with absolute paths,
 * its command wrapped in a shell that sources dist/kernel/start.sh (written
 * with the startup snapshot) and so `exec`s the kernel from the blob when it
 * can be used, else `node main.js` as the template says (src/jupyter/kernel-snapshot.ts).
 */
export function kernelJson({ spare = false }: SpecOptions = {}): Record<string, unknown> {
  const spec = JSON.parse(fs.readFileSync(path.join(ROOT, "kernel", "kernel.json"), "utf8"));
  // The template's argv is [node, ...node flags, main.js, ...args]: keep the flags.
  const flags = (spec.argv as string[]).slice(1).filter((a) => a.startsWith("--") && a !== "--connection-file");
  const kernelDir = path.join(ROOT, "dist", "kernel");
  const argv = [process.execPath, ...flags, path.join(kernelDir, "main.js"), "--connection-file", "{connection_file}"];
  spec.argv = shellCommand(snapshotFiles(kernelDir).start, argv);
  if (spare) spec.metadata = { ...spec.metadata, kernel_provisioner: SPARE_PROVISIONER };
  return spec;
}

/** Write the kernelspec folder (kernel.json + logos) into `dir`. */
export function writeSpec(dir: string, options: SpecOptions = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(options), null, 2) + "\n");
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
    // No warm-spare provisioner here: the spec may be read by another Jupyter (--user, --prefix) whose Python
    // does not have cdlab_jupyter registered, and jupyter_client would hide the kernel. Only the project's
    // .venv, where scripts/setup.js registers it, gets a spec that names it.
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
