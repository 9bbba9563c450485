import path from "node:path";
import { parse, type Command } from "../command";

const usage = `Usage: cdlab kernel --connection-file FILE

Starts the cdlab Jupyter kernel (Jupyter runs this; students do not).`;

export const command: Command = {
  name: "kernel",
  summary: "start the Jupyter kernel (used by Jupyter)",
  usage,
  async run(argv) {
    const p = parse(argv, { "connection-file": { type: "string" } }, { min: 0, max: 0 });
    if (p === "help") return void console.log(usage), 0;
    const file = p.values["connection-file"];
    if (typeof file !== "string") {
      const { UsageError } = await import("../command");
      throw new UsageError("Missing --connection-file");
    }
    require(path.join(__dirname, "..", "..", "..", "kernel", "main.js")).startKernel(file);
    return new Promise<number>(() => {});
  },
};
