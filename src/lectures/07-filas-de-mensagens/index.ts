/**
 * Lecture 07 (filas de mensagens): the C programs of notebooks/07-filas-de-mensagens.ipynb, where `msgget`,
 * `msgsnd` and `msgrcv` are the calls themselves — a request/reply server and what the kernel answers to an
 * invalid `msgsnd`. The queues are the mechanism in src/ipc (`cdlab/ipc`: openMessageQueue).
 *
 * @example
 * ```ts
 * import { queuePrograms } from "cdlab/lectures/07-filas-de-mensagens";
 * const c = await queuePrograms();
 * if (c.available) console.log((await c.run("erros", [])).stdout);
 * ```
 */
import path from "node:path";
import { cPrograms, type Programs } from "../../proc/compiled-programs";
import { PACKAGE_ROOT } from "../../runtime/root";

/** Where the lecture's C programs live. */
export const QUEUE_C_DIR = path.join(PACKAGE_ROOT, "src", "lectures", "07-filas-de-mensagens", "c");

/**
 * The lecture's message-queue programs in C (`servidor`, `erros`), compiled when the machine has a C compiler.
 *
 * @returns their sources, `run` and `start`; `available: false` and a pt-BR `note` without a compiler
 */
export function queuePrograms(): Promise<Programs> {
  return cPrograms(QUEUE_C_DIR);
}
