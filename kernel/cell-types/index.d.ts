/**
 * Globals the cdlab kernel adds to every cell (kernel/engine.ts installs
 * them; src/runtime/input.ts implements them). Synchronous, as in a browser:
 * the kernel waits until the student answers in the box under the cell.
 * Not part of the project's own compile (tsconfig.json excludes this folder).
 */

/** Ask for a line; an empty answer gives `defaultValue` (or ""). */
declare function prompt(message?: string, defaultValue?: string): string | null;
/** A yes/no question: true for s, sim, y or yes. */
declare function confirm(message?: string): boolean;
/** Show `message` and wait for Enter. */
declare function alert(message?: string): void;
