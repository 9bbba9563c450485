import path from "node:path";
import { defineCommand, UsageError } from "../command";

const usage = `Usage: cdlab kernel --connection-file FILE

Starts the cdlab Jupyter kernel (Jupyter runs this; students do not).`;

export const command = defineCommand({
  name: "kernel",
  summary: "start the Jupyter kernel (used by Jupyter)",
  usage,
  options: { "connection-file": { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values }) {
    const file = values["connection-file"];
    if (typeof file !== "string") throw new UsageError("Missing --connection-file");
    // The kernel in this process, as main.ts runs it when there is no snapshot to start from.
    (require(path.join(__dirname, "..", "..", "..", "kernel", "kernel.js")) as { startKernel(file: string): void }).startKernel(file);
    return new Promise<number>(() => {}); // the kernel ends the process
  },
});
