/**
 * Shared pieces of the socket CLIs (`cdlab udp-server`, `tcp-client`…).
 * @internal
 */

/**
 * Put negative numbers (`-1`) where `parseArgs` sees them as positionals, not
 * flags, so `cdlab udp-server -1` says "Invalid port" instead of "Unknown option".
 *
 * @param argv the command's arguments
 * @param valueOptions long options that take a value (`--timeout 100`)
 * @returns an equivalent argv with every positional after `--`
 */
export function negativesAsPositionals(argv: string[], valueOptions: string[]): string[] {
  const opts: string[] = [];
  const pos: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      pos.push(...argv.slice(i + 1));
      break;
    }
    if (/^-\d/.test(a) || !a.startsWith("-") || a === "-") pos.push(a);
    else {
      opts.push(a);
      if (valueOptions.includes(a) && i + 1 < argv.length) opts.push(argv[++i]);
    }
  }
  return [...opts, "--", ...pos];
}

/**
 * Resolve when the process gets SIGINT or SIGTERM (Ctrl-C in a terminal).
 * The handlers are removed afterwards.
 *
 * @returns the signal's name
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/** Parse `--timeout MS` (a non-negative integer) or throw a one-line error. */
export function parseTimeout(value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    const { CdlabError } = require("../runtime/errors") as typeof import("../runtime/errors");
    throw new CdlabError("ERR_INVALID_ARG", `Invalid option "--timeout" ${JSON.stringify(value)}: expected milliseconds, a non-negative integer`);
  }
  return Number(value);
}
