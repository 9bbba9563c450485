/**
 * Waiting for a socket or server to be bound, the same way for UDP (`bind`) and TCP (`listen`): on an error,
 * the socket is closed and the error becomes one line that keeps the system's code (`EADDRINUSE`…).
 * @internal
 */
import { once, type EventEmitter } from "node:events";
import { systemError } from "../runtime/errors";

/**
 * Call `start` (a `bind` or `listen` call) and wait for "listening"; on an "error" (or a throw) close `target`.
 *
 * @param target the socket or server that `start` binds
 * @param start the call that binds it
 * @param failure the pt-BR message of the error, before its cause: `Não foi possível escutar em 127.0.0.1:80`
 * @throws CdlabError `<failure>: <the system's reason>` with the system's code
 * @example
 * ```ts
 * import net from "node:net";
 * import { untilListening } from "./listening";
 * const server = net.createServer();
 * await untilListening(server, () => server.listen(0, "127.0.0.1"), "Não foi possível escutar em 127.0.0.1:0");
 * ```
 * @internal
 */
export async function untilListening(target: EventEmitter & { close(): unknown }, start: () => void, failure: string): Promise<void> {
  try {
    const listening = once(target, "listening");
    start();
    await listening;
  } catch (e) {
    target.close();
    throw systemError(failure, e);
  }
}
