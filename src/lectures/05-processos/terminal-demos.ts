/**
 * What a terminal changes, shown by running the same program twice: once in a
 * pseudo-terminal, once with its output going into a pipe.
 *
 * @example
 * ```ts
 * await ttyVersusPipe("ls", ["/"]); // { terminal: "bin  boot  dev …", pipe: "bin\nboot\ndev\n…" }
 * ```
 */
import fs from "node:fs";
import { openTerminal } from "../../proc/terminal";
import { startChild } from "../../proc/child";
import { entryFile, programArgs } from "../../proc/program";
import { descendants, procStat } from "../../proc/tree";
import { CdlabError } from "../../runtime/errors";
import { runPipeline } from "../../ipc/pipeline";

/**
 * Run a command in a terminal and through a pipe; return both outputs.
 *
 * @param command the program
 * @param args its arguments @default []
 * @returns what the screen showed and what came through the pipe
 * @example
 * ```ts
 * const ls = await ttyVersusPipe("ls", ["/"]);
 * console.log(ls.terminal, ls.pipe);
 * ```
 */
export async function ttyVersusPipe(command: string, args: string[] = []) {
  // \`command | cat\`: the command's stdout is a real pipe (Node's own child stdio would be a socket pair).
  const r = await runPipeline([[command, ...args], ["cat"]], { timeout: 10000 });
  const t = await openTerminal(command, { args, timeout: 10000 });
  try {
    await t.exited;
    return { terminal: t.screen().trim(), pipe: r.output.trim() };
  } finally {
    await t.close();
  }
}

/**
 * isatty() in a terminal and in a pipe: isatty-main.ts asks isatty(0), isatty(1), isatty(2) and what each fd points to.
 *
 * @returns the child's answer in each case
 * @example
 * ```ts
 * (await isattyDemo()).terminal; // "isatty(0)=true /dev/pts/0 …"
 * ```
 */
export function isattyDemo() {
  return ttyVersusPipe(process.execPath, programArgs(entryFile(__dirname, "isatty-main")));
}

/** Perl, like C's stdio: stdout is line-buffered on a terminal, block-buffered in a pipe; stderr is never buffered. */
export const BUFFERING_PROGRAM = 'print "linha 1\\n"; print STDERR "(esperando Enter)\\n"; <STDIN>; print "linha 2\\n";';
/** The same in Python (used where there is no perl): print() buffers stdout the same way. */
const BUFFERING_PYTHON = 'import sys; print("linha 1"); print("(esperando Enter)", file=sys.stderr, flush=True); sys.stdin.readline(); print("linha 2")';

function bufferingCommand(): [string, string[]] {
  const hasPerl = (process.env.PATH ?? "").split(":").some((d) => fs.existsSync(`${d}/perl`));
  return hasPerl ? ["perl", ["-e", BUFFERING_PROGRAM]] : ["python3", ["-c", BUFFERING_PYTHON]];
}

/**
 * Line buffering vs block buffering: the child prints "linha 1", then says on
 * stderr that it waits for input. On a terminal "linha 1" is already visible;
 * in a pipe it still sits in the child's buffer until the child exits.
 *
 * @returns what had arrived from stdout when the child was waiting, in each case
 * @example
 * ```ts
 * (await bufferingDemo()).pipe.beforeEnter; // [] — still in the child's buffer
 * ```
 */
export async function bufferingDemo() {
  const [cmd, args] = bufferingCommand();
  const t = await openTerminal(cmd, { args, timeout: 10000 });
  let terminalBefore: string;
  try {
    terminalBefore = await t.waitFor("(esperando Enter)");
    t.write("\r");
    await t.exited;
  } finally {
    await t.close();
  }
  const c = await startChild(cmd, { args, timeout: 10000 });
  let out = "";
  let err = "";
  c.child.stdout!.on("data", (b) => (out += b));
  try {
    await new Promise<void>((resolve) => c.child.stderr!.on("data", (b) => ((err += b), err.includes("esperando") && resolve())));
    const pipeBefore = out;
    c.child.stdin!.end("\n");
    await c.result;
    return {
      terminal: { beforeEnter: terminalBefore.split("\n").filter((l) => l.startsWith("linha")), buffering: "linha (line-buffered)" },
      pipe: { beforeEnter: pipeBefore.split("\n").filter(Boolean), after: out.split("\n").filter(Boolean), buffering: "bloco (block-buffered)" },
    };
  } finally {
    await c.close();
  }
}

/**
 * Ctrl-C in a real shell: `sleep 30` runs in the foreground, Ctrl-C makes the
 * terminal send SIGINT to it, the shell comes back and `$?` is 130 (128 + 2).
 *
 * @returns the screen, the exit status the shell saw, and sleep's PID and the foreground process group it led
 * @example
 * ```ts
 * (await ctrlCDemo()).status; // 130
 * ```
 */
export async function ctrlCDemo() {
  const t = await openTerminal("bash", { timeout: 15000 });
  try {
    await t.waitFor(/\$$/);
    t.type("sleep 30");
    const sleeper = await foregroundChild(t.pid, "sleep"); // the terminal's foreground group is now sleep's
    t.ctrlC();
    await t.waitFor(/\^C[\s\S]*\$$/);
    t.type("echo status=$?");
    const screen = await t.waitFor(/status=\d+/);
    return { screen: screen.trim(), status: Number(/status=(\d+)/.exec(screen)![1]), shellPid: t.pid, ...sleeper };
  } finally {
    await t.close();
  }
}

/** Wait until a child of `shellPid` named `comm` leads the terminal's foreground process group. */
async function foregroundChild(shellPid: number, comm: string, timeoutMs = 5000): Promise<{ pid: number; foregroundGroup: number }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const pid of descendants(shellPid)) {
      const s = procStat(pid);
      // the child of the shell whose process group is the terminal's foreground group
      if (s && s.comm === comm && s.ppid === shellPid && s.pgid === s.tpgid) return { pid, foregroundGroup: s.tpgid };
    }
    if (Date.now() > end) throw new CdlabError("ETIMEDOUT", `Nenhum "${comm}" em primeiro plano no terminal do PID ${shellPid} depois de ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Type a pipeline into a real shell running in a terminal and return the screen.
 *
 * @param line the command line @default "printf 'maria\\njoao\\nana\\n' | sort"
 * @returns the screen after the command finished
 * @example
 * ```ts
 * console.log(await shellPipeline("ls / | wc -l"));
 * ```
 */
export async function shellPipeline(line = "printf 'maria\\njoao\\nana\\n' | sort") {
  const t = await openTerminal("bash", { timeout: 15000 });
  try {
    await t.waitFor(/\$$/);
    t.type(line + "; echo '[fim]'");
    const screen = await t.waitFor(/^\[fim\]$/m);
    return screen.slice(0, screen.lastIndexOf("\n[fim]")).replace("; echo '[fim]'", "").trim();
  } finally {
    await t.close();
  }
}
