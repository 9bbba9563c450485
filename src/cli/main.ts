/**
 * `cdlab` command line: dispatches to the commands in `./commands/`.
 * Each file there exports `command: Command`; new files join automatically.
 */
import fs from "node:fs";
import path from "node:path";
import { CdlabError } from "../runtime/errors";
import { PACKAGE_ROOT } from "../runtime/root";
import { UsageError, type Command } from "./command";

function loadCommands(): Map<string, Command> {
  const dir = path.join(__dirname, "commands");
  const map = new Map<string, Command>();
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith(".js")) continue;
    const mod = require(path.join(dir, f)) as { command?: Command };
    if (mod.command) map.set(mod.command.name, mod.command);
  }
  return map;
}

function help(commands: Map<string, Command>): string {
  const w = Math.max(...[...commands.keys()].map((k) => k.length));
  const lines = [...commands.values()].map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`);
  return `Usage: cdlab <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun \`cdlab <command> --help\` for a command's options.\n`;
}

/**
 * Run the CLI.
 *
 * @param argv arguments after `cdlab`
 * @returns the exit code: 0 ok, 1 failure, 2 usage error
 */
export async function main(argv: string[]): Promise<number> {
  const commands = loadCommands();
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(help(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(require(path.join(PACKAGE_ROOT, "package.json")).version + "\n");
    return 0;
  }
  const cmd = commands.get(name);
  if (!cmd) {
    process.stderr.write(`cdlab: unknown command "${name}"\n\n${help(commands)}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cdlab ${name}: ${e.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    if (e instanceof CdlabError) {
      process.stderr.write(`cdlab ${name}: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`cdlab ${name}: ${err?.message ?? String(e)}\n`);
    return 1;
  }
}
