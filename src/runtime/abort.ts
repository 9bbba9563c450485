/**
 * AbortSignal helpers: every call that waits accepts `{ signal }`, checks
 * `signal.aborted` first, removes its listener when it settles, and rejects with
 * `signal.reason`.
 *
 * @example
 * ```ts
 * declare const socket: import("node:dgram").Socket;
 * declare const socketReply: Promise<Buffer>; // resolves on the socket's next message
 * declare const signal: AbortSignal;
 * const reply = await abortable(socketReply, signal, () => socket.close());
 * ```
 */

/** Throw `signal.reason` when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/**
 * Race `promise` against `signal`. On abort, `onAbort` runs (to release what
 * the wait holds) and the result rejects with `signal.reason`.
 *
 * @param promise what is awaited
 * @param signal optional AbortSignal
 * @param onAbort cleanup to run when aborted
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort?: () => void,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    onAbort?.();
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const listener = () => {
      onAbort?.();
      reject(signal.reason);
    };
    signal.addEventListener("abort", listener, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", listener);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", listener);
        reject(e);
      },
    );
  });
}
