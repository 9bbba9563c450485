/**
 * Asking the student for a line of text from a cell: `await input()` (from
 * "cdlab"), and the browser's `prompt`, `confirm` and `alert`, which the cdlab
 * kernel makes globals of every cell (kernel/engine.ts).
 *
 * In the kernel each call sends Jupyter's `input_request` (a text box under
 * the cell in JupyterLab) and returns what the student typed:
 * - `prompt`, `confirm` and `alert` are **synchronous**, as in a browser: the
 *   kernel's main thread waits (servers and timers of the notebook pause too);
 * - `await input()` waits **without blocking**: callbacks, servers and timers go
 *   on running while the student types.
 *
 * A client that does not accept input (`allow_stdin: false`: the grader,
 * nbclient) makes every call fail at once with `ERR_STDIN_NOT_ALLOWED`.
 * Outside the kernel (a plain Node program) `input` reads a line from the
 * terminal.
 *
 * @example
 * ```ts
 * import { input } from "cdlab";
 * const nome = await input("Seu nome: ");
 * const senha = await input("Senha: ", { password: true });
 * ```
 */
import readline from "node:readline/promises";
import { CdlabError } from "./errors";

/** What a cell asks: the text shown before the box, and whether to hide what is typed. */
export interface InputRequest {
  prompt: string;
  password: boolean;
}

/** What the kernel installs to answer input requests. */
export interface InputSink {
  /** Wait for the answer, blocking the thread (prompt, confirm, alert). */
  ask(req: InputRequest): string;
  /** Wait for the answer without blocking (input). */
  askAsync(req: InputRequest): Promise<string>;
}

const SINK = Symbol.for("cdlab.input.sink");

function sink(): InputSink | undefined {
  return (globalThis as Record<symbol, InputSink | undefined>)[SINK];
}

/** Kernel hook: install what sends input_request and waits for the reply. */
export function setInputSink(s: InputSink | undefined): void {
  (globalThis as Record<symbol, InputSink | undefined>)[SINK] = s;
}

/** Options of {@link input}. */
export interface InputOptions {
  /** Hide what the student types (a password box). @default false */
  password?: boolean;
  /** Give up waiting when aborted (rejects with `signal.reason`). */
  signal?: AbortSignal;
}

/**
 * Ask the student for a line of text, without blocking the kernel.
 *
 * @param message the text shown before the answer box @default ""
 * @param options.password hide what is typed @default false
 * @returns what the student typed (without the newline)
 * @throws CdlabError `ERR_STDIN_NOT_ALLOWED` when the client does not accept input (the grader)
 * @example
 * ```ts
 * const porta = Number(await input("Porta do servidor: "));
 * ```
 */
export async function input(message = "", options: InputOptions = {}): Promise<string> {
  const { password = false, signal } = options;
  if (typeof message !== "string") throw new CdlabError("ERR_INVALID_ARG", `Opção "message" inválida (${JSON.stringify(message)}): deve ser um texto`);
  signal?.throwIfAborted();
  const s = sink();
  if (!s) return readTerminal(message, signal);
  const answer = s.askAsync({ prompt: message, password });
  if (!signal) return answer;
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    answer.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function readTerminal(message: string, signal?: AbortSignal): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(message, signal ? { signal } : {});
  } finally {
    rl.close();
  }
}

function askSync(prompt: string): string {
  const s = sink();
  if (!s) throw new CdlabError("ERR_NO_KERNEL", "Não é possível pedir entrada ao aluno: fora do kernel do cdlab use await input()");
  return s.ask({ prompt, password: false });
}

/**
 * The browser's `prompt`: show `message`, wait (synchronously) for a line.
 *
 * @param message @default "Prompt"
 * @param defaultValue returned when the answer is empty @default ""
 * @returns the answer, or `defaultValue` when the student just pressed Enter
 */
export function promptSync(message = "Prompt", defaultValue?: string): string | null {
  const shown = defaultValue ? `${message} [${defaultValue}]` : message;
  const answer = askSync(shown);
  return answer === "" ? (defaultValue ?? "") : answer;
}

/**
 * The browser's `confirm`: a yes/no question, answered synchronously.
 *
 * @param message @default "Confirma?"
 * @returns true for s, sim, y or yes (any case); false otherwise
 */
export function confirmSync(message = "Confirma?"): boolean {
  return /^\s*(s|sim|y|yes)\s*$/i.test(askSync(`${message} [s/N]`));
}

/**
 * The browser's `alert`: show `message` and wait (synchronously) for Enter.
 *
 * @param message @default "Alerta"
 */
export function alertSync(message = "Alerta"): void {
  askSync(`${message} [Enter]`);
}
