/**
 * A pseudo-terminal (node-pty) driven from a cell: the program inside believes
 * it talks to a real terminal. Its screen is streamed to the notebook, input is
 * typed into it, and Ctrl-C is the byte 0x03 — the terminal's line discipline
 * turns it into SIGINT for the foreground process group, as in a real terminal.
 *
 * @example
 * ```ts
 * const t = await openTerminal("bash", { show: true });
 * t.type("ls /");
 * await t.waitFor(/\$$/); // the prompt
 * await t.close();
 * ```
 */
import * as pty from "node-pty";
import { CdlabError, invalidArg } from "../runtime/errors";
import { makeHandle, type Handle } from "../runtime/handle";
import { abortable, throwIfAborted } from "../runtime/abort";
import { display, escapeHtml, inKernel } from "../runtime/display";

/** Options of {@link openTerminal}. */
export interface TerminalOptions {
  /** Arguments. @default bash gets ["--norc","--noprofile","-i"], others [] */
  args?: string[];
  /** Columns. @default 80 */
  cols?: number;
  /** Rows. @default 24 */
  rows?: number;
  cwd?: string;
  /** Extra environment (PS1 is "$ " for bash). */
  env?: Record<string, string>;
  /** Stream the screen into the notebook as it changes. @default false */
  show?: boolean;
  /** Kill the program after this many ms (0 = never). @default 30000 */
  timeout?: number;
}

/** A running program in a pseudo-terminal. */
export interface Terminal extends Handle {
  readonly pid: number;
  /** Everything the program wrote, with escape sequences. */
  readonly raw: string;
  /** The text as a screen shows it (escape sequences removed, CR/LF/tab/backspace applied). */
  screen(): string;
  /** Send bytes as keystrokes. */
  write(data: string): void;
  /** Type a line and press Enter. */
  type(line: string): void;
  /** Press Ctrl-C: the terminal sends SIGINT to the foreground process group. */
  ctrlC(): void;
  /** Wait until the screen matches; resolves with the screen. */
  waitFor(pattern: RegExp | string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<string>;
  /** Resolves when the program ends. */
  readonly exited: Promise<{ exitCode: number; signal: number | undefined }>;
}

/**
 * Render terminal output as plain text: drop escape sequences, apply carriage
 * returns, backspaces and tab stops.
 *
 * @param raw what the program wrote
 * @returns the visible text, lines joined with "\n"
 * @example
 * ```ts
 * renderScreen("a\tb\r\nxy\rZ"); // "a       b\nZy"
 * ```
 */
export function renderScreen(raw: string): string {
  const clean = raw.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "").replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\x1b[()][0-9A-Za-z]|\x1b[=>78]/g, "");
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  for (const ch of clean) {
    if (ch === "\n") {
      lines.push(line.join(""));
      line = [];
      col = 0;
    } else if (ch === "\r") col = 0;
    else if (ch === "\b") col = Math.max(0, col - 1);
    else if (ch === "\t") {
      const next = (Math.floor(col / 8) + 1) * 8;
      while (col < next) line[col++] ??= " ";
    } else if (ch >= " " || ch === "\x7f") {
      if (ch === "\x7f") continue;
      while (line.length < col) line.push(" ");
      line[col++] = ch;
    }
  }
  lines.push(line.join(""));
  return lines.map((l) => l.replace(/\s+$/, "")).join("\n");
}

let shown = 0;

/**
 * Start a program in a pseudo-terminal.
 *
 * @param command program to run @default "bash"
 * @param options args, size, env, `show` to stream the screen, timeout
 * @returns the {@link Terminal}; `close()` ends the program (SIGHUP, as when a terminal window closes)
 * @throws CdlabError `ENOENT` when the command is not found
 * @example
 * ```ts
 * const t = await openTerminal("bash", { show: true });
 * t.type("sleep 30"); t.ctrlC();
 * ```
 */
export function openTerminal(command = "bash", options: TerminalOptions = {}): Promise<Terminal> {
  const { cols = 80, rows = 24, timeout = 30000 } = options;
  if (typeof command !== "string" || command === "") invalidArg("command", command, "deve ser um texto não vazio");
  if (!Number.isInteger(cols) || cols < 10 || cols > 500) invalidArg("cols", cols, "deve ser um inteiro de 10 a 500");
  if (!Number.isInteger(rows) || rows < 2 || rows > 200) invalidArg("rows", rows, "deve ser um inteiro de 2 a 200");
  if (!Number.isFinite(timeout) || timeout < 0) invalidArg("timeout", timeout, "deve ser um número de ms ≥ 0");
  return startTerminal(command, options);
}

async function startTerminal(command: string, options: TerminalOptions): Promise<Terminal> {
  const { cols = 80, rows = 24, cwd, env = {}, show = false, timeout = 30000 } = options;
  const args = options.args ?? (command === "bash" ? ["--norc", "--noprofile", "-i"] : []);
  let p: pty.IPty;
  try {
    p = pty.spawn(command, args, { name: "xterm", cols, rows, cwd: cwd ?? process.cwd(), env: { ...process.env, PS1: "$ ", ...env } as Record<string, string> });
  } catch (e) {
    throw new CdlabError("ENOENT", `Não foi possível executar "${command}" num terminal: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  let raw = "";
  let timer: NodeJS.Timeout | undefined;
  let hasExited = false;
  const listeners = new Set<() => void>();
  const id = `cdlab-terminal-${process.pid}-${++shown}`;
  let drawTimer: NodeJS.Timeout | undefined;
  const draw = (update: boolean) => {
    const text = renderScreen(raw).split("\n").slice(-rows).join("\n");
    display.raw({ "text/html": `<pre style="background:#111;color:#ddd;padding:6px;line-height:1.2">${escapeHtml(text)}</pre>`, "text/plain": text }, { id, update });
  };
  if (show && inKernel()) draw(false);
  const exited = new Promise<{ exitCode: number; signal: number | undefined }>((resolve) =>
    p.onExit((e) => {
      clearTimeout(timer);
      hasExited = true;
      resolve({ exitCode: e.exitCode, signal: e.signal });
    }),
  );
  p.onData((d) => {
    raw += d;
    for (const l of listeners) l();
    if (show && inKernel() && !drawTimer) drawTimer = setTimeout(() => ((drawTimer = undefined), draw(true)), 50);
  });
  // node-pty reports a command that cannot be executed as an immediate exit.
  const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 30))]);
  if (early && (early as { exitCode: number }).exitCode !== 0 && /execvp|No such file/.test(raw))
    throw new CdlabError("ENOENT", `Não foi possível executar "${command}" num terminal: comando não encontrado`);
  timer = timeout > 0 ? setTimeout(() => p.kill("SIGKILL"), timeout) : undefined;
  timer?.unref();

  const release = async () => {
    try {
      p.kill("SIGHUP");
    } catch {
      /* gone */
    }
    const t = setTimeout(() => {
      try {
        p.kill("SIGKILL");
      } catch {
        /* gone */
      }
    }, 1000);
    await exited;
    clearTimeout(t);
    clearTimeout(drawTimer);
    if (show && inKernel()) draw(true);
  };
  return makeHandle<Terminal>({
    pid: p.pid,
    get raw() {
      return raw;
    },
    screen: () => renderScreen(raw),
    write: (d) => p.write(d),
    type: (line) => p.write(line + "\r"),
    ctrlC: () => p.write("\x03"),
    async waitFor(pattern, { timeoutMs = 5000, signal } = {}) {
      throwIfAborted(signal);
      const test = () => (typeof pattern === "string" ? renderScreen(raw).includes(pattern) : pattern.test(renderScreen(raw)));
      if (test()) return renderScreen(raw);
      let listener: () => void = () => {};
      let to: NodeJS.Timeout | undefined;
      const wait = new Promise<string>((resolve, reject) => {
        listener = () => test() && resolve(renderScreen(raw));
        listeners.add(listener);
        to = setTimeout(() => reject(new CdlabError("ETIMEDOUT", `A saída do terminal não mostrou ${pattern} em ${timeoutMs} ms`)), timeoutMs);
        exited.then(() => setImmediate(() => (test() ? resolve(renderScreen(raw)) : reject(new CdlabError("ERR_EXITED", `O programa do terminal terminou antes de mostrar ${pattern}`)))));
      });
      try {
        return await abortable(wait, signal);
      } finally {
        listeners.delete(listener);
        clearTimeout(to);
      }
    },
    exited,
  }, {
    kind: "pty",
    label: `${command} (PID ${p.pid})`,
    interrupt: () => p.write("\x03"),
    // A program that already exited is not listed; one that exits later leaves the list then.
    track: !hasExited,
    ended: exited,
    release,
  });
}
