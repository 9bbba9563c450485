/**
 * How test cells get assertion helpers that student code cannot replace.
 *
 * 1. Before any student cell, a prelude stores the (frozen) `assert` of cdlab
 *    in a global property whose name is random for each grading run, and that
 *    is non-writable and non-configurable.
 * 2. Each test cell runs inside a block that starts with
 *    `const assert = <that global>.assert`: a student's own `assert` (a
 *    redefinition, a shadowing `const`, a patched import) is out of scope, and
 *    the student cannot declare a binding with a name they never saw.
 * 3. The assertion module captured every intrinsic it uses when it loaded.
 *
 * This only protects in-kernel checks (visible tests, exercises not yet
 * converted): student code shares the realm and can still patch what runs it.
 * Verdicts that count are decided outside the kernel (verdict.ts). There is no
 * "suspicious code" scan of the source text: string patterns were evaded by
 * splitting a string and flagged harmless comments, so they told nothing.
 */
import { randomBytes } from "node:crypto";

/** The per-run name and code of the hardening prelude. */
export interface Hardening {
  /** The global's name, e.g. `cdlabGrader_3f9a…`. */
  name: string;
  /** Code to run first in a fresh kernel. */
  prelude: string;
  /** The code that runs a test cell's source with the pristine helpers. */
  wrap(testSource: string): string;
}

/**
 * Make the prelude and wrapper for one grading run.
 *
 * @returns a new random name, its prelude and its wrapper
 */
export function hardening(): Hardening {
  const name = `cdlabGrader_${randomBytes(12).toString("hex")}`;
  const prelude = [
    `Object.defineProperty(globalThis, ${JSON.stringify(name)}, {`,
    `  value: Object.freeze({ assert: require("cdlab").assert }),`,
    `  writable: false, configurable: false, enumerable: false,`,
    `});`,
  ].join("\n");
  return {
    name,
    prelude,
    wrap: (src) => `declare const ${name}: { assert: typeof import("cdlab").assert };\n{\nconst assert = ${name}.assert;\n${src}\n}\n`,
  };
}
