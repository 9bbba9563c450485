/**
 * Temporary kernelspecs for the comparisons, in a temp folder put first on
 * JUPYTER_PATH — never installed into the user's Jupyter:
 * - `cdlab`: the project's kernel (the same kernel.json `cdlab install` writes)
 * - `tslab`: plain tslab, as `tslab install` would write it
 * - `python3`: ipykernel from .venv (found through .venv/share/jupyter)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeSpec } from "../src/cli/kernelspec";
import { ROOT } from "../src/cli/kernelspec";

/** The kernels every kernel benchmark compares, subject first. */
export const KERNELS = ["cdlab", "tslab", "python3"] as const;
export type KernelName = (typeof KERNELS)[number];

/** Labels for the table. */
export const KERNEL_LABEL: Record<KernelName, string> = { cdlab: "cdlab", tslab: "plain tslab", python3: "ipykernel" };

/** A temp JUPYTER_PATH holding the specs, and `remove()` to delete it. */
export interface SpecDir {
  /** Value for the JUPYTER_PATH environment variable. */
  jupyterPath: string;
  remove(): void;
}

/** Write the specs into a fresh temp folder; `spare`: cdlab's names the warm-spare provisioner (.venv's Python has it). */
export function makeSpecDir({ spare = false }: { spare?: boolean } = {}): SpecDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-bench-specs-"));
  writeSpec(path.join(dir, "kernels", "cdlab"), { spare });
  const tslab = path.join(dir, "kernels", "tslab");
  fs.mkdirSync(tslab, { recursive: true });
  const argv = [process.execPath, path.join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"];
  fs.writeFileSync(path.join(tslab, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript (plain tslab)", language: "typescript" }, null, 2));
  return {
    jupyterPath: [dir, path.join(ROOT, ".venv", "share", "jupyter")].join(path.delimiter),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The venv's python. */
export function venvPython(): string {
  return path.join(ROOT, ".venv", "bin", "python");
}
