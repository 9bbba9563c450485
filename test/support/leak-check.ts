/**
 * What a test run left open, by name: the handles that keep Node's event loop alive (servers, sockets, child
 * processes, timers…), each described so a reader finds the test that opened it. Used by the root hook in
 * setup.ts; `process.getActiveResourcesInfo()` catches the kinds this file does not describe.
 */
import dgram from "node:dgram";
import net from "node:net";
import path from "node:path";
import timers from "node:timers";
import { promisify } from "node:util";
import { ChildProcess } from "node:child_process";

const ROOT = path.resolve(__dirname, "..", "..");

/** Live timers made through setTimeout/setInterval, with where they were created. */
const liveTimers = new Map<NodeJS.Timeout, string>();
let tracking = false;
let baseline: Map<string, number> | undefined;

function creationSite(): string {
  const frames = (new Error().stack ?? "").split("\n").slice(1).map((l) => l.trim().replace(/^at /, ""));
  const outside = frames.filter((f) => !f.includes(__filename) && !f.includes("node:internal") && !f.startsWith("node:"));
  const own = outside.find((f) => !f.includes("node_modules"));
  const first = outside[0] ?? "unknown place";
  const short = (f: string) => f.replace(ROOT + path.sep, "");
  return own && own !== first ? `${short(first)}, from ${short(own)}` : short(first);
}

function isAlive(t: NodeJS.Timeout): boolean {
  const timer = t as NodeJS.Timeout & { _destroyed?: boolean };
  return !timer._destroyed && t.hasRef();
}

/** Where each server, socket and child process was opened (listen, bind, connect, spawn). */
const openedAt = new WeakMap<object, string>();

function recordSite(proto: object, method: string): void {
  const methods = proto as Record<string, unknown>;
  const original = methods[method] as (...args: unknown[]) => unknown;
  methods[method] = function (this: object, ...args: unknown[]) {
    if (!openedAt.has(this)) openedAt.set(this, `${method}() called at ${creationSite()}`);
    return original.apply(this, args);
  };
}

/**
 * Wrap setTimeout and setInterval (global and `node:timers`) to remember where each timer was created. Mocha's own
 * timers are not seen: it keeps the functions it found when it loaded.
 */
export function startTimerTracking(): void {
  if (tracking) return;
  tracking = true;
  baseline = resourceCounts();
  recordSite(net.Server.prototype, "listen");
  recordSite(net.Socket.prototype, "connect");
  recordSite(dgram.Socket.prototype, "bind");
  recordSite(ChildProcess.prototype, "spawn");
  for (const name of ["setTimeout", "setInterval"] as const) {
    const original = globalThis[name] as (...args: unknown[]) => NodeJS.Timeout;
    const wrapped = function (this: unknown, ...args: unknown[]): NodeJS.Timeout {
      const t = original.apply(this, args);
      const ms = typeof args[1] === "number" ? args[1] : 1;
      liveTimers.set(t, `${name}(…, ${ms} ms) created at ${creationSite()}`);
      if (liveTimers.size % 1000 === 0) for (const k of liveTimers.keys()) if (!isAlive(k)) liveTimers.delete(k);
      return t;
    };
    Object.defineProperty(wrapped, "name", { value: name });
    // util.promisify(setTimeout) keeps working through the original's custom promisified form.
    const custom = Object.getOwnPropertyDescriptor(original, promisify.custom);
    if (custom) Object.defineProperty(wrapped, promisify.custom, custom);
    (globalThis as Record<string, unknown>)[name] = wrapped;
    (timers as Record<string, unknown>)[name] = wrapped;
  }
}

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Resource kinds described one by one below (the rest are counted against the run's start). */
const DESCRIBED = new Set(["TCPSocketWrap", "TCPServerWrap", "UDPWrap", "PipeWrap", "ProcessWrap", "TTYWrap", "Timeout", "Immediate"]);

type AnyHandle = { constructor: { name: string }; _handle?: { hasRef?(): boolean; fd?: number } | null };

function activeHandles(): AnyHandle[] {
  const get = (process as unknown as { _getActiveHandles?: () => AnyHandle[] })._getActiveHandles;
  const stdio = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
  return (get ? get.call(process) : []).filter((h) => !stdio.has(h) && (h._handle?.hasRef?.() ?? true));
}

function describeHandle(h: AnyHandle): string {
  const site = openedAt.get(h);
  return site ? `${what(h)}, ${site}` : what(h);
}

function what(h: AnyHandle): string {
  const addr = (a: unknown) => {
    if (!a || typeof a !== "object") return String(a ?? "?");
    const { address, port } = a as { address: string; port: number };
    return `${address}:${port}`;
  };
  if (h instanceof net.Server) return `TCP server listening on ${addr(h.address())}`;
  if (h instanceof dgram.Socket) {
    try {
      return `UDP socket bound to ${addr(h.address())}`;
    } catch {
      return "UDP socket (not bound)";
    }
  }
  if (h instanceof net.Socket) {
    if (h.remoteAddress) return `TCP socket ${h.localAddress}:${h.localPort} → ${h.remoteAddress}:${h.remotePort}`;
    return `pipe/stream socket (fd ${(h as AnyHandle)._handle?.fd ?? "?"}; a child process's stdio, or a pipe end)`;
  }
  if (h instanceof ChildProcess) return `child process pid ${h.pid}: ${h.spawnargs.join(" ")}`;
  return `${h.constructor.name} handle`;
}

/** One line per thing left open (empty when nothing is). */
export function describeLeaks(): string[] {
  const out = activeHandles().map(describeHandle);
  for (const [t, where] of liveTimers) {
    if (isAlive(t)) out.push(`timer ${where}`);
    else liveTimers.delete(t);
  }
  const now = resourceCounts();
  for (const [kind, n] of now) {
    if (DESCRIBED.has(kind)) continue;
    const extra = n - (baseline?.get(kind) ?? 0);
    if (extra > 0) out.push(`${extra} × ${kind} (from process.getActiveResourcesInfo())`);
  }
  return out;
}

/** Close, kill or clear what describeLeaks found, so that the process can end. */
export function releaseLeaks(): void {
  for (const h of activeHandles()) {
    try {
      if (h instanceof net.Server) h.close();
      else if (h instanceof dgram.Socket) h.close();
      else if (h instanceof net.Socket) h.destroy();
      else if (h instanceof ChildProcess) {
        h.kill("SIGKILL");
        h.unref();
      } else (h as { unref?(): void }).unref?.();
    } catch {
      /* already closing */
    }
  }
  for (const t of liveTimers.keys()) clearTimeout(t);
  liveTimers.clear();
}
