import { defineCommand, UsageError } from "../command";
import { installSpec, type InstallTarget } from "../kernelspec";

const usage = `Usage: cdlab install [--user | --sys-prefix | --prefix DIR] [--python PYTHON]

Registers the cdlab kernel with Jupyter (like \`tslab install\`).
  --user         per-user kernels folder (default when not root and no venv)
  --sys-prefix   the Python environment's folder (what \`npm run setup\` uses)
  --prefix DIR   DIR/share/jupyter/kernels
  --python P     the Python whose jupyter installs it (default: .venv/bin/python, else python3)`;

export const command = defineCommand({
  name: "install",
  summary: "register the cdlab kernel with Jupyter",
  usage,
  options: { user: { type: "boolean" }, "sys-prefix": { type: "boolean" }, prefix: { type: "string" }, python: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values: v }) {
    const chosen = [v.user, v["sys-prefix"], v.prefix !== undefined].filter(Boolean).length;
    if (chosen > 1) throw new UsageError("Choose one of --user, --sys-prefix, --prefix");
    const target: InstallTarget = v.prefix !== undefined ? { prefix: String(v.prefix) } : v.user ? { user: true } : { sysPrefix: true };
    const where = installSpec(target, v.python as string | undefined);
    console.log(`Installed the cdlab kernelspec${where ? " in " + where : ""}`);
    return 0;
  },
});
