/**
 * The shape of a CLI command and its argument parsing. Each command lives in
 * `src/cli/commands/<name>.ts` and exports `command`.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A `cdlab <name>` subcommand. */
export interface Command {
  /** What the user types after `cdlab`, e.g. `udp-server`. */
  name: string;
  /** One line for `cdlab --help`. */
  summary: string;
  /** Usage text shown by `cdlab <name> --help` and on usage errors. */
  usage: string;
  /** Runs the command; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Parsed command line: option values by name, and positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parse `argv` strictly (unknown flags are usage errors) with `--help` built in.
 *
 * @returns the parsed values and positionals, or `"help"` when --help was given
 */
export function parse(
  argv: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  positionals: { min: number; max: number },
): "help" | Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0].replace(/\. To specify.*$/, ""));
  }
  if ((parsed.values as { help?: boolean }).help) return "help" as const;
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`Missing argument: expected at least ${positionals.min}, got ${n}`);
  if (n > positionals.max) throw new UsageError(`Too many arguments: expected at most ${positionals.max}, got ${n}`);
  return { values: parsed.values, positionals: parsed.positionals };
}

/**
 * Put negative numbers (`-1`) where `parseArgs` sees them as positionals, not
 * flags, so `cdlab udp-server -1` says "Invalid port" instead of "Unknown option".
 *
 * @param argv the command's arguments
 * @param valueOptions long options that take a value (`--timeout 100`)
 * @returns an equivalent argv with every positional after `--`
 */
function negativesAsPositionals(argv: string[], valueOptions: string[]): string[] {
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

/** What {@link defineCommand} needs: the command's texts, the arguments it takes, and what it does with them. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** Its options, as `node:util` `parseArgs` takes them (`--help` is added). @default {} */
  options?: NonNullable<ParseArgsConfig["options"]>;
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number };
  /**
   * Read `-1` as a positional argument, not a flag, so that `cdlab udp-server -1` says "Invalid port" instead
   * of "Unknown option" (the socket commands). @default false
   */
  negativeNumbers?: boolean;
  /** Runs with the parsed arguments; resolves to the exit code. */
  run(args: Parsed): Promise<number>;
}

/**
 * A command whose arguments are parsed (strictly, see {@link parse}) before `run` sees them; `--help` prints
 * the usage and exits 0 without running it.
 */
export function defineCommand(spec: CommandSpec): Command {
  const { name, summary, usage, options = {}, positionals, negativeNumbers = false, run } = spec;
  const valueOptions = Object.entries(options).flatMap(([k, o]) => (o.type === "string" ? [`--${k}`] : []));
  return {
    name,
    summary,
    usage,
    async run(argv) {
      const p = parse(negativeNumbers ? negativesAsPositionals(argv, valueOptions) : argv, options, positionals);
      if (p === "help") {
        console.log(usage);
        return 0;
      }
      return run(p);
    },
  };
}
