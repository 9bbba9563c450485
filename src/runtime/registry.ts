/**
 * The resource registry: every helper that opens something (a socket, a server,
 * a child process, a worker, a FIFO, an IPC object) registers its handle here.
 *
 * - On kernel shutdown or restart the kernel calls {@link closeAll}: everything
 *   still open is released before the process exits.
 * - A resource opened under a `name` replaces the previous one of the same name
 *   ({@link replaceNamed}), so re-running a cell never fails with EADDRINUSE.
 * - Each entry remembers the cell that opened it; on interrupt the kernel calls
 *   {@link interruptCell} so what the interrupted cell started is stopped while
 *   servers from earlier cells keep serving.
 *
 * The registry is a process-wide singleton (kept on `globalThis`), so two copies
 * of this module loaded from different paths still share one list.
 *
 * @example
 * ```ts
 * import { resources } from "cdlab";
 * resources(); // [{ id: 1, kind: "tcp-server", name: "eco", label: "127.0.0.1:7896", cell: 3 }]
 * ```
 */

/** Anything that can be released. */
export interface Closable {
  close(): Promise<void> | void;
}

/** What kind of resource an entry is (shown by {@link resources}). */
export type ResourceKind =
  | "udp-socket"
  | "tcp-server"
  | "tcp-socket"
  | "child-process"
  | "worker"
  | "pty"
  | "fifo"
  | "pipe"
  | "message-queue"
  | "shared-memory"
  | "semaphore"
  | "relay"
  | "other";

/** Options for {@link track}. */
export interface TrackOptions {
  /** What it is. */
  kind: ResourceKind;
  /** A name; a later resource with the same name replaces this one. */
  name?: string;
  /** A short description: an address, a path, a PID. */
  label?: string;
  /** Called on interrupt of the cell that opened it (e.g. SIGINT a child). */
  interrupt?: () => void;
}

/** One registered resource, as {@link resources} lists it. */
export interface ResourceInfo {
  id: number;
  kind: ResourceKind;
  name?: string;
  label?: string;
  /** Execution count of the cell that opened it (undefined outside a kernel). */
  cell?: number;
}

interface Entry extends ResourceInfo {
  resource: Closable;
  interrupt?: () => void;
}

interface State {
  nextId: number;
  entries: Map<number, Entry>;
  byResource: WeakMap<object, number>;
  currentCell?: number;
}

const KEY = Symbol.for("cdlab.registry");

function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  let s = g[KEY];
  if (!s) {
    s = { nextId: 1, entries: new Map(), byResource: new WeakMap() };
    g[KEY] = s;
  }
  return s;
}

/**
 * Register a resource. When the resource's `close()` runs, call
 * {@link untrack} (helpers do this inside their idempotent close).
 *
 * @param resource the handle to release at shutdown
 * @param options kind, name and label
 * @returns the same resource, for chaining
 */
export function track<T extends Closable>(resource: T, options: TrackOptions): T {
  const s = state();
  const id = s.nextId++;
  s.entries.set(id, {
    id,
    kind: options.kind,
    name: options.name,
    label: options.label,
    cell: s.currentCell,
    resource,
    interrupt: options.interrupt,
  });
  s.byResource.set(resource, id);
  return resource;
}

/** Remove a resource from the registry (it was closed by its owner). */
export function untrack(resource: Closable): void {
  const s = state();
  const id = s.byResource.get(resource);
  if (id !== undefined) {
    s.entries.delete(id);
    s.byResource.delete(resource);
  }
}

/** Update the label of a tracked resource (e.g. once a port is known). */
export function relabel(resource: Closable, label: string): void {
  const s = state();
  const id = s.byResource.get(resource);
  const e = id === undefined ? undefined : s.entries.get(id);
  if (e) e.label = label;
}

/**
 * Close the resource registered under `name`, if any, and wait for it.
 * Helpers call this before opening a named resource.
 *
 * @returns true when something was closed
 */
export async function replaceNamed(name: string | undefined): Promise<boolean> {
  if (name === undefined) return false;
  const s = state();
  const olds = [...s.entries.values()].filter((e) => e.name === name);
  for (const e of olds) {
    s.entries.delete(e.id);
    await safeClose(e.resource);
  }
  return olds.length > 0;
}

/** The resources open right now, oldest first. */
export function resources(): ResourceInfo[] {
  return [...state().entries.values()].map(({ id, kind, name, label, cell }) => ({
    id,
    kind,
    name,
    label,
    cell,
  }));
}

/**
 * Release every registered resource, newest first, each bounded by `timeoutMs`.
 * Errors are swallowed: shutdown must finish.
 *
 * @param options.timeoutMs how long one close may take @default 1000
 * @returns how many resources were closed
 */
export async function closeAll(options: { timeoutMs?: number } = {}): Promise<number> {
  const { timeoutMs = 1000 } = options;
  const s = state();
  const all = [...s.entries.values()].reverse();
  s.entries.clear();
  await Promise.all(
    all.map((e) => {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
      });
      return Promise.race([safeClose(e.resource), limit]).finally(() => clearTimeout(timer));
    }),
  );
  return all.length;
}

/**
 * Kernel hook: the cell about to run (its execution count). Resources tracked
 * while it runs remember it.
 */
export function setCurrentCell(cell: number | undefined): void {
  state().currentCell = cell;
}

/**
 * Kernel hook: the cell `cell` was interrupted. Calls the `interrupt` callback
 * of every resource that cell opened (child processes get SIGINT, like a
 * terminal's Ctrl-C); resources from other cells are left alone.
 *
 * @returns how many resources were interrupted
 */
export function interruptCell(cell: number | undefined): number {
  let n = 0;
  for (const e of state().entries.values()) {
    if (e.cell === cell && e.interrupt) {
      try {
        e.interrupt();
        n++;
      } catch {
        /* already gone */
      }
    }
  }
  return n;
}

async function safeClose(r: Closable): Promise<void> {
  try {
    await r.close();
  } catch {
    /* closing is best effort */
  }
}
