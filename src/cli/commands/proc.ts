import { defineCommand, UsageError } from "../command";
import { processAttributes, attributeRows } from "../../proc/attributes";

const usage = `Usage: cdlab proc [PID] [--json]

Shows a process's attributes as the lecture lists them, read from /proc:
PID, PPID, UIDs, current directory, file descriptors, environment, memory
regions, priority and signal dispositions.
  PID      the process (default: this command's own process)
  --json   print every attribute as JSON (the whole environment, every region)`;

export const command = defineCommand({
  name: "proc",
  summary: "show a process's attributes (PID, PPID, fds, memory, signals…)",
  usage,
  options: { json: { type: "boolean" } },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals: [arg] }) {
    if (arg !== undefined && !/^\d+$/.test(arg)) throw new UsageError(`Invalid PID ${JSON.stringify(arg)}: expected a positive integer`);
    const a = processAttributes(arg === undefined ? process.pid : Number(arg));
    if (values.json) console.log(JSON.stringify(a, null, 2));
    else for (const r of attributeRows(a)) console.log(`${r.atributo}:\n  ${r.valor.split("\n").join("\n  ")}`);
    return 0;
  },
});
