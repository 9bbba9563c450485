/**
 * Building blocks for handles: an idempotent `close()` and `Symbol.asyncDispose`.
 *
 * @example
 * ```ts
 * const close = once(async () => server.close());
 * await close(); await close(); // the second call returns the same promise
 * ```
 */

/** A resource a helper returns: close it (any number of times) when done. */
export interface Handle {
  /** Release the resource. Idempotent: later calls return the first call's promise. */
  close(): Promise<void>;
  /** Same as {@link Handle.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
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

/** Polyfill-safe `Symbol.asyncDispose` (Node 20 defines it; older runtimes may not). */
export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: symbol }).asyncDispose !== undefined
    ? Symbol.asyncDispose
    : (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);
