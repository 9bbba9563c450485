/**
 * The one way cdlab builds handles: every resource a helper returns (a socket, a server, a child, a FIFO,
 * an IPC object…) gets from here its once-only `close()`, its `Symbol.asyncDispose`, its entry in the
 * resource registry (removed when it closes) and its interrupt hook. Object-literal handles use
 * {@link makeHandle}; class handles extend {@link HandleBase}.
 *
 * @example
 * ```ts
 * import net from "node:net";
 * import { makeHandle } from "../runtime/handle";
 * const server = net.createServer();
 * const handle = makeHandle({ port: 7896 }, {
 *   kind: "tcp-server",
 *   label: "127.0.0.1:7896",
 *   release: () => new Promise<void>((resolve) => server.close(() => resolve())),
 * });
 * await handle.close(); await handle.close(); // the second call returns the first call's promise
 * ```
 */
import { track, untrack, type Closable, type ResourceKind, type TrackOptions } from "./registry";

/** A resource a helper returns: close it (any number of times) when done. */
export interface Handle {
  /** Release the resource. Idempotent: later calls return the first call's promise. */
  close(): Promise<void>;
  /** Same as {@link Handle.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Polyfill-safe `Symbol.asyncDispose` (Node 20 defines it; older runtimes may not). */
export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: symbol }).asyncDispose !== undefined
    ? Symbol.asyncDispose
    : (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

/** How a handle is registered, and how it is released. */
export interface HandleOptions {
  /** What it is, as {@link resources} lists it. */
  kind: ResourceKind;
  /** The name a later resource of the same name replaces (see `replaceNamed`). */
  name?: string;
  /** A short description: an address, a path, a PID. */
  label?: string;
  /** Called when the cell that opened it is interrupted (e.g. SIGINT to a child). */
  interrupt?: () => void;
  /**
   * Whether it is registered: `true` at once; `false` never (an internal resource owned by another
   * handle); `"later"` when the helper calls {@link register} — after a check that can still fail once the
   * object exists, so a handle that never reaches the caller is not left in the registry.
   * @default true
   */
  track?: boolean | "later";
  /**
   * Settles when the resource ends by itself (a process that exits): the handle then leaves the registry
   * (`close()` still runs `release` once, when called).
   */
  ended?: PromiseLike<unknown>;
}

/**
 * Wrap `fn` so it runs at most once; every call returns the first call's promise.
 *
 * @param fn the real close
 * @returns an idempotent close
 */
export function once(fn: () => Promise<void> | void): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= Promise.resolve().then(fn));
}

/** Handles built with `track: "later"` and not registered yet, with how to register them. */
const unregistered = new WeakMap<object, TrackOptions>();

/** The shared life cycle: untrack first (a shutdown never closes it twice), then release, once. */
function lifecycle(self: Closable, options: HandleOptions, release: () => Promise<void> | void): () => Promise<void> {
  const leave = () => {
    unregistered.delete(self);
    untrack(self);
  };
  const close = once(async () => {
    leave();
    await release();
  });
  const how: TrackOptions = { kind: options.kind, name: options.name, label: options.label, interrupt: options.interrupt };
  if (options.track === "later") unregistered.set(self, how);
  else if (options.track !== false) track(self, how);
  options.ended?.then(leave, leave);
  return close;
}

/**
 * Register a handle built with `track: "later"`, now that it is ready. Does nothing when it is already
 * registered, closed or ended, or was built with another `track`.
 *
 * @param handle the handle from {@link makeHandle} or a {@link HandleBase} subclass
 * @returns the same handle
 * @example
 * ```ts
 * declare const q: Handle & { stat(): unknown }; // built with makeHandle/HandleBase and track: "later"
 * q.stat(); // throws when the id does not exist: q was never registered
 * register(q); // now resources() lists it
 * ```
 */
export function register<T extends Handle>(handle: T): T {
  const how = unregistered.get(handle);
  if (how) {
    unregistered.delete(handle);
    track(handle, how);
  }
  return handle;
}

/**
 * Turn `target` into a registered handle: adds `close()` (untracks, then runs `release` once; every call
 * returns the same promise) and `[Symbol.asyncDispose]`, and registers it.
 *
 * Where the result is typed as a handle interface (`const conn: TcpConnection = makeHandle({…}, …)`, or
 * returned from a function declared to return one), `target` is checked against that interface without
 * `close`/`asyncDispose`, and its methods take their parameter types from it; elsewhere the handle's type
 * is `target`'s type plus {@link Handle}.
 *
 * @param target the handle's own fields and methods
 * @param options kind, name, label, interrupt hook, `track`, `ended`, and `release`, the real close
 * @returns `target`, now a {@link Handle}
 */
export function makeHandle<H extends Handle>(target: Omit<H, keyof Handle>, options: MakeHandleOptions): H;
export function makeHandle<T extends object>(target: T, options: MakeHandleOptions): T & Handle;
export function makeHandle(target: object, options: MakeHandleOptions): Handle {
  const handle = target as Handle; // close() is defined below, before anyone can call it
  const close = lifecycle(handle, options, options.release);
  Object.defineProperty(handle, "close", { value: close, enumerable: true, configurable: true });
  Object.defineProperty(handle, asyncDispose, { value: close, enumerable: false, configurable: true });
  return handle;
}

/** Options of {@link makeHandle}: how it is registered, and `release`, the real close (run at most once). */
export type MakeHandleOptions = HandleOptions & { release: () => Promise<void> | void };

/**
 * Base class of class handles (message queues, shared memory, semaphores…): the subclass implements
 * `release()`; `close()` and `[Symbol.asyncDispose]` come from here, and `closed` says whether `close()`
 * was called.
 */
export abstract class HandleBase implements Handle {
  readonly #close: () => Promise<void>;
  #closed = false;

  /** @param options how the handle is registered (the subclass's `release()` releases it) */
  protected constructor(options: HandleOptions) {
    this.#close = lifecycle(this, options, () => this.release());
  }

  /** Release what the handle holds. Runs at most once, from `close()`. */
  protected abstract release(): Promise<void> | void;

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Release the resource. Idempotent: later calls return the first call's promise. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#close();
  }

  /** Same as {@link HandleBase.close}. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}
