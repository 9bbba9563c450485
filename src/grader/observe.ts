/**
 * What a hidden test cell reports to the grader: an observation is a value
 * (or the error thrown while computing it), sent as data on its own MIME type.
 * The cell judges nothing: the grader compares observations with expectations
 * it never sends to the kernel (see src/grader/verdict.ts), so patching the
 * kernel's realm cannot turn a missing or wrong value into points.
 */
import net from "node:net";
import { display } from "../runtime/display";
import { CdlabError } from "../runtime/errors";

/** MIME type of an observation's `display_data` (the grader reads only this one). */
export const OBSERVATION_MIME = "application/vnd.cdlab.observation+json";

/** An observation as data: the value, or the error that was thrown instead. */
export interface Observation {
  name: string;
  value?: unknown;
  error?: { name: string; message: string; code?: string };
}

/**
 * A JSON-safe copy of a value: `undefined`, `NaN`, ±`Infinity` and bigints as
 * `{ $: "…" }` tags, Buffers and typed arrays as byte arrays, Maps and Sets as
 * arrays, Errors as `{ name, message, code }`, cycles cut.
 *
 * @param v any value
 * @returns a value `JSON.stringify` keeps as is
 */
export function asData(v: unknown, seen = new Set<object>()): unknown {
  if (v === undefined) return { $: "undefined" };
  if (typeof v === "number" && !Number.isFinite(v)) return { $: String(v) };
  if (typeof v === "bigint") return { $: `${v}n` };
  if (typeof v === "function" || typeof v === "symbol") return { $: typeof v };
  if (v === null || typeof v !== "object") return v;
  if (seen.has(v)) return { $: "cycle" };
  seen.add(v);
  try {
    if (v instanceof Error) return errorData(v);
    if (ArrayBuffer.isView(v)) return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (v instanceof Map) return [...v].map(([k, x]) => [asData(k, seen), asData(x, seen)]);
    if (v instanceof Set) return [...v].map((x) => asData(x, seen));
    if (Array.isArray(v)) return v.map((x) => asData(x, seen));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asData(x, seen)]));
  } finally {
    seen.delete(v);
  }
}

function errorData(e: unknown): { name: string; message: string; code?: string } {
  const o = (e && typeof e === "object" ? e : { message: String(e) }) as { name?: unknown; message?: unknown; code?: unknown };
  const out: { name: string; message: string; code?: string } = { name: String(o.name ?? "Error"), message: String(o.message ?? "") };
  if (typeof o.code === "string") out.code = o.code;
  return out;
}

/**
 * Report a value to the grader. With a function, it is called (and awaited):
 * its result is the value, or the error it throws is reported instead. Outside
 * the grader the observation is shown as text, so the cell still runs in
 * Jupyter.
 *
 * @param name the observation's name, unique in its test cell
 * @param what a value, a promise or a function computing it
 * @returns when the value is known and sent
 * @example
 * ```ts
 * import { observe } from "cdlab";
 * declare function soma(a: number, b: number): number; // the student's function
 * await observe("soma(-1, 1)", () => soma(-1, 1));
 * ```
 */
export async function observe(name: string, what: unknown): Promise<void> {
  if (typeof name !== "string" || !name) throw new CdlabError("ERR_INVALID_ARG", "Nome de observação inválido: deve ser um texto não vazio");
  const o: Observation = { name };
  try {
    o.value = asData(await (typeof what === "function" ? (what as () => unknown)() : what));
  } catch (e) {
    o.error = errorData(e);
  }
  const text = o.error ? `${name}: lançou ${o.error.name}: ${o.error.message}` : `${name}: ${JSON.stringify(o.value)}`;
  display.raw({ [OBSERVATION_MIME]: o, "text/plain": text });
}

/** Global (by `Symbol.for`) where the grader leaves the probe process's `host:port` for test cells. */
export const PROBE_ADDRESS_KEY = "cdlab.probe.address";

/** What the probe process answered a cell: whether the probe ran, and a server probe's port. */
export interface ProbeAnswer {
  ran: boolean;
  /** For a server the probe process runs (`udp-server`): its port on 127.0.0.1. */
  port?: number;
}

/**
 * Ask the grader's probe process to run the probe `name` now: measure a target
 * (e.g. send datagrams to the student's server while it is up) or start a
 * server for the cell to talk to. What is sent and what is measured go to the
 * grader, not to this kernel. Outside the grader nothing is probed.
 *
 * @param name the probe's name, as declared in the hidden part (`cdlab:probe name`)
 * @param target what to measure: a port on 127.0.0.1, or a process by its pid (none for a server probe)
 * @param options.timeoutMs how long to wait for the probe @default 10000
 * @returns whether it ran, and a server probe's port
 * @example
 * ```ts
 * import { probe } from "cdlab";
 * declare const server: { port: number }; // the student's server
 * await probe("servidor", { port: server.port });
 * ```
 */
export async function probe(name: string, target?: { port?: number; pid?: number }, options: { timeoutMs?: number } = {}): Promise<ProbeAnswer> {
  const address = (globalThis as Record<symbol, unknown>)[Symbol.for(PROBE_ADDRESS_KEY)];
  if (typeof address !== "string") {
    display.raw({ "text/plain": `sonda "${name}": só roda durante a correção` });
    return { ran: false };
  }
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  return new Promise<ProbeAnswer>((resolve) => {
    const sock = net.connect({ host, port });
    let answer = "";
    const timer = setTimeout(() => sock.destroy(), options.timeoutMs ?? 10_000);
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.write(JSON.stringify({ name, port: target?.port, pid: target?.pid }) + "\n"));
    sock.on("data", (d) => (answer += d));
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      try {
        const a = JSON.parse(answer) as { ok?: boolean; port?: number };
        resolve(a.ok ? { ran: true, ...(typeof a.port === "number" ? { port: a.port } : {}) } : { ran: false });
      } catch {
        resolve({ ran: false });
      }
    });
  });
}
