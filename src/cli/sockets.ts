/**
 * Shared pieces of the socket CLIs (`cdlab udp-server`, `tcp-client`…).
 * @internal
 */

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
