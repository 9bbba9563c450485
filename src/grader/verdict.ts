/**
 * Verdicts decided in the grader's process, where student code cannot reach.
 *
 * A test cell's hidden part may hold, as comments, a verdict and probes:
 *
 *     // BEGIN HIDDEN TESTS
 *     await observe("soma(-1, 1)", () => soma(-1, 1));
 *     /* cdlab:verdict
 *     assert.equal(value("soma(-1, 1)"), 0, "soma(-1, 1)");
 *     *\/
 *     // END HIDDEN TESTS
 *
 * The comments are cut from the code sent to the kernel; the verdict (plain
 * JavaScript) runs here, on the observations the cell sent as data
 * ({@link observe}) and on what probes measured from their own process
 * (src/grader/probe.ts). Student code can patch the kernel, but it can only
 * send values, never the expectations it does not know.
 */
import { assert, AssertionError } from "./assert";
import { OBSERVATION_MIME, type Observation } from "./observe";
import type { Output } from "./notebook";
import { probeKinds, type ProbeSpec } from "./probe";

const BLOCK = /\/\*\s*cdlab:(verdict|probe)\b([^\n]*)\n([\s\S]*?)\*\//g;

/** A test cell's source split into what the kernel runs and what the grader keeps. */
export interface SplitTest {
  /** The code for the kernel: the source without its verdict and probe blocks. */
  code: string;
  /** The verdict's JavaScript, when the cell has one. */
  verdict?: string;
  /** Probes by name (a JavaScript expression each, see {@link probeSpecs}). */
  probes: Record<string, string>;
}

/**
 * Split a test cell's source.
 *
 * @param source the source cell (with its hidden tests)
 * @returns the kernel's code and the grader's verdict and probes
 */
export function splitTest(source: string): SplitTest {
  const verdicts: string[] = [];
  const probes: Record<string, string> = {};
  const code = source.replace(BLOCK, (_all, kind: string, head: string, body: string) => {
    if (kind === "verdict") verdicts.push(body);
    else probes[head.trim()] = body.trim();
    return "";
  });
  return { code, verdict: verdicts.length ? verdicts.join("\n") : undefined, probes };
}

/** Observations of one cell execution, by name; a name sent twice is reported. */
export function observationsOf(outputs: Output[]): { byName: Map<string, Observation>; repeated: string[] } {
  const byName = new Map<string, Observation>();
  const repeated: string[] = [];
  for (const o of outputs) {
    if (o.output_type !== "display_data") continue;
    const data = (o.data as Record<string, unknown> | undefined)?.[OBSERVATION_MIME];
    if (!data || typeof data !== "object" || typeof (data as Observation).name !== "string") continue;
    const obs = data as Observation;
    if (byName.has(obs.name)) repeated.push(obs.name);
    else byName.set(obs.name, obs);
  }
  return { byName, repeated };
}

/** Undo the tags of `asData` (undefined, NaN, ±Infinity). */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$") {
      const t = (v as { $: unknown }).$;
      if (t === "undefined") return undefined;
      if (t === "NaN" || t === "Infinity" || t === "-Infinity") return Number(t);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

/** How a verdict ended. */
export type Judgement = { ok: true } | { ok: false; status: "failed" | "error"; message: string };

/**
 * Run a verdict on what one test cell observed and what its probes measured.
 * The verdict sees `assert` (cdlab's, from this process), `value(name)` (the
 * observed value; fails when missing or when computing it threw), `error(name)`
 * (the thrown error `{ name, message, code }`; fails when nothing was thrown)
 * and `probe(name)` (a probe's result; fails when it did not run).
 *
 * @param verdict the verdict's JavaScript
 * @param outputs the cell's outputs, as the kernel sent them
 * @param probes probe results by name
 * @returns ok, or a pt-BR message
 */
export function judge(verdict: string, outputs: Output[], probes: Map<string, unknown> = new Map()): Judgement {
  const { byName, repeated } = observationsOf(outputs);
  if (repeated.length) return { ok: false, status: "failed", message: `observação enviada mais de uma vez: ${repeated.join(", ")}` };
  const get = (name: string): Observation => {
    const o = byName.get(name);
    if (!o) throw new AssertionError(`${name}: não observado (a célula de teste não chegou até aí)`);
    return o;
  };
  const value = (name: string): unknown => {
    const o = get(name);
    if (o.error) throw new AssertionError(`${name}: lançou ${o.error.name}: ${o.error.message}`);
    return revive(o.value);
  };
  const error = (name: string): { name: string; message: string; code?: string } => {
    const o = get(name);
    if (!o.error) throw new AssertionError(`${name}: esperava um erro, obteve ${JSON.stringify(o.value)}`);
    return o.error;
  };
  const probe = (name: string): unknown => {
    if (!probes.has(name)) throw new AssertionError(`sonda "${name}": não executada (a célula não pediu a sonda)`);
    return probes.get(name);
  };
  try {
    new Function("assert", "value", "error", "probe", `"use strict";\n${verdict}`)(assert, value, error, probe);
    return { ok: true };
  } catch (e) {
    if (e instanceof AssertionError) return { ok: false, status: "failed", message: e.message };
    return { ok: false, status: "error", message: `erro no veredito do exercício: ${(e as Error)?.message ?? String(e)}` };
  }
}

/**
 * Evaluate probe declarations (JavaScript expressions: `udp({ send: ["oi"] })`,
 * `udpFree()`, `udpServer({ drop: 2 })`) into specs for the probe process.
 * The builders are those of every kind in src/grader/probes/ ({@link probeKinds}).
 *
 * @param probes name → expression
 * @returns name → spec
 */
export function probeSpecs(probes: Record<string, string>): Record<string, ProbeSpec> {
  const builders = [...probeKinds().values()].map((k) => [k.declaration, (...a: never[]) => ({ ...k.build(...a), kind: k.kind })] as const);
  const make = new Function(...builders.map(([name]) => name), "expr", `"use strict"; return eval(expr);`);
  return Object.fromEntries(Object.entries(probes).map(([name, expr]) => [name, make(...builders.map(([, b]) => b), expr) as ProbeSpec]));
}
